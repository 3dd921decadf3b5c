/**
 * One conversation: the transcript streamed live (`/api/v1/conversations/:id/events`, continuing
 * from the detail's `lastEventId`), product and booking cards as the shopper saw them, and
 * Take over → Reply → Send → Release. Text is rendered as text (never HTML).
 */
import { createEffect, createResource, createSignal, For, Match, onCleanup, Show, Switch } from 'solid-js';
import { createStore, produce } from 'solid-js/store';
import type { Card, ConversationDetail, ConversationSummary, MerchantMessage } from '../../../../core/wire/merchant.ts';
import { formatMoney } from '../../../../core/wire/money.ts';
import { get, post } from '../api.ts';
import { t } from '../i18n/index.ts';
import { BASE, linkClick } from '../router.ts';
import { openEventStream, type EventStream } from '../stream.ts';
import { markSeen } from '../unread.ts';
import { ErrorNote, fmtTime, Loading, useAction } from '../ui.tsx';

type Msg = Pick<MerchantMessage, 'id' | 'role' | 'text' | 'cards' | 'status' | 'createdAt'>;

function Cards(props: { cards: Card[] }) {
  return (
    <Show when={props.cards.length}>
      <ul class="cards">
        <For each={props.cards}>
          {(card) => (
            <li class="card-item">
              <Switch>
                <Match when={card.type === 'product' && card}>
                  {(p) => (
                    <div class="product">
                      <Show when={p().imageUrl}>
                        <img src={p().imageUrl!} alt="" width="56" height="56" loading="lazy" referrerpolicy="no-referrer" />
                      </Show>
                      <span>
                        <strong>{p().title}</strong>
                        <Show when={p().price}>
                          {' '}
                          {formatMoney(p().price!, document.documentElement.lang)}
                        </Show>
                        <br />
                        <a href={p().url} target="_blank" rel="noopener noreferrer">
                          {t().viewProduct}
                        </a>
                      </span>
                    </div>
                  )}
                </Match>
                <Match when={card.type === 'booking_proposal' && card}>
                  {(b) => (
                    <div class="proposal">
                      <strong>{t().proposedBooking}:</strong> {b().serviceName}, {fmtTime(b().start)}
                    </div>
                  )}
                </Match>
              </Switch>
            </li>
          )}
        </For>
      </ul>
    </Show>
  );
}

export default function Conversation(props: { id: string }) {
  const [detail, { refetch, mutate }] = createResource(() => props.id, (id) => get<ConversationDetail>(`/api/v1/conversations/${id}`));
  const [messages, setMessages] = createStore<Msg[]>([]);
  const [reply, setReply] = createSignal('');
  const action = useAction();
  let source: EventStream | undefined;
  let log: HTMLOListElement | undefined;

  const upsert = (m: Partial<Msg> & { id: string }) =>
    setMessages(
      produce((list) => {
        const i = list.findIndex((x) => x.id === m.id);
        if (i >= 0) Object.assign(list[i]!, m);
        else list.push({ role: 'assistant', text: '', cards: [], status: 'complete', createdAt: new Date().toISOString(), ...m });
      }),
    );

  const follow = (d: ConversationDetail) => {
    source?.close();
    setMessages(d.messages.map((m) => ({ id: m.id, role: m.role, text: m.text, cards: m.cards, status: m.status, createdAt: m.createdAt })));
    markSeen(d.id, d.messageCount);
    const url = `/api/v1/conversations/${d.id}/events${d.lastEventId ? `?lastEventId=${d.lastEventId}` : ''}`;
    source = openEventStream(url);
    const data = (e: Event) => JSON.parse((e as MessageEvent<string>).data) as Record<string, unknown>;
    source.addEventListener('message.created', (e) => {
      const m = data(e);
      const id = m.messageId as string;
      const existing = messages.find((x) => x.id === id);
      // A live delta may have started the message: a late "created" never undoes its text or a completion.
      if (existing && (existing.status === 'complete' || existing.text.length > ((m.text as string) ?? '').length)) return;
      upsert({ id, role: m.role as Msg['role'], text: (m.text as string) ?? '', cards: (m.cards as Card[]) ?? [], createdAt: m.createdAt as string, status: m.role === 'assistant' ? 'streaming' : 'complete' });
      scrollDown();
    });
    // Live text without an id of its own: `offset` says where it starts, so text is taken once.
    source.addEventListener('message.delta', (e) => {
      const m = data(e);
      const delta = m.delta as string;
      const offset = typeof m.offset === 'number' ? m.offset : undefined;
      const i = messages.findIndex((x) => x.id === m.messageId);
      if (i < 0) {
        if (!offset) upsert({ id: m.messageId as string, role: 'assistant', text: delta, status: 'streaming' });
      } else if (messages[i]!.status !== 'complete') {
        setMessages(i, 'text', (text) => {
          if (offset === undefined) return text + delta; // logged before 2026-12: no offset
          return offset > text.length || offset + delta.length <= text.length ? text : text + delta.slice(text.length - offset);
        });
      }
      scrollDown();
    });
    source.addEventListener('message.completed', (e) => {
      const m = data(e);
      upsert({ id: m.messageId as string, text: m.text as string, cards: (m.cards as Card[]) ?? [], status: 'complete' });
      const d2 = detail();
      if (d2) markSeen(d2.id, messages.length);
    });
    source.addEventListener('conversation.updated', (e) => {
      const m = data(e) as Partial<ConversationSummary>;
      const current = detail();
      if (current) mutate({ ...current, ...m, id: current.id });
    });
  };
  const scrollDown = () => queueMicrotask(() => log?.lastElementChild?.scrollIntoView({ block: 'nearest' }));
  onCleanup(() => source?.close());

  let followed: string | undefined;
  createEffect(() => {
    const d = detail();
    if (d && followed !== d.id) {
      followed = d.id;
      follow(d);
    }
  });

  const act = (path: string) =>
    action.run(async () => {
      const summary = await post<ConversationSummary>(`/api/v1/conversations/${props.id}/${path}`);
      const d = detail();
      if (d) mutate({ ...d, ...summary });
    });

  const send = async (e: Event) => {
    e.preventDefault();
    const text = reply().trim();
    if (!text) return;
    const ok = await action.run(async () => {
      const m = await post<MerchantMessage>(`/api/v1/conversations/${props.id}/messages`, { text });
      upsert({ id: m.id, role: m.role, text: m.text, cards: m.cards, status: m.status, createdAt: m.createdAt });
      const d = detail();
      if (d && d.status !== 'with_agent') mutate({ ...d, status: 'with_agent' });
    });
    if (ok) setReply('');
  };

  return (
    <div class="page conversation">
      <p>
        <a href={`${BASE}/inbox`} onClick={linkClick}>
          ← {t().backToInbox}
        </a>
      </p>
      <Switch>
        <Match when={detail.error}>
          <ErrorNote error={detail.error} retry={refetch} />
        </Match>
        <Match when={detail.loading && !detail()}>
          <Loading />
        </Match>
        <Match when={detail()}>
          {(d) => (
            <div class="conv-layout">
              <section class="transcript" aria-labelledby="conv-title">
                <div class="page-head">
                  <h1 id="conv-title">{t().conversation}</h1>
                  <span class={`pill ${d().status}`} role="status">
                    {t().status[d().status]}
                  </span>
                </div>
                <div class="actions">
                  <Show when={d().status !== 'with_agent'}>
                    <button type="button" class="primary" disabled={action.busy()} onClick={() => void act('takeover')}>
                      {t().takeOver}
                    </button>
                  </Show>
                  <Show when={d().status === 'with_agent'}>
                    <button type="button" disabled={action.busy()} onClick={() => void act('release')}>
                      {t().release}
                    </button>
                  </Show>
                  <Show when={d().status !== 'closed'}>
                    <button type="button" disabled={action.busy()} onClick={() => void act('close')}>
                      {t().resolve}
                    </button>
                  </Show>
                </div>
                <h2 class="sr-only">{t().transcript}</h2>
                <ol class="log" ref={log} aria-live="polite" aria-relevant="additions">
                  <For each={messages}>
                    {(m) => (
                      <li class={`msg ${m.role}`} data-role={m.role}>
                        <span class="who">
                          {t().roles[m.role] ?? m.role} · <time dateTime={m.createdAt}>{fmtTime(m.createdAt)}</time>
                        </span>
                        <p class="text">{m.text}</p>
                        <Cards cards={m.cards} />
                      </li>
                    )}
                  </For>
                </ol>
                <form class="reply" onSubmit={send}>
                  <label for="reply-box">{t().reply}</label>
                  <textarea id="reply-box" rows={3} value={reply()} onInput={(e) => setReply(e.currentTarget.value)} aria-describedby="reply-hint" onKeyDown={(e) => {
                    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) void send(e);
                  }} />
                  <p class="hint" id="reply-hint">
                    {t().takeOverFirst}
                  </p>
                  <ErrorNote error={action.error()} />
                  <button type="submit" class="primary" disabled={action.busy() || !reply().trim()}>
                    {t().send}
                  </button>
                </form>
              </section>
              <aside class="card visitor" aria-labelledby="visitor-title">
                <h2 id="visitor-title">{t().visitor}</h2>
                <dl>
                  <dt>{t().visitor}</dt>
                  <dd>{d().visitorId}</dd>
                  <dt>{t().verified}</dt>
                  <dd>{d().verifiedCustomer ? `✓ ${d().verifiedEmail ?? ''}` : t().notVerified}</dd>
                  <dt>{t().languageOf}</dt>
                  <dd>{d().locale}</dd>
                  <Show when={d().agentName}>
                    <dt>{t().agent}</dt>
                    <dd>{d().agentName}</dd>
                  </Show>
                  <Show when={d().contactEmail}>
                    <dt>{t().contactEmail}</dt>
                    <dd>
                      <a href={`mailto:${d().contactEmail}`}>{d().contactEmail}</a>
                      <Show when={d().followUp}> ({t().contactRequest})</Show>
                    </dd>
                  </Show>
                </dl>
              </aside>
            </div>
          )}
        </Match>
      </Switch>
    </div>
  );
}
