/**
 * The live preview's page (an iframe of the get-started page): loads the real widget (/widget.js)
 * for the bot named in `?bot=`, with the language from `?lang=` and the edited theme from `?theme=`.
 * The dashboard reloads the frame as colours change and after each save (greeting, persona, language).
 */
const params = new URLSearchParams(location.search);
const bot = params.get('bot') ?? '';
const lang = params.get('lang');
if (lang === 'en' || lang === 'de') document.documentElement.lang = lang;
if (/^[A-Za-z0-9_-]{8,128}$/.test(bot)) {
  // The colours and position being edited (not saved yet): the loader draws the launcher from
  // its cached theme, so the preview follows the form at once.
  try {
    const theme = JSON.parse(params.get('theme') ?? 'null') as Record<string, string> | null;
    if (theme) {
      const clean: Record<string, string> = {};
      for (const key of ['accentColor', 'accentTextColor'] as const) if (/^#[0-9a-fA-F]{6}$/.test(theme[key] ?? '')) clean[key] = theme[key]!;
      if (theme.position === 'left' || theme.position === 'right') clean.position = theme.position;
      localStorage.setItem(`concierge:${bot}:theme`, JSON.stringify(clean));
    }
  } catch {
    /* default colours */
  }
  const script = document.createElement('script');
  script.async = true;
  script.src = '/widget.js';
  script.dataset.bot = bot;
  document.body.append(script);
}
