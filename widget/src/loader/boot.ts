/**
 * The loader's logic: the `Concierge(...)` global (replaying calls queued before it arrived),
 * the shadow-DOM host and the launcher button, and loading the panel chunk on intent.
 * Plain TypeScript, no Solid: this is what every page view pays for.
 */
import type { WidgetIdentity, WidgetTheme } from '../../../core/wire/widget.ts';
import { launcher as de } from '../i18n/de.ts';
import { launcher as en } from '../i18n/en.ts';
import { pageLocaleCandidates, pickLocale } from '../i18n/locale.ts';
import type { ConciergeEventName, PanelApi, PanelHost, PanelModule } from '../shared/contract.ts';
import { adoptStyles, setThemeProperties, storageGet, storageKey, storageSet } from '../shared/dom.ts';
import css from './launcher.css?inline';

/** The page-facing global. Before the loader arrives it is the snippet's stub, which only queues. */
export interface ConciergeGlobal {
  (command: string, ...args: unknown[]): void;
  q?: ArrayLike<unknown>[];
  loaded?: boolean;
}
type Listener = (detail?: unknown) => void;

const SVG = 'http://www.w3.org/2000/svg';
const ICON_CHAT = 'M20 2H4a2 2 0 0 0-2 2v18l4-4h14a2 2 0 0 0 2-2V4a2 2 0 0 0-2-2z';
const ICON_CLOSE = 'M19 6.41 17.59 5 12 10.59 6.41 5 5 6.41 10.59 12 5 17.59 6.41 19 12 13.41 17.59 19 19 17.59 13.41 12z';

/**
 * Starts the widget on `win`. `importPanel` loads the panel module from a URL (a dynamic
 * `import()` in the real bundle; tests pass a fake). Does nothing if a loader already runs.
 */
export function boot(win: Window, importPanel: (url: string) => Promise<PanelModule>, panelFile: string): void {
  const doc = win.document;
  const w = win as Window & { Concierge?: ConciergeGlobal };
  const stub = w.Concierge;
  if (stub?.loaded) return;

  const script = (doc.currentScript as HTMLScriptElement | null) ?? doc.querySelector<HTMLScriptElement>('script[data-bot]');
  const botKey = script?.dataset.bot;
  if (!script?.src || !botKey) {
    console.error('[Concierge] the script tag needs src and data-bot="<bot public key>"');
    return;
  }
  // Everything else comes from where widget.js came from; data-api lets a CDN-hosted loader talk to the server.
  const apiHref = new URL(script.dataset.api || './', script.src).href;
  const apiBase = apiHref.endsWith('/') ? apiHref : `${apiHref}/`;
  const panelUrl = new URL(`widget/${panelFile}`, script.src).href;
  const openKey = storageKey(botKey, 'open');
  const themeKey = storageKey(botKey, 'theme');

  const listeners = new Map<string, Set<Listener>>();
  // A reply mail's link back (`#concierge-resume=<token>`): taken off the address bar at once (it is a
  // capability; no bookmark or shared URL should carry it) and handed to the panel's first session.
  let resume: string | null = null;
  const resumeMatch = /(^#|&)concierge-resume=([A-Za-z0-9._-]{1,2048})(?=&|$)/.exec(win.location.hash);
  if (resumeMatch) {
    resume = resumeMatch[2]!;
    const rest = win.location.hash.slice(1).split('&').filter((part) => !part.startsWith('concierge-resume=')).join('&');
    try {
      win.history.replaceState(win.history.state, '', `${win.location.pathname}${win.location.search}${rest ? `#${rest}` : ''}`);
    } catch {
      /* a sandboxed page may refuse; the token then stays visible, and still works once */
    }
  }
  let locale: string | null = null;
  let identity: WidgetIdentity | null = null;
  let api: PanelApi | null = null;
  let loading: Promise<PanelApi | null> | null = null;
  let wantOpen = false;
  let isOpen = false;
  let unread = 0;
  let ready = false;
  let ui: { wrap: HTMLElement; slot: HTMLElement; button: HTMLButtonElement; badge: HTMLElement; path: SVGPathElement; root: ShadowRoot } | null =
    null;
  let domReady: Promise<void> | null = null;

  const emit = (name: ConciergeEventName, detail?: unknown) => {
    for (const fn of listeners.get(name) ?? []) {
      try {
        fn(detail);
      } catch (error) {
        console.error('[Concierge] listener failed', error);
      }
    }
  };

  const strings = () => (pickLocale([locale, ...pageLocaleCandidates(doc, navigator)]) === 'de' ? de : en);

  const refreshLauncher = () => {
    if (!ui) return;
    const s = strings();
    const showBadge = unread > 0 && !isOpen;
    ui.button.setAttribute('aria-label', (isOpen ? s.close : s.open) + (showBadge ? `, ${s.unread(unread)}` : ''));
    ui.button.setAttribute('aria-expanded', String(isOpen));
    ui.path.setAttribute('d', isOpen ? ICON_CLOSE : ICON_CHAT);
    ui.badge.textContent = unread > 99 ? '99+' : String(unread);
    ui.badge.hidden = !showBadge;
    ui.wrap.classList.toggle('cc-open', isOpen);
  };

  const render = () => {
    const host = doc.createElement('concierge-widget');
    // Open rather than closed: a closed root protects nothing from first-party page script (it can
    // patch attachShadow), while an open one lets test tools and assistive extensions reach inside.
    const root = host.attachShadow({ mode: 'open' });
    adoptStyles(root, css);
    const wrap = doc.createElement('div');
    wrap.className = 'cc-root';
    const slot = doc.createElement('div');
    const button = doc.createElement('button');
    button.type = 'button';
    button.className = 'cc-launcher';
    button.setAttribute('aria-haspopup', 'dialog');
    button.setAttribute('aria-controls', 'cc-panel');
    const svg = doc.createElementNS(SVG, 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('aria-hidden', 'true');
    const path = doc.createElementNS(SVG, 'path');
    svg.appendChild(path);
    const badge = doc.createElement('span');
    badge.className = 'cc-badge';
    badge.setAttribute('aria-hidden', 'true');
    button.append(svg, badge);
    wrap.append(slot, button);
    root.appendChild(wrap);
    ui = { wrap, slot, button, badge, path, root };

    try {
      setThemeProperties(wrap, JSON.parse(storageGet('local', themeKey) ?? 'null') as WidgetTheme | null);
    } catch {
      /* a corrupt cached theme just means default colors */
    }
    refreshLauncher();

    const preload = () => void load();
    button.addEventListener('pointerenter', preload);
    button.addEventListener('focus', preload);
    button.addEventListener('touchstart', preload, { passive: true });
    button.addEventListener('click', () => {
      if (isOpen) {
        wantOpen = false;
        api?.close();
      } else openPanel(true);
    });
    (doc.body ?? doc.documentElement).appendChild(host);
  };

  const whenDomReady = (): Promise<void> =>
    (domReady ??= new Promise<void>((resolve) => {
      const go = () => {
        render();
        resolve();
      };
      if (doc.body) go();
      else doc.addEventListener('DOMContentLoaded', go, { once: true });
    }));

  const panelHost = (): PanelHost => {
    const u = ui!;
    return {
      root: u.root,
      mountPoint: u.slot,
      launcher: u.button,
      botKey,
      apiBase,
      get locale() {
        return locale;
      },
      get identity() {
        return identity;
      },
      takeResume() {
        const token = resume;
        resume = null;
        return token;
      },
      setUnread(count) {
        if (count === unread) return;
        unread = count;
        refreshLauncher();
        emit('unread', count);
      },
      setOpen(open) {
        if (open === isOpen) return;
        isOpen = open;
        storageSet('session', openKey, open ? '1' : null);
        refreshLauncher();
        emit(open ? 'open' : 'close');
      },
      applyTheme(theme) {
        setThemeProperties(u.wrap, theme);
        storageSet('local', themeKey, JSON.stringify(theme));
      },
      emit,
    };
  };

  /** Imports and mounts the panel once; a failed download is retried on the next intent. */
  const load = (): Promise<PanelApi | null> =>
    (loading ??= whenDomReady()
      .then(() => importPanel(panelUrl))
      .then((mod) => (api = mod.mount(panelHost())))
      .catch((error: unknown) => {
        console.error('[Concierge] could not load the chat panel', error);
        loading = null;
        return null;
      }));

  const openPanel = (focus: boolean) => {
    wantOpen = true;
    void load().then((panel) => {
      if (panel && wantOpen) panel.open({ focus });
    });
  };

  const handle = (command: unknown, args: unknown[]) => {
    switch (command) {
      case 'open':
        openPanel(true);
        break;
      case 'close':
        wantOpen = false;
        api?.close();
        break;
      case 'identify': {
        const value = args[0] as WidgetIdentity | undefined;
        if (!value || typeof value.customerId !== 'string' || typeof value.signature !== 'string') {
          console.warn('[Concierge] identify needs { customerId, signature, email? }');
          break;
        }
        identity = value;
        api?.identify(value);
        break;
      }
      case 'setLocale':
        locale = typeof args[0] === 'string' ? args[0] : null;
        refreshLauncher();
        api?.setLocale(locale);
        break;
      case 'on':
      case 'off': {
        const [name, fn] = args as [string, Listener];
        if (typeof fn !== 'function') break;
        if (!listeners.has(name)) listeners.set(name, new Set());
        if (command === 'off') listeners.get(name)!.delete(fn);
        else {
          listeners.get(name)!.add(fn);
          if (name === 'ready' && ready) fn();
        }
        break;
      }
      default:
        console.warn(`[Concierge] unknown command "${String(command)}"`);
    }
  };

  const Concierge: ConciergeGlobal = (command, ...args) => handle(command, args);
  Concierge.loaded = true;
  w.Concierge = Concierge;
  // Replay, in order, what the page asked for before we arrived.
  for (const call of Array.from(stub?.q ?? [])) handle(call[0], Array.prototype.slice.call(call, 1));

  void whenDomReady().then(() => {
    ready = true;
    emit('ready');
    // Arrived from a reply mail: open the conversation it was about.
    if (resume) openPanel(true);
    // The panel was open on the previous page of this tab: bring it back, without taking focus.
    else if (storageGet('session', openKey) === '1' && !wantOpen) openPanel(false);
  });
}
