import { createSignal, createUniqueId, For, Show, type Accessor, type JSX, type Resource } from 'solid-js';
import { del, errorText } from './api.ts';
import { locale, setLocale, t, type Locale } from './i18n/index.ts';

/** A labelled input: the visible label is the accessible name. */
export function Field(props: {
  label: string;
  name?: string;
  type?: string;
  value?: string | number;
  onInput?: (value: string) => void;
  required?: boolean;
  autocomplete?: string;
  hint?: string;
  min?: number;
  max?: number;
  multiline?: boolean;
  rows?: number;
}) {
  const id = createUniqueId();
  const hintId = `${id}-hint`;
  const common = () => ({
    id,
    name: props.name,
    required: props.required,
    'aria-describedby': props.hint ? hintId : undefined,
  });
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <Show
        when={props.multiline}
        fallback={
          <input
            {...common()}
            type={props.type ?? 'text'}
            value={props.value ?? ''}
            autocomplete={props.autocomplete}
            min={props.min}
            max={props.max}
            onInput={(e) => props.onInput?.(e.currentTarget.value)}
          />
        }
      >
        <textarea {...common()} rows={props.rows ?? 3} value={String(props.value ?? '')} onInput={(e) => props.onInput?.(e.currentTarget.value)} />
      </Show>
      <Show when={props.hint}>
        <p class="hint" id={hintId}>
          {props.hint}
        </p>
      </Show>
    </div>
  );
}

export function Select(props: { label: string; value: string; options: { value: string; label: string }[]; onChange: (v: string) => void }) {
  const id = createUniqueId();
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <select id={id} value={props.value} onChange={(e) => props.onChange(e.currentTarget.value)}>
        <For each={props.options}>{(o) => <option value={o.value} selected={o.value === props.value}>{o.label}</option>}</For>
      </select>
    </div>
  );
}

/** An error in words (problem+json detail), announced to screen readers. */
export function ErrorNote(props: { error: unknown; retry?: () => void }) {
  return (
    <Show when={props.error}>
      <div class="error" role="alert">
        <p>{errorText(props.error, t().error, t().networkError)}</p>
        <Show when={props.retry}>
          <button type="button" onClick={() => props.retry!()}>
            {t().retry}
          </button>
        </Show>
      </div>
    </Show>
  );
}

export const Loading = () => (
  <p class="loading" role="status">
    {t().loading}
  </p>
);

/** Runs an async action with a busy flag and an error; `run` returns whether it succeeded. */
export function useAction() {
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<unknown>(null);
  const run = async (fn: () => Promise<unknown>): Promise<boolean> => {
    setBusy(true);
    setError(null);
    try {
      await fn();
      return true;
    } catch (e) {
      setError(e);
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, setError, run };
}

export type Action = ReturnType<typeof useAction>;

/**
 * A form whose submit (default prevented) calls `onSubmit`: the fields, the action's error in
 * words, a submit button disabled while the action runs and, with `saved`, a "Saved." status.
 */
export function ActionForm(props: { action: Action; onSubmit: () => unknown; submit: string; kind?: 'primary' | 'danger'; class?: string; saved?: boolean; children: JSX.Element }) {
  return (
    <form
      class={props.class}
      onSubmit={(e) => {
        e.preventDefault();
        void props.onSubmit();
      }}
    >
      {props.children}
      <ErrorNote error={props.action.error()} />
      <button type="submit" class={props.kind} disabled={props.action.busy()}>
        {props.submit}
      </button>
      <Show when={props.saved !== undefined}>
        {' '}
        <span role="status">{props.saved ? t().saved : ''}</span>
      </Show>
    </form>
  );
}

/** A button that DELETEs `path` in the action (asking first unless `ask` is false), then calls `done`. */
export function RemoveButton(props: { action: Action; path: string; label: string; ask?: boolean; done: () => unknown }) {
  return (
    <button
      type="button"
      onClick={() => {
        if (props.ask !== false && !confirm(t().confirm(props.label))) return;
        void props.action.run(() => del(props.path)).then(() => props.done());
      }}
    >
      {props.label}
    </button>
  );
}

/** A secret the server returns once (identity secret, API key), announced, with the warning. */
export function ShownOnce(props: { label: string; value: string | null }) {
  return (
    <Show when={props.value}>
      <p role="status">
        {props.label} <code>{props.value}</code>
      </p>
    </Show>
  );
}

/** A resource's value once loaded; its error in words with "Try again"; "Loading…" meanwhile. */
export function Loaded<T>(props: { resource: Resource<T>; retry: () => unknown; children: (value: Accessor<NonNullable<T>>) => JSX.Element }) {
  return (
    <>
      <ErrorNote error={props.resource.error} retry={props.retry} />
      <Show when={props.resource()} fallback={<Show when={!props.resource.error}><Loading /></Show>}>
        {props.children}
      </Show>
    </>
  );
}

/** A list of items, or "Nothing here yet." when there are none. */
export function ItemList<T>(props: { items: readonly T[]; class?: string; children: (item: T) => JSX.Element }) {
  return (
    <ul class={props.class}>
      <For each={props.items} fallback={<li class="empty">{t().none}</li>}>
        {(item) => props.children(item)}
      </For>
    </ul>
  );
}

export function Section(props: { title: string; children: JSX.Element; id?: string }) {
  const id = createUniqueId();
  return (
    <section class="card" aria-labelledby={id} id={props.id}>
      <h2 id={id}>{props.title}</h2>
      {props.children}
    </section>
  );
}

export const fmtTime = (iso: string | null | undefined, zone?: string) =>
  iso ? new Intl.DateTimeFormat(document.documentElement.lang, { dateStyle: 'medium', timeStyle: 'short', timeZone: zone }).format(new Date(iso)) : '';

export function LanguageSwitch() {
  return (
    <div class="lang">
      <label for="lang-switch">{t().language}</label>
      <select id="lang-switch" value={locale()} onChange={(e) => setLocale(e.currentTarget.value as Locale)}>
        <option value="en" selected={locale() === 'en'}>
          English
        </option>
        <option value="de" selected={locale() === 'de'}>
          Deutsch
        </option>
      </select>
    </div>
  );
}

