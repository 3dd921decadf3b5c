import { createSignal } from 'solid-js';
import type { Me } from '../../../core/wire/merchant.ts';
import { api, ApiError, onSessionExpired, post } from './api.ts';
import { embedded } from './embedded.ts';
import { BASE, navigate, where } from './router.ts';

/** undefined: not known yet; null: signed out. */
const [me, setMe] = createSignal<Me | null | undefined>(undefined);
const [expired, setExpired] = createSignal(false);
export { me, expired };

export const PUBLIC_PATHS = ['/admin/sign-in', '/admin/sign-up', '/admin/forgot-password', '/admin/reset-password', '/admin/accept-invite'];
export const isPublic = (path: string) => PUBLIC_PATHS.includes(path);

export async function loadMe(): Promise<void> {
  try {
    setMe(await api<Me>('GET', '/api/v1/me'));
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) setMe(null);
    else throw error;
  }
}

/** Back to sign-in, remembering where the merchant was. */
export function toSignIn(reason?: 'expired') {
  const here = where();
  setMe(null);
  if (reason) setExpired(true);
  // Inside a platform's admin there is no sign-in page: the platform signs the merchant in (App.tsx says so).
  if (embedded || isPublic(here.path)) return;
  const next = here.path + here.search;
  navigate(`${BASE}/sign-in${next && next !== BASE ? `?next=${encodeURIComponent(next)}` : ''}`, { replace: true });
}
onSessionExpired(() => toSignIn('expired'));

/** After sign-in: the page the merchant came from (only dashboard paths), else `fallback`. */
export async function signedIn(fallback = BASE) {
  setExpired(false);
  const next = new URLSearchParams(location.search).get('next');
  await loadMe();
  navigate(next && next.startsWith(`${BASE}/`) && !next.startsWith('//') ? next : fallback, { replace: true });
}

export async function signOut() {
  try {
    await post('/api/v1/auth/logout', {});
  } catch {
    /* the cookies are cleared either way below by the app reload */
  }
  setMe(null);
  navigate(`${BASE}/sign-in`, { replace: true });
}
