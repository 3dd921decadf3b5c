/**
 * First steps: create the assistant, copy the script tag, allow the shop's origin, test it in a
 * live preview of the real widget (an iframe that loads /widget.js; reloaded after each save).
 */
import { createResource, createSignal, Match, onCleanup, Show, Switch } from 'solid-js';
import type { Bot, ConversationSummary, Page } from '../../../../core/wire/merchant.ts';
import { get, post } from '../api.ts';
import { BotForm } from '../BotForm.tsx';
import { embedded, embeddedQuery } from '../embedded.ts';
import { locale, t } from '../i18n/index.ts';
import { ActionForm, ErrorNote, Field, Loading, Section, useAction } from '../ui.tsx';

const COPIED = 'concierge:dashboard:snippet-copied';

export default function GetStarted() {
  const [bots, { refetch, mutate }] = createResource(() => get<Page<Bot>>('/api/v1/bots', { limit: 50 }));
  const [tested] = createResource(() => get<Page<ConversationSummary>>('/api/v1/conversations', { limit: 1 }).then((p) => p.items.length > 0).catch(() => false));
  const [copied, setCopied] = createSignal(localStorage.getItem(COPIED) === '1');
  const [copyNote, setCopyNote] = createSignal('');
  const [version, setVersion] = createSignal(0);
  // The theme as edited, debounced: the preview frame reloads with it.
  const [theme, setTheme] = createSignal('');
  let themeTimer: ReturnType<typeof setTimeout> | undefined;
  const editTheme = (next: Bot['theme']) => {
    clearTimeout(themeTimer);
    themeTimer = setTimeout(() => setTheme(JSON.stringify(next)), theme() ? 300 : 0);
  };
  onCleanup(() => clearTimeout(themeTimer));
  const [name, setName] = createSignal('');
  const create = useAction();

  const bot = () => bots()?.items[0];
  const snippet = (b: Bot) => `<script async src="${location.origin}/widget.js" data-bot="${b.publicKey}"></script>`;
  const copy = async (b: Bot) => {
    try {
      await navigator.clipboard.writeText(snippet(b));
      setCopyNote(t().copied);
    } catch {
      // No clipboard permission: select the text so Ctrl+C works.
      const range = document.createRange();
      range.selectNodeContents(document.getElementById('snippet')!);
      getSelection()?.removeAllRanges();
      getSelection()?.addRange(range);
      setCopyNote('');
    }
    localStorage.setItem(COPIED, '1');
    setCopied(true);
  };
  const createBot = async () => {
    await create.run(async () => {
      await post<Bot>('/api/v1/bots', { name: name(), allowedOrigins: [location.origin], locale: locale(), timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone });
      await refetch();
    });
  };
  const mark = (done: boolean | undefined) => (done ? `✓ ${t().done}` : t().todo);

  return (
    <div class="page">
      <h1>{t().getStarted}</h1>
      <Switch>
        <Match when={bots.error}>
          <ErrorNote error={bots.error} retry={refetch} />
        </Match>
        <Match when={bots.loading}>
          <Loading />
        </Match>
        <Match when={true}>
          <Section title={t().checklist}>
            <ol class="checklist">
              <li>
                {t().stepBot}: <strong>{mark(!!bot())}</strong>
              </li>
              <li>
                {t().stepSnippet}: <strong>{mark(copied())}</strong>
              </li>
              <li>
                {t().stepOrigins}: <strong>{mark(!!bot()?.allowedOrigins.some((o) => o !== location.origin))}</strong>
              </li>
              <li>
                {t().stepTest}: <strong>{mark(tested())}</strong>
              </li>
            </ol>
          </Section>
          <Show
            when={bot()}
            fallback={
              <Section title={t().stepBot}>
                <ActionForm action={create} onSubmit={createBot} submit={t().createBot} kind="primary">
                  <Field label={t().botName} value={name()} onInput={setName} required />
                </ActionForm>
              </Section>
            }
          >
            {(b) => (
              <>
                <Section title={t().platforms}>
                  <p>{t().platformsHelp}</p>
                  <h3>{t().snippet}</h3>
                  <p class="hint">{t().snippetHelp}</p>
                  <pre class="snippet" id="snippet">
                    {snippet(b())}
                  </pre>
                  <button type="button" class="primary" onClick={() => void copy(b())}>
                    {t().copy}
                  </button>{' '}
                  <span role="status">{copyNote()}</span>
                </Section>
                <div class="setup-layout">
                  <Section title={t().stepOrigins}>
                    <BotForm
                      bot={b()}
                      onTheme={editTheme}
                      onSaved={(updated) => {
                        mutate({ items: [updated, ...(bots()?.items.slice(1) ?? [])], nextCursor: bots()?.nextCursor ?? null });
                        setVersion((v) => v + 1);
                      }}
                    />
                  </Section>
                  <Section title={t().preview}>
                    <p class="hint">{t().previewHelp}</p>
                    <iframe class="preview-frame" title={t().preview} src={`/admin/preview.html?bot=${encodeURIComponent(b().publicKey)}&lang=${b().locale.slice(0, 2)}&theme=${encodeURIComponent(theme())}&v=${version()}${embedded ? `&${embeddedQuery}` : ''}`} />
                  </Section>
                </div>
              </>
            )}
          </Show>
        </Match>
      </Switch>
    </div>
  );
}
