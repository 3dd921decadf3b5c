/**
 * Settings: my own notification choice (every member), assistants (create, edit, delete, rotate the identity secret), the language model and
 * its token budget, the team (invite, roles, remove), API keys (shown once), the audit log,
 * platform installations (when the server has that route), and deleting the store.
 */
import { createResource, createSignal, For, Match, Show, Switch } from 'solid-js';
import type { ApiKey, ApiKeyCreated, AuditEntry, Bot, BotWithSecret, Invite, LlmSettings, Member, NotificationPrefs, Page } from '../../../../core/wire/merchant.ts';
import { ApiError, del, get, patch, post, put } from '../api.ts';
import { BotForm } from '../BotForm.tsx';
import { t } from '../i18n/index.ts';
import { Paged, usePaged } from '../paged.tsx';
import { me, signOut } from '../session.ts';
import { ActionForm, ErrorNote, Field, fmtTime, Loaded, Loading, RemoveButton, Section, Select, ShownOnce, useAction } from '../ui.tsx';

/** Each member's own choice (any role): whether a handoff also mails them. Saved as soon as it changes. */
function MyNotifications() {
  const [prefs, { refetch, mutate }] = createResource(() => get<NotificationPrefs>('/api/v1/me/notifications'));
  const [saved, setSaved] = createSignal(false);
  const action = useAction();
  const flip = async (handoffEmail: boolean) => {
    setSaved(false);
    if (await action.run(async () => mutate(await put<NotificationPrefs>('/api/v1/me/notifications', { handoffEmail })))) setSaved(true);
  };
  return (
    <Section title={t().myNotifications}>
      <Loaded resource={prefs} retry={refetch}>
        {(p) => (
          <>
            <label class="check">
              <input type="checkbox" checked={p().handoffEmail} disabled={action.busy()} onChange={(e) => void flip(e.currentTarget.checked)} /> {t().handoffEmail}
            </label>
            <p class="hint">{t().handoffEmailHelp}</p>
            <ErrorNote error={action.error()} />
            <span role="status">{saved() ? t().saved : ''}</span>
          </>
        )}
      </Loaded>
    </Section>
  );
}

function Bots() {
  const bots = usePaged<Bot>('/api/v1/bots', { limit: 50 });
  const [editing, setEditing] = createSignal<string | null>(null);
  const [secret, setSecret] = createSignal<string | null>(null);
  const [name, setName] = createSignal('');
  const action = useAction();
  return (
    <Section title={t().bots}>
      <Paged list={bots}>
        {(items) => (
          <ul>
            <For each={items}>
              {(b) => (
                <li>
                  <strong>{b.name}</strong> <code>{b.publicKey}</code>{' '}
                  <button type="button" aria-expanded={editing() === b.id} onClick={() => setEditing(editing() === b.id ? null : b.id)}>
                    {t().edit} {b.name}
                  </button>{' '}
                  <button type="button" onClick={() => void action.run(async () => setSecret((await post<BotWithSecret>(`/api/v1/bots/${b.id}/identity-secret`)).identitySecret))}>
                    {t().rotateSecret}
                  </button>{' '}
                  <RemoveButton action={action} path={`/api/v1/bots/${b.id}`} label={`${t().delete} ${b.name}`} done={bots.reload} />
                  <Show when={editing() === b.id}>
                    <BotForm bot={b} onSaved={() => void bots.reload()} />
                  </Show>
                </li>
              )}
            </For>
          </ul>
        )}
      </Paged>
      <ShownOnce label={t().secretShownOnce} value={secret()} />
      <ActionForm
        class="row"
        action={action}
        submit={t().createBot}
        onSubmit={() =>
          action.run(() => post('/api/v1/bots', { name: name(), allowedOrigins: [location.origin] })).then((ok) => {
            if (ok) {
              setName('');
              void bots.reload();
            }
          })
        }
      >
        <Field label={t().botName} value={name()} onInput={setName} required />
      </ActionForm>
    </Section>
  );
}

function Llm() {
  const [settings, { refetch, mutate }] = createResource(() => get<LlmSettings>('/api/v1/settings/llm'));
  const [key, setKey] = createSignal('');
  const [model, setModel] = createSignal<string | null>(null);
  const [baseUrl, setBaseUrl] = createSignal<string | null>(null);
  const [budget, setBudget] = createSignal<string | null>(null);
  const action = useAction();
  const [saved, setSaved] = createSignal(false);
  const save = async () => {
    const s = settings()!;
    const m = model() ?? s.model ?? '';
    const u = baseUrl() ?? s.baseUrl ?? '';
    const b = budget() ?? (s.monthlyTokenBudget === null ? '' : String(s.monthlyTokenBudget));
    const body = { ...(key() ? { apiKey: key() } : {}), model: m.trim() || null, baseUrl: u.trim() || null, monthlyTokenBudget: b.trim() ? Number(b) : null };
    setSaved(false);
    if (await action.run(async () => mutate(await put<LlmSettings>('/api/v1/settings/llm', body)))) {
      setKey('');
      setSaved(true);
    }
  };
  return (
    <Section title={t().llm}>
      <Loaded resource={settings} retry={refetch}>
        {(s) => (
          <ActionForm action={action} onSubmit={save} submit={t().save} kind="primary" saved={saved()}>
            <p>{t().usedThisMonth(new Intl.NumberFormat(document.documentElement.lang).format(s().usedTokensThisMonth))}</p>
            <Field label={t().apiKey} type="password" autocomplete="off" value={key()} onInput={setKey} hint={s().hasApiKey ? t().apiKeySet : undefined} />
            <div class="row">
              <Field label={t().model} value={model() ?? s().model ?? ''} onInput={setModel} />
              <Field label={t().baseUrl} type="url" value={baseUrl() ?? s().baseUrl ?? ''} onInput={setBaseUrl} />
              <Field label={t().budget} type="number" min={0} value={budget() ?? s().monthlyTokenBudget ?? ''} onInput={setBudget} />
            </div>
          </ActionForm>
        )}
      </Loaded>
    </Section>
  );
}

function Team() {
  const members = usePaged<Member>('/api/v1/team/members', { limit: 50 });
  const invites = usePaged<Invite>('/api/v1/team/invites', { limit: 50 });
  const [email, setEmail] = createSignal('');
  const [role, setRole] = createSignal('agent');
  const action = useAction();
  const roleOptions = () => (['admin', 'agent', 'owner'] as const).map((r) => ({ value: r, label: t().roleNames[r]! }));
  return (
    <Section title={t().team}>
      <Paged list={members}>
        {(items) => (
          <ul>
            <For each={items}>
              {(m) => (
                <li class="row">
                  <span>
                    {m.name ?? m.email} ({m.email})
                  </span>
                  <Select label={`${t().role}: ${m.email}`} value={m.role} options={roleOptions()} onChange={(r) => void action.run(() => patch(`/api/v1/team/members/${m.userId}`, { role: r })).then(members.reload)} />
                  <Show when={m.userId !== me()?.user?.id}>
                    <RemoveButton action={action} path={`/api/v1/team/members/${m.userId}`} label={`${t().remove} ${m.email}`} done={members.reload} />
                  </Show>
                </li>
              )}
            </For>
          </ul>
        )}
      </Paged>
      <h3>{t().pendingInvites}</h3>
      <Paged list={invites}>
        {(items) => (
          <ul>
            <For each={items}>
              {(i) => (
                <li>
                  {i.email} · {t().roleNames[i.role]} · {fmtTime(i.expiresAt)}{' '}
                  <RemoveButton action={action} path={`/api/v1/team/invites/${i.id}`} label={`${t().delete} ${i.email}`} ask={false} done={invites.reload} />
                </li>
              )}
            </For>
          </ul>
        )}
      </Paged>
      <ActionForm
        class="row"
        action={action}
        submit={t().invite}
        onSubmit={() =>
          action.run(() => post('/api/v1/team/invites', { email: email(), role: role(), locale: document.documentElement.lang })).then((ok) => {
            if (ok) {
              setEmail('');
              void invites.reload();
            }
          })
        }
      >
        <Field label={t().email} type="email" value={email()} onInput={setEmail} required />
        <Select label={t().role} value={role()} options={roleOptions().filter((r) => r.value !== 'owner')} onChange={setRole} />
      </ActionForm>
    </Section>
  );
}

function ApiKeys() {
  const keys = usePaged<ApiKey>('/api/v1/api-keys', { limit: 50 });
  const [name, setName] = createSignal('');
  const [created, setCreated] = createSignal<string | null>(null);
  const action = useAction();
  return (
    <Section title={t().apiKeys}>
      <Paged list={keys}>
        {(items) => (
          <ul>
            <For each={items}>
              {(k) => (
                <li>
                  {k.name} · {k.role} · {k.hint}…{k.revokedAt ? ` · ${t().revoke}: ${fmtTime(k.revokedAt)}` : ''}{' '}
                  <Show when={!k.revokedAt}>
                    <RemoveButton action={action} path={`/api/v1/api-keys/${k.id}`} label={`${t().revoke} ${k.name}`} ask={false} done={keys.reload} />
                  </Show>
                </li>
              )}
            </For>
          </ul>
        )}
      </Paged>
      <ShownOnce label={t().keyShownOnce} value={created()} />
      <ActionForm
        class="row"
        action={action}
        submit={t().createKey}
        onSubmit={() =>
          action.run(async () => {
            setCreated((await post<ApiKeyCreated>('/api/v1/api-keys', { name: name() })).key);
            setName('');
            await keys.reload();
          })
        }
      >
        <Field label={t().keyName} value={name()} onInput={setName} required />
      </ActionForm>
    </Section>
  );
}

function Audit() {
  const entries = usePaged<AuditEntry>('/api/v1/audit-log', { limit: 25 });
  return (
    <Section title={t().audit}>
      <Paged list={entries}>
        {(items) => (
          <ul>
            <For each={items}>
              {(e) => (
                <li>
                  {fmtTime(e.at)} · {e.action} · {e.actor.email ?? e.actor.apiKeyId ?? '—'}
                </li>
              )}
            </For>
          </ul>
        )}
      </Paged>
    </Section>
  );
}

interface Installation {
  pluginId?: string;
  status?: string;
  [key: string]: unknown;
}

function Installations() {
  // From the platform-host work; an older server without the route answers 404.
  const [list] = createResource(() =>
    get<Page<Installation>>('/api/v1/installations').catch((e: unknown) => {
      if (e instanceof ApiError && e.status === 404) return null;
      throw e;
    }),
  );
  return (
    <Section title={t().installations}>
      <Switch>
        <Match when={list.error}>
          <ErrorNote error={list.error} />
        </Match>
        <Match when={list.loading}>
          <Loading />
        </Match>
        <Match when={!list() || !list()!.items.length}>
          <p class="empty">{t().noInstallations}</p>
        </Match>
        <Match when={list()}>
          <ul>
            <For each={list()!.items}>
              {(i) => (
                <li>
                  {String(i.pluginId ?? i.platform ?? '?')} · {String(i.shopDomain ?? i.siteUrl ?? '')} · {String(i.status ?? '')}
                </li>
              )}
            </For>
          </ul>
        </Match>
      </Switch>
    </Section>
  );
}

function DeleteStore() {
  const [password, setPassword] = createSignal('');
  const action = useAction();
  return (
    <Section title={t().dangerZone}>
      <p>{t().deleteStoreHelp}</p>
      <ActionForm
        action={action}
        submit={t().deleteStore}
        kind="danger"
        onSubmit={() =>
          confirm(t().confirm(t().deleteStore)) &&
          action.run(() => del('/api/v1/tenant', { password: password() })).then((ok) => {
            if (ok) void signOut();
          })
        }
      >
        <Field label={t().password} type="password" autocomplete="current-password" value={password()} onInput={setPassword} required />
      </ActionForm>
    </Section>
  );
}

export default function Settings() {
  const role = () => me()?.role;
  return (
    <div class="page">
      <h1>{t().settings}</h1>
      <MyNotifications />
      <Show when={role() !== 'agent'}>
        <Bots />
        <Llm />
        <Team />
        <ApiKeys />
        <Audit />
        <Installations />
      </Show>
      <Show when={role() === 'owner'}>
        <DeleteStore />
      </Show>
    </div>
  );
}
