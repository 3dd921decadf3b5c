/**
 * A tiny history router (the dashboard has a dozen routes; a library would cost more bytes than
 * this file). Paths are under /admin; `navigate()` pushes, links call it on plain left clicks.
 */
import { createSignal } from 'solid-js';

export const BASE = '/admin';
const read = () => ({ path: location.pathname.replace(/\/+$/, '') || BASE, search: location.search, hash: location.hash });
const [where, setWhere] = createSignal(read());
export { where };

addEventListener('popstate', () => setWhere(read()));

export function navigate(to: string, options: { replace?: boolean } = {}) {
  if (options.replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  setWhere(read());
  scrollTo(0, 0);
}

/** onClick for <a href="/admin/...">: client-side navigation, unless the user asked for a new tab. */
export function linkClick(event: MouseEvent) {
  const a = event.currentTarget as HTMLAnchorElement;
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  navigate(a.getAttribute('href')!);
}

/** `/admin/conversations/:id` → `{ id }` for a matching path, else null. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const p = pattern.split('/');
  const s = path.split('/');
  if (p.length !== s.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    if (p[i]!.startsWith(':')) params[p[i]!.slice(1)] = decodeURIComponent(s[i]!);
    else if (p[i] !== s[i]) return null;
  }
  return params;
}

export const query = (name: string) => new URLSearchParams(where().search).get(name);
