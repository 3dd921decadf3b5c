/** Sign in, sign up, forgot / reset password, accept invite: the pages the mails link to. */
import { createResource, createSignal, Match, Show, Switch } from 'solid-js';
import type { InvitePreview } from '../../../../core/wire/merchant.ts';
import { post } from '../api.ts';
import { t } from '../i18n/index.ts';
import { BASE, linkClick, navigate } from '../router.ts';
import { signedIn } from '../session.ts';
import { ActionForm, ErrorNote, Field, LanguageSwitch, Loading, useAction } from '../ui.tsx';

/** The token from `#token=…` (fragments never reach a server or its logs). */
const tokenFromHash = () => new URLSearchParams(location.hash.slice(1)).get('token') ?? '';

function Frame(props: { title: string; children: unknown }) {
  return (
    <main id="main" class="auth">
      <div class="auth-top">
        <span class="brand">{t().appName}</span>
        <LanguageSwitch />
      </div>
      <div class="card auth-card">
        <h1>{props.title}</h1>
        {props.children as never}
      </div>
    </main>
  );
}

/** A link to another access page (client-side navigation). */
function AuthLink(props: { to: string; label: string }) {
  return (
    <p>
      <a href={`${BASE}/${props.to}`} onClick={linkClick}>
        {props.label}
      </a>
    </p>
  );
}

function SignIn(props: { expired: boolean }) {
  const [email, setEmail] = createSignal('');
  const [password, setPassword] = createSignal('');
  const action = useAction();
  const submit = async () => {
    const ok = await action.run(() => post('/api/v1/auth/login', { email: email(), password: password(), mode: 'cookie' }, { anonymous: true }));
    if (ok) await signedIn();
  };
  return (
    <Frame title={t().signIn}>
      <Show when={props.expired}>
        <p class="notice" role="status">
          {t().sessionExpired}
        </p>
      </Show>
      <ActionForm action={action} onSubmit={submit} submit={t().signIn} kind="primary">
        <Field label={t().email} type="email" autocomplete="username" required value={email()} onInput={setEmail} />
        <Field label={t().password} type="password" autocomplete="current-password" required value={password()} onInput={setPassword} />
      </ActionForm>
      <AuthLink to="forgot-password" label={t().forgot} />
      <AuthLink to="sign-up" label={t().noAccount} />
    </Frame>
  );
}

function SignUp() {
  const [storeName, setStoreName] = createSignal('');
  const [email, setEmail] = createSignal('');
  const [password, setPassword] = createSignal('');
  const action = useAction();
  const submit = async () => {
    const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    const ok = await action.run(() =>
      post('/api/v1/auth/signup', { storeName: storeName(), email: email(), password: password(), locale: document.documentElement.lang, timeZone, mode: 'cookie' }, { anonymous: true }),
    );
    if (ok) await signedIn(`${BASE}/get-started`);
  };
  return (
    <Frame title={t().signUp}>
      <ActionForm action={action} onSubmit={submit} submit={t().signUp} kind="primary">
        <Field label={t().storeName} required value={storeName()} onInput={setStoreName} autocomplete="organization" />
        <Field label={t().email} type="email" autocomplete="username" required value={email()} onInput={setEmail} />
        <Field label={t().password} type="password" autocomplete="new-password" required hint={t().passwordHint} value={password()} onInput={setPassword} />
      </ActionForm>
      <AuthLink to="sign-in" label={t().haveAccount} />
    </Frame>
  );
}

function Forgot() {
  const [email, setEmail] = createSignal('');
  const [sent, setSent] = createSignal(false);
  const action = useAction();
  const submit = async () => {
    if (await action.run(() => post('/api/v1/auth/password-reset', { email: email() }, { anonymous: true }))) setSent(true);
  };
  return (
    <Frame title={t().forgotTitle}>
      <Show
        when={!sent()}
        fallback={
          <p class="notice" role="status">
            {t().resetSent}
          </p>
        }
      >
        <ActionForm action={action} onSubmit={submit} submit={t().sendResetLink} kind="primary">
          <Field label={t().email} type="email" autocomplete="username" required value={email()} onInput={setEmail} />
        </ActionForm>
      </Show>
      <AuthLink to="sign-in" label={t().backToSignIn} />
    </Frame>
  );
}

function Reset() {
  const token = tokenFromHash();
  const [password, setPassword] = createSignal('');
  const [done, setDone] = createSignal(false);
  const action = useAction();
  const submit = async () => {
    if (await action.run(() => post('/api/v1/auth/password-reset/confirm', { token, password: password() }, { anonymous: true }))) {
      setDone(true);
      history.replaceState(null, '', location.pathname);
    }
  };
  return (
    <Frame title={t().resetTitle}>
      <Switch>
        <Match when={!token && !done()}>
          <p role="alert">{t().noToken}</p>
        </Match>
        <Match when={done()}>
          <p class="notice" role="status">
            {t().resetDone}
          </p>
        </Match>
        <Match when={true}>
          <ActionForm action={action} onSubmit={submit} submit={t().setPassword} kind="primary">
            <Field label={t().newPassword} type="password" autocomplete="new-password" required hint={t().passwordHint} value={password()} onInput={setPassword} />
          </ActionForm>
        </Match>
      </Switch>
      <AuthLink to="sign-in" label={t().backToSignIn} />
    </Frame>
  );
}

function AcceptInvite() {
  const token = tokenFromHash();
  const [preview, { refetch }] = createResource(
    () => token || undefined,
    (tok) => post<InvitePreview>('/api/v1/auth/invites/preview', { token: tok }, { anonymous: true }),
  );
  const [name, setName] = createSignal('');
  const [password, setPassword] = createSignal('');
  const action = useAction();
  const submit = async () => {
    const body = { token, password: password(), mode: 'cookie', ...(name().trim() ? { name: name().trim() } : {}) };
    if (await action.run(() => post('/api/v1/auth/invites/accept', body, { anonymous: true }))) {
      history.replaceState(null, '', location.pathname);
      await signedIn();
      navigate(`${BASE}/inbox`, { replace: true });
    }
  };
  return (
    <Frame title={t().inviteTitle}>
      <Switch>
        <Match when={!token}>
          <p role="alert">{t().noToken}</p>
        </Match>
        <Match when={preview.error}>
          <ErrorNote error={preview.error} retry={refetch} />
        </Match>
        <Match when={preview.loading}>
          <Loading />
        </Match>
        <Match when={preview()}>
          {(p) => (
            <ActionForm action={action} onSubmit={submit} submit={t().acceptInvite} kind="primary">
              <p>{t().inviteFor(p().tenant.name, t().roleNames[p().role] ?? p().role)}</p>
              <p>
                {t().email}: <strong>{p().email}</strong>
              </p>
              <Show when={!p().existingUser} fallback={<p>{t().inviteExisting}</p>}>
                <Field label={t().yourName} value={name()} onInput={setName} autocomplete="name" />
              </Show>
              <Field
                label={p().existingUser ? t().password : t().newPassword}
                type="password"
                autocomplete={p().existingUser ? 'current-password' : 'new-password'}
                required
                hint={p().existingUser ? undefined : t().passwordHint}
                value={password()}
                onInput={setPassword}
              />
            </ActionForm>
          )}
        </Match>
      </Switch>
    </Frame>
  );
}

export default function Auth(props: { path: string; expired: boolean }) {
  return (
    <Switch>
      <Match when={props.path === `${BASE}/sign-up`}>
        <SignUp />
      </Match>
      <Match when={props.path === `${BASE}/forgot-password`}>
        <Forgot />
      </Match>
      <Match when={props.path === `${BASE}/reset-password`}>
        <Reset />
      </Match>
      <Match when={props.path === `${BASE}/accept-invite`}>
        <AcceptInvite />
      </Match>
      <Match when={true}>
        <SignIn expired={props.expired} />
      </Match>
    </Switch>
  );
}
