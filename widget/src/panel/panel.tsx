/**
 * The panel chunk: loaded by the loader on intent, mounted into its shadow root.
 * Exports `mount` (shared/contract.ts). Renders the chat, the booking flow and the email form.
 */
import { createEffect, createMemo, createSignal, For, Match, Show, Switch, type JSX } from 'solid-js';
import { render } from 'solid-js/web';
import { pickFormatLocale } from '../../../core/wire/datetime.ts';
import type { BookingProposalCard, WidgetIdentity } from '../../../core/wire/widget.ts';
import * as de from '../i18n/de.ts';
import * as en from '../i18n/en.ts';
import { pageLocaleCandidates, pickLocale } from '../i18n/locale.ts';
import type { MountPanel, PanelApi } from '../shared/contract.ts';
import { adoptStyles } from '../shared/dom.ts';
import { BookingView, createBookingFlow } from './booking/Booking.tsx';
import { shopperTimeZone } from './booking/dates.ts';
import { CardView } from './cards.tsx';
import { createChat, type Chat } from './chat.ts';
import { ContactForm } from './Contact.tsx';
import type { PanelCtx } from './context.ts';
import type { ChatMessage } from './conversation.ts';
import { markdownToText, renderMarkdown } from './markdown.ts';
import css from './panel.css?inline';

type View = 'chat' | 'booking' | 'contact';

const proposalKey = (card: BookingProposalCard) => `${card.serviceId}@${Date.parse(card.start)}`;

function readList(key: string): string[] {
  try {
    const v: unknown = JSON.parse(localStorage.getItem(key) ?? '[]');
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

function writeList(key: string, list: string[]): void {
  try {
    localStorage.setItem(key, JSON.stringify(list));
  } catch {
    // Storage refused (private mode): the card is still shown booked until the page reloads.
  }
}


export const mount: MountPanel = (host) => {
  adoptStyles(host.root, css);
  let api!: PanelApi;

  render(() => {
    const [open, setOpen] = createSignal(false);
    const [localeTag, setLocaleTag] = createSignal<string | null>(host.locale);
    const [view, setView] = createSignal<View>('chat');
    const [announcement, setAnnouncement] = createSignal('');
    const [rated, setRated] = createSignal<'up' | 'down' | null>(null);
    let unread = 0;
    let panelEl!: HTMLElement;
    let logEl: HTMLDivElement | undefined;
    let inputEl: HTMLTextAreaElement | undefined;
    let stickToBottom = true;

    // The chat reads the language lazily (only when it starts a session), so it can come first.
    // The session gets the full tag ("en-GB"), so the assistant writes times the way the picker shows them.
    const chat: Chat = createChat({ host, onArrived: (m) => arrived(m), locale: () => intl() });
    const candidates = () => [localeTag(), ...pageLocaleCandidates(document, navigator), chat.bot()?.locale];
    const lang = createMemo(() => pickLocale(candidates()));
    const t = () => (lang() === 'de' ? de.panel : en.panel);
    /** "de-AT" from the page beats plain "de" for dates and prices; a bare page "en" takes the browser's "en-GB" (24-hour times). */
    const intl = createMemo(() => pickFormatLocale(candidates(), lang()));

    const botName = () => chat.bot()?.name ?? t().assistant;
    const agentName = () => chat.state().handoff.agentName ?? t().agent;

    const arrived = (m: ChatMessage) => {
      const who = m.role === 'agent' ? agentName() : botName();
      setAnnouncement(`${who}: ${markdownToText(m.text)}`.slice(0, 600));
      if (!open()) host.setUnread(++unread);
      host.emit('message', { messageId: m.id, role: m.role, text: m.text });
    };

    const ctx: PanelCtx = {
      t,
      intl,
      timeZone: shopperTimeZone(),
      chat,
      openProposal(card) {
        proposalInFlow = card;
        flow.propose(card);
        setView('booking');
      },
      proposalBooked: (card) => booked().includes(proposalKey(card)),
    };
    // Proposal cards used to book, per bot in this browser, so a resumed conversation shows them booked too.
    const bookedStore = `cc-booked-proposals:${host.botKey}`;
    const [booked, setBooked] = createSignal<string[]>(readList(bookedStore));
    let proposalInFlow: BookingProposalCard | null = null;
    const flow = createBookingFlow(ctx, (booking) => {
      if (proposalInFlow && Date.parse(proposalInFlow.start) === Date.parse(booking.start)) {
        const next = [...booked(), proposalKey(proposalInFlow)].slice(-50);
        setBooked(next);
        writeList(bookedStore, next);
      }
      proposalInFlow = null;
      host.emit('booking', booking);
    });

    const focusView = () =>
      queueMicrotask(() => {
        if (view() === 'chat') inputEl?.focus();
        else panelEl.querySelector<HTMLElement>('h3')?.focus();
      });
    const backToChat = () => {
      flow.exit();
      setView('chat');
      focusView();
    };

    api = {
      open(options) {
        setOpen(true);
        host.setOpen(true);
        unread = 0;
        host.setUnread(0);
        chat.start();
        chat.markOpened();
        if (options?.focus !== false) focusView();
        scrollToEnd();
      },
      close() {
        const active = host.root.activeElement;
        setOpen(false);
        host.setOpen(false);
        // Focus that was inside the panel goes back to the launcher instead of being lost.
        if (active && panelEl.contains(active)) host.launcher.focus();
      },
      isOpen: open,
      setLocale: (tag) => setLocaleTag(tag),
      identify: (identity: WidgetIdentity) => chat.identify(identity),
    };

    const scrollToEnd = () =>
      queueMicrotask(() => {
        if (logEl && stickToBottom) logEl.scrollTop = logEl.scrollHeight;
      });
    createEffect(() => {
      chat.state();
      view();
      scrollToEnd();
    });

    const showTyping = () => {
      const s = chat.state();
      const last = s.messages[s.messages.length - 1];
      return (s.typing.assistant || s.typing.agent) && !(last && last.status === 'streaming');
    };
    const lastUserText = () => [...chat.state().messages].reverse().find((m) => m.role === 'user')?.text ?? '';

    const send = (e: Event) => {
      e.preventDefault();
      if (!inputEl) return;
      const text = inputEl.value;
      if (!text.trim()) return;
      stickToBottom = true;
      chat.send(text);
      inputEl.value = '';
    };

    const Dots = () => (
      <span class="cc-dots" aria-hidden="true">
        <i />
        <i />
        <i />
      </span>
    );

    const MessageView = (props: { m: ChatMessage }): JSX.Element => {
      const m = props.m; // items are immutable: a changed message is a new item
      const who = m.role === 'user' ? t().you : m.role === 'agent' ? agentName() : botName();
      return (
        <div class={`cc-msg cc-${m.role}${m.status === 'sending' ? ' cc-sending' : ''}`}>
          {m.role === 'agent' ? <span class="cc-who">{who}</span> : <span class="cc-sr">{who}: </span>}
          {m.role === 'user' ? m.text : <div class="cc-md">{renderMarkdown(m.text)}</div>}
          {m.status === 'streaming' && !m.text ? <Dots /> : null}
          {m.status === 'failed' ? (
            <p class="cc-failed">
              {t().notSent}{' '}
              <button type="button" onClick={() => chat.retry(m)}>
                {t().retry}
              </button>
            </p>
          ) : null}
          <For each={m.cards}>{(card) => <CardView ctx={ctx} card={card} />}</For>
        </div>
      );
    };

    return (
      <section
        id="cc-panel"
        class="cc-panel"
        role="dialog"
        aria-modal="false"
        aria-labelledby="cc-panel-title"
        hidden={!open()}
        ref={panelEl}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            e.preventDefault();
            e.stopPropagation();
            api.close();
          }
        }}
      >
        <header class="cc-header">
          <h2 id="cc-panel-title" class="cc-panel-title">
            {chat.bot()?.name ?? t().title}
          </h2>
          <button type="button" class="cc-icon-btn" aria-label={t().close} onClick={() => api.close()}>
            <svg viewBox="0 0 24 24" aria-hidden="true">
              <path d="M19 6.41 17.59 5 12 10.59 6.41 5 5 6.41 10.59 12 5 17.59 6.41 19 12 13.41 17.59 19 19 17.59 13.41 12z" />
            </svg>
          </button>
        </header>
        <Show when={chat.state().handoff.active}>
          <p class="cc-banner" role="status">
            {chat.state().handoff.agentName ? t().handoffNamed(chat.state().handoff.agentName!) : t().handoff}
          </p>
        </Show>
        <Show when={chat.phase() === 'offline'}>
          <p class="cc-banner cc-warn" role="status">
            {t().offlineTitle}
          </p>
        </Show>

        <Switch>
          <Match when={view() === 'booking' && flow.state()}>
            <BookingView ctx={ctx} flow={flow} onExit={backToChat} />
          </Match>
          <Match when={view() === 'contact'}>
            <ContactForm ctx={ctx} initialText={lastUserText()} onDone={backToChat} />
          </Match>
          <Match when={true}>
            <div
              class="cc-log"
              ref={logEl}
              role="region"
              aria-label={t().conversation}
              tabindex="0"
              onScroll={(e) => {
                const el = e.currentTarget;
                stickToBottom = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
              }}
            >
              <Show when={chat.state().olderCursor}>
                <button type="button" class="cc-linkbtn cc-muted" onClick={() => void chat.loadOlder().catch(() => undefined)}>
                  {t().loadEarlier}
                </button>
              </Show>
              <Show when={chat.bot()?.greeting}>
                {(greeting) => (
                  <div class="cc-msg cc-assistant">
                    <span class="cc-sr">{botName()}: </span>
                    <div class="cc-md">{renderMarkdown(greeting())}</div>
                  </div>
                )}
              </Show>
              <Show when={chat.phase() === 'starting' && !chat.state().messages.length}>
                <p class="cc-muted">{t().connecting}</p>
              </Show>
              <For each={chat.state().messages}>{(m) => <MessageView m={m} />}</For>
              <Show when={showTyping()}>
                <div class="cc-msg cc-assistant">
                  <Dots />
                  <span class="cc-sr">{t().typing}</span>
                </div>
              </Show>
              <Show when={!showTyping() && chat.state().messages.some((m) => m.role !== 'user' && m.status === 'complete')}>
                <div class="cc-rate" role="group" aria-label={t().rateQuestion}>
                  <Show when={rated()} fallback={<span>{t().rateQuestion}</span>}>
                    <span role="status">{t().rateThanks}</span>
                  </Show>
                  <For each={['up', 'down'] as const}>
                    {(r) => (
                      <button
                        type="button"
                        class="cc-linkbtn"
                        aria-pressed={rated() === r}
                        aria-label={r === 'up' ? t().rateUp : t().rateDown}
                        onClick={() => void chat.rate(r).then(() => setRated(r), () => undefined)}
                      >
                        {r === 'up' ? '👍' : '👎'}
                      </button>
                    )}
                  </For>
                </div>
              </Show>
              <Show when={chat.replyError() || chat.phase() === 'offline'}>
                <div class="cc-msg cc-assistant" role="alert">
                  <p>{chat.phase() === 'offline' ? t().offlineTitle : t().providerError}</p>
                  <button type="button" class="cc-btn cc-secondary" onClick={() => setView('contact')}>
                    {t().contactOffer}
                  </button>
                </div>
              </Show>
            </div>
            <div class="cc-actions">
              <button
                type="button"
                class="cc-chip"
                onClick={() => {
                  flow.start();
                  setView('booking');
                }}
              >
                {t().bookAppointment}
              </button>
            </div>
            <form class="cc-composer" onSubmit={send}>
              <label class="cc-sr" for="cc-input">
                {t().messageLabel}
              </label>
              <textarea
                id="cc-input"
                ref={inputEl}
                rows={1}
                maxLength={4000}
                placeholder={t().placeholder}
                onKeyDown={(e) => {
                  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) send(e);
                }}
              />
              <button type="submit" class="cc-send" aria-label={t().send}>
                <svg viewBox="0 0 24 24" aria-hidden="true">
                  <path d="M2.01 21 23 12 2.01 3 2 10l15 2-15 2z" />
                </svg>
              </button>
            </form>
          </Match>
        </Switch>
        <div class="cc-sr" aria-live="polite" aria-atomic="true">
          {announcement()}
        </div>
      </section>
    );
  }, host.mountPoint);

  return api;
};
