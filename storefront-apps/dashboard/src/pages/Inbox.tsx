/**
 * The inbox: conversations live from the tenant stream. The default view lists the ones that
 * need a human first, then the rest by recent activity; filters, search, cursor pagination.
 */
import { createSignal, For, onCleanup, Show } from 'solid-js';
import { createStore, reconcile } from 'solid-js/store';
import type { ConversationStatus, ConversationSummary, Page } from '../../../../core/wire/merchant.ts';
import { get } from '../api.ts';
import { t } from '../i18n/index.ts';
import { connected, liveEvents } from '../live.ts';
import { BASE, linkClick } from '../router.ts';
import { unreadOf } from '../unread.ts';
import { ErrorNote, fmtTime, Loading } from '../ui.tsx';

type Filter = 'all' | 'waiting_for_agent' | 'with_agent' | 'open' | 'closed' | 'contact';

export default function Inbox() {
  const [filter, setFilter] = createSignal<Filter>('all');
  const [q, setQ] = createSignal('');
  const [typed, setTyped] = createSignal('');
  const [state, setState] = createStore({ items: [] as ConversationSummary[], nextCursor: null as string | null });
  const [loading, setLoading] = createSignal(true);
  const [error, setError] = createSignal<unknown>(null);
  let generation = 0;

  const queryFor = (f: Filter, cursor?: string | null) => ({
    status: f === 'all' || f === 'contact' ? undefined : (f as ConversationStatus),
    followUp: f === 'contact' ? 'true' : undefined,
    q: q() || undefined,
    cursor: cursor ?? undefined,
    limit: 25,
  });

  const load = async () => {
    const mine = ++generation;
    setError(null);
    try {
      const f = filter();
      const [first, page] = await Promise.all([
        // Needs-human first in the default view.
        f === 'all' ? get<Page<ConversationSummary>>('/api/v1/conversations', { ...queryFor('waiting_for_agent'), limit: 100 }) : Promise.resolve(null),
        get<Page<ConversationSummary>>('/api/v1/conversations', queryFor(f)),
      ]);
      if (mine !== generation) return;
      const pinned = first?.items ?? [];
      const ids = new Set(pinned.map((c) => c.id));
      setState('items', reconcile([...pinned, ...page.items.filter((c) => !ids.has(c.id))], { key: 'id' }));
      setState('nextCursor', page.nextCursor);
    } catch (e) {
      if (mine === generation) setError(e);
    } finally {
      if (mine === generation) setLoading(false);
    }
  };

  const more = async () => {
    try {
      const page = await get<Page<ConversationSummary>>('/api/v1/conversations', queryFor(filter(), state.nextCursor));
      const ids = new Set(state.items.map((c) => c.id));
      setState({ items: [...state.items, ...page.items.filter((c) => !ids.has(c.id))], nextCursor: page.nextCursor });
    } catch (e) {
      setError(e);
    }
  };

  let timer: ReturnType<typeof setTimeout> | undefined;
  const reloadSoon = () => {
    clearTimeout(timer);
    timer = setTimeout(() => void load(), 100);
  };

  const fits = (c: ConversationSummary) => {
    const f = filter();
    if (q()) return false;
    return f === 'all' || (f === 'contact' ? c.followUp : c.status === f);
  };

  // Live: a new message updates its row at once (no round trip); anything else reloads the list.
  const off = liveEvents.subscribe((name, data) => {
    const id = data.conversationId as string | undefined;
    const index = id ? state.items.findIndex((c) => c.id === id) : -1;
    if (name === 'message.created' && index >= 0 && !q()) {
      const text = typeof data.text === 'string' ? data.text : '';
      setState('items', index, (c) => ({
        ...c,
        messageCount: c.messageCount + 1,
        lastMessagePreview: text ? text.slice(0, 200) : c.lastMessagePreview,
        lastMessageAt: typeof data.createdAt === 'string' ? data.createdAt : new Date().toISOString(),
      }));
      return;
    }
    if (name === 'conversation.updated' && index >= 0) {
      const next = { ...state.items[index]!, ...(data as Partial<ConversationSummary>) };
      if (fits(next)) {
        setState('items', index, next);
        if (filter() !== 'all') return;
      }
    }
    if (name === 'message.delta') return;
    reloadSoon();
  });
  onCleanup(() => {
    off();
    clearTimeout(timer);
  });
  void load();

  const filters: { id: Filter; label: () => string }[] = [
    { id: 'all', label: () => t().fAll },
    { id: 'waiting_for_agent', label: () => t().fNeedsHuman },
    { id: 'with_agent', label: () => t().fHandedOff },
    { id: 'open', label: () => t().fOpen },
    { id: 'closed', label: () => t().fResolved },
    { id: 'contact', label: () => t().fContact },
  ];

  return (
    <div class="page">
      <div class="page-head">
        <h1>{t().inbox}</h1>
        <span class={connected() ? 'live on' : 'live'} role="status">
          {connected() ? t().live : t().reconnecting}
        </span>
      </div>
      <div class="toolbar">
        <div role="group" aria-label={t().filters} class="filters">
          <For each={filters}>
            {(f) => (
              <button
                type="button"
                aria-pressed={filter() === f.id}
                onClick={() => {
                  setFilter(f.id);
                  setLoading(true);
                  void load();
                }}
              >
                {f.label()}
              </button>
            )}
          </For>
        </div>
        <form
          class="search"
          role="search"
          onSubmit={(e) => {
            e.preventDefault();
            setQ(typed().trim());
            setLoading(true);
            void load();
          }}
        >
          <label for="inbox-search">{t().search}</label>
          <input id="inbox-search" type="search" value={typed()} onInput={(e) => setTyped(e.currentTarget.value)} />
          <button type="submit">{t().searchButton}</button>
        </form>
      </div>
      <ErrorNote error={error()} retry={() => void load()} />
      <Show when={!loading()} fallback={<Loading />}>
        <Show when={state.items.length} fallback={<p class="empty">{t().noConversations}</p>}>
          <ul class="conversations" aria-label={t().inbox}>
            <For each={state.items}>
              {(c) => {
                const unread = () => unreadOf(c.id, c.messageCount);
                return (
                  <li class={`conv status-${c.status}`} data-id={c.id}>
                    <a href={`${BASE}/conversations/${c.id}`} onClick={linkClick}>
                      <span class="conv-top">
                        <span class={`pill ${c.status}`}>{t().status[c.status]}</span>
                        <Show when={c.followUp}>
                          <span class="pill contact">{t().contactRequest}</span>
                        </Show>
                        <Show when={unread()}>
                          <span class="badge">{t().unread(unread())}</span>
                        </Show>
                        <span class="when">{fmtTime(c.lastMessageAt ?? c.createdAt)}</span>
                      </span>
                      <span class="preview">{c.lastMessagePreview ?? '—'}</span>
                      <span class="meta">
                        {c.contactEmail ?? `${t().visitor} ${c.visitorId.slice(-6)}`} · {t().messagesCount(c.messageCount)}
                      </span>
                    </a>
                  </li>
                );
              }}
            </For>
          </ul>
        </Show>
        <Show when={state.nextCursor}>
          <button type="button" onClick={() => void more()}>
            {t().loadMore}
          </button>
        </Show>
      </Show>
    </div>
  );
}
