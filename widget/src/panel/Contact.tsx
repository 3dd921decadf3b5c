// The email form: offered when the server is unreachable or the assistant could not answer.
import { createSignal, Show, type JSX } from 'solid-js';
import { ApiError } from './api.ts';
import type { PanelCtx } from './context.ts';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function ContactForm(props: { ctx: PanelCtx; initialText: string; onDone: () => void }): JSX.Element {
  const t = () => props.ctx.t();
  const [email, setEmail] = createSignal('');
  const [text, setText] = createSignal(props.initialText);
  const [error, setError] = createSignal<'email' | 'text' | 'failed' | null>(null);
  const [result, setResult] = createSignal<'sent' | 'queued' | null>(null);
  const [busy, setBusy] = createSignal(false);
  let heading: HTMLHeadingElement | undefined;
  queueMicrotask(() => heading?.focus());

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!EMAIL.test(email().trim())) return setError('email');
    if (!text().trim()) return setError('text');
    setError(null);
    setBusy(true);
    try {
      setResult(await props.ctx.chat.sendContact({ email: email().trim(), text: text().trim() }));
    } catch (err) {
      setError(err instanceof ApiError && err.status === 422 ? 'email' : 'failed');
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="cc-view">
      <h3 tabindex="-1" ref={heading}>
        {t().contactOffer}
      </h3>
      <Show
        when={!result()}
        fallback={
          <>
            <p role="status">{result() === 'sent' ? t().contactSent : t().contactQueued}</p>
            <button type="button" class="cc-btn cc-secondary" onClick={() => props.onDone()}>
              {t().booking.backToChat}
            </button>
          </>
        }
      >
        <p>{t().contactIntro}</p>
        <form novalidate onSubmit={submit}>
          <label class="cc-field" for="cc-contact-email">
            <span>{t().email}</span>
            <input
              id="cc-contact-email"
              class="cc-input"
              type="email"
              autocomplete="email"
              required
              value={email()}
              aria-invalid={error() === 'email' ? 'true' : undefined}
              aria-describedby={error() === 'email' ? 'cc-contact-email-error' : undefined}
              onInput={(e) => setEmail(e.currentTarget.value)}
            />
            <Show when={error() === 'email'}>
              <span class="cc-error" id="cc-contact-email-error">
                {t().invalidEmail}
              </span>
            </Show>
          </label>
          <label class="cc-field" for="cc-contact-text">
            <span>{t().question}</span>
            <textarea
              id="cc-contact-text"
              class="cc-input"
              rows={4}
              required
              value={text()}
              aria-invalid={error() === 'text' ? 'true' : undefined}
              onInput={(e) => setText(e.currentTarget.value)}
            />
            <Show when={error() === 'text'}>
              <span class="cc-error">{t().required}</span>
            </Show>
          </label>
          <Show when={error() === 'failed'}>
            <p role="alert" class="cc-error">
              {t().booking.failed}
            </p>
          </Show>
          <div class="cc-row">
            <button type="submit" class="cc-btn" disabled={busy()}>
              {t().sendContact}
            </button>
            <button type="button" class="cc-btn cc-secondary" onClick={() => props.onDone()}>
              {t().booking.backToChat}
            </button>
          </div>
        </form>
      </Show>
    </div>
  );
}
