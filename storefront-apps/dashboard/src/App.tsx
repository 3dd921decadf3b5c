import { createEffect, createResource, createSignal, lazy, Match, onCleanup, Show, Suspense, Switch, type JSX } from 'solid-js';
import { Dynamic } from 'solid-js/web';
import type { Page, ConversationSummary } from '../../../core/wire/merchant.ts';
import { get } from './api.ts';
import { t } from './i18n/index.ts';
import { BASE, linkClick, match, navigate, where } from './router.ts';
import { expired, isPublic, loadMe, me, signOut } from './session.ts';
import { ErrorNote, LanguageSwitch, Loading } from './ui.tsx';
import { liveEvents } from './live.ts';
import { embedded } from './embedded.ts';

// Route-level code splitting: each page is its own chunk.
const Auth = lazy(() => import('./pages/Auth.tsx'));
const Inbox = lazy(() => import('./pages/Inbox.tsx'));
const Conversation = lazy(() => import('./pages/Conversation.tsx'));
const GetStarted = lazy(() => import('./pages/GetStarted.tsx'));
const Bookings = lazy(() => import('./pages/Bookings.tsx'));
const Analytics = lazy(() => import('./pages/Analytics.tsx'));
const Settings = lazy(() => import('./pages/Settings.tsx'));
const Knowledge = lazy(() => import('./pages/Knowledge.tsx'));
const Connect = lazy(() => import('./pages/Connect.tsx'));

function NavLink(props: { href: string; label: string; badge?: number }) {
  const current = () => where().path === props.href || (props.href !== BASE && where().path.startsWith(`${props.href}/`)) || (props.href === `${BASE}/inbox` && where().path.startsWith(`${BASE}/conversations/`));
  return (
    <a href={props.href} onClick={linkClick} aria-current={current() ? 'page' : undefined}>
      {props.label}
      <Show when={props.badge}>
        {' '}
        <span class="badge">{props.badge}</span>
      </Show>
    </a>
  );
}

/** Conversations that need a human: the tab title and the nav badge. */
function useNeedsHuman() {
  const [count, setCount] = createSignal(0);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let generation = 0;
  const refresh = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      // Only the newest answer counts (an older, slower one must not overwrite it).
      const mine = ++generation;
      get<Page<ConversationSummary>>('/api/v1/conversations', { status: 'waiting_for_agent', limit: 100 })
        .then((page) => mine === generation && setCount(page.items.length))
        .catch(() => undefined);
    }, 150);
  };
  refresh();
  const off = liveEvents.subscribe((name) => {
    if (name === 'conversation.updated' || name === 'handoff' || name === 'message.created' || name === 'ready' || name === 'resync') refresh();
  });
  onCleanup(() => {
    off();
    clearTimeout(timer);
  });
  return count;
}

function Shell(props: { children: JSX.Element }) {
  const count = useNeedsHuman();
  createEffect(() => {
    document.title = `${count() ? `(${count()}) ` : ''}${t().appName}`;
  });
  onCleanup(() => (document.title = t().appName));
  return (
    <>
      <a class="skip" href="#main">
        {t().skip}
      </a>
      <header class="top">
        <span class="brand">{me()?.tenant.name ?? t().appName}</span>
        <nav aria-label={t().nav}>
          <NavLink href={`${BASE}/inbox`} label={t().inbox} badge={count()} />
          <NavLink href={`${BASE}/bookings`} label={t().bookings} />
          <NavLink href={`${BASE}/analytics`} label={t().analytics} />
          <NavLink href={`${BASE}/knowledge`} label={t().knowledge} />
          <NavLink href={`${BASE}/get-started`} label={t().getStarted} />
          <NavLink href={`${BASE}/settings`} label={t().settings} />
        </nav>
        <div class="tools">
          <Show when={count()}>
            <span class="sr-status" role="status">
              {t().needsHumanBadge(count())}
            </span>
          </Show>
          <LanguageSwitch />
          <Show when={!embedded}>
            <button type="button" onClick={() => void signOut()}>
              {t().signOut}
            </button>
          </Show>
        </div>
      </header>
      <main id="main" tabindex="-1">
        <Suspense fallback={<Loading />}>{props.children}</Suspense>
      </main>
    </>
  );
}

/** The pages by path (the inbox for any other path). */
const PAGES: Record<string, () => JSX.Element> = {
  [`${BASE}/get-started`]: GetStarted,
  [`${BASE}/bookings`]: Bookings,
  [`${BASE}/analytics`]: Analytics,
  [`${BASE}/knowledge`]: Knowledge,
  [`${BASE}/settings`]: Settings,
};

function Routes() {
  const path = () => where().path;
  return (
    <Show when={match(`${BASE}/connect/:pluginId`, path())} fallback={<Pages path={path()} />}>
      {(params) => <Connect pluginId={params().pluginId!} />}
    </Show>
  );
}

function Pages(props: { path: string }) {
  return (
    <Show when={match(`${BASE}/conversations/:id`, props.path)} fallback={<Dynamic component={PAGES[props.path] ?? Inbox} />}>
      {(params) => <Conversation id={params().id!} />}
    </Show>
  );
}

export function App() {
  const [boot, { refetch }] = createResource(loadMe);
  // Signed-out visitors of a private page go to sign-in (and come back afterwards).
  createEffect(() => {
    if (me() === null && !embedded && !isPublic(where().path)) {
      const next = where().path + where().search;
      navigate(`${BASE}/sign-in${next !== BASE && next !== `${BASE}/inbox` ? `?next=${encodeURIComponent(next)}` : ''}`, { replace: true });
    }
  });
  createEffect(() => {
    // Already signed in on the sign-in or sign-up page (e.g. the back button): on to the app.
    if (me() && isPublic(where().path) && !['/admin/reset-password', '/admin/accept-invite'].includes(where().path)) {
      const next = new URLSearchParams(where().search).get('next');
      navigate(next?.startsWith(`${BASE}/`) ? next : `${BASE}/inbox`, { replace: true });
    }
  });
  return (
    <Switch>
      <Match when={boot.error}>
        <main id="main" class="center">
          <ErrorNote error={boot.error} retry={refetch} />
        </main>
      </Match>
      <Match when={embedded && me() === null}>
        <main id="main" class="center">
          <p role="alert">{t().embeddedRefused}</p>
        </main>
      </Match>
      <Match when={isPublic(where().path)}>
        <Suspense fallback={<Loading />}>
          <Auth path={where().path} expired={expired()} />
        </Suspense>
      </Match>
      <Match when={me()}>
        <LiveScope>
          <Shell>
            <Routes />
          </Shell>
        </LiveScope>
      </Match>
      <Match when={true}>
        <Loading />
      </Match>
    </Switch>
  );
}

/** One tenant event stream while signed in, shared by the shell and the pages. */
function LiveScope(props: { children: JSX.Element }) {
  liveEvents.start();
  onCleanup(() => liveEvents.stop());
  return <>{props.children}</>;
}
