/** Cursor-paginated lists (every list of the API is `{ items, nextCursor }`): first page, "Load more" appends. */
import { createSignal, Show, type JSX } from 'solid-js';
import type { Page } from '../../../core/wire/merchant.ts';
import { get } from './api.ts';
import { t } from './i18n/index.ts';
import { ErrorNote, Loading } from './ui.tsx';

/** A list at `path`; `setQ` then `reload` searches (the `q` parameter). */
export function usePaged<T>(path: string, query: Record<string, string | number> = {}) {
  const [items, setItems] = createSignal<T[]>([]);
  const [next, setNext] = createSignal<string | null>(null);
  const [loading, setLoading] = createSignal(true);
  const [error, setError] = createSignal<unknown>(null);
  const [q, setQ] = createSignal('');
  const load = async (cursor?: string) => {
    setLoading(true);
    setError(null);
    try {
      const page = await get<Page<T>>(path, { ...query, cursor, q: q() || undefined });
      setItems((list) => (cursor ? [...list, ...page.items] : page.items));
      setNext(page.nextCursor);
    } catch (e) {
      setError(e);
    } finally {
      setLoading(false);
    }
  };
  void load();
  return { items, next, loading, error, q, setQ, reload: () => load(), more: () => load(next() ?? undefined) };
}

/** The list's error, loading and empty states around `children(items)`, and "Load more". */
export function Paged<T>(props: { list: ReturnType<typeof usePaged<T>>; children: (items: T[]) => JSX.Element }) {
  return (
    <>
      <ErrorNote error={props.list.error()} retry={props.list.reload} />
      <Show when={!props.list.loading() || props.list.items().length} fallback={<Loading />}>
        <Show when={props.list.items().length} fallback={<p class="empty">{t().none}</p>}>
          {props.children(props.list.items())}
        </Show>
      </Show>
      <Show when={props.list.next()}>
        <button type="button" onClick={() => void props.list.more()}>
          {t().loadMore}
        </button>
      </Show>
    </>
  );
}
