/**
 * The booking flow: the state machine (booking.machine.ts) driven by the widget API, and its view.
 * Times are fetched and shown in the shopper's zone; the POST carries an Idempotency-Key.
 */
import { formatMoney } from '../../../../core/wire/money.ts';
import { createEffect, createMemo, createSignal, For, Match, on, Show, Switch, type Accessor, type JSX } from 'solid-js';
import type { BookingProposalCard, CreateBookingResponse, Slot } from '../../../../core/wire/widget.ts';
import { ApiError, randomId } from '../api.ts';
import type { PanelCtx } from '../context.ts';
import {
  back,
  bookingReducer,
  fromProposal,
  startBooking,
  toBookingRequest,
  type BookingAction,
  type BookingState,
  type FieldProblem,
  type FormField,
} from './booking.machine.ts';
import { addDays, formatAppointment, formatDateTime, formatDay, formatTime, groupByDay, zonedDate } from './dates.ts';

/** Days fetched and shown per page of the day picker. */
const RANGE_DAYS = 14;

export interface BookingFlow {
  state: Accessor<BookingState | null>;
  dispatch(action: BookingAction): void;
  start(): void;
  propose(card: BookingProposalCard): void;
  goBack(): void;
  exit(): void;
}

export function createBookingFlow(ctx: PanelCtx, onBooked: (booking: CreateBookingResponse) => void): BookingFlow {
  const [state, setState] = createSignal<BookingState | null>(null);

  const react = (s: BookingState) => {
    const api = ctx.chat.api;
    if (s.step === 'services' && s.services === null && !s.failed) {
      api.listServices().then(
        (res) => dispatch({ type: 'servicesLoaded', services: res.items }),
        () => dispatch({ type: 'loadFailed' }),
      );
    } else if (s.step === 'day' && s.days === null && !s.failed) {
      const from = s.from;
      api
        .availability({ serviceId: s.service.id, from, to: addDays(from, RANGE_DAYS - 1), timeZone: ctx.timeZone })
        .then(
          (res) => dispatch({ type: 'daysLoaded', from, days: groupByDay(res.slots, ctx.timeZone) }),
          () => dispatch({ type: 'loadFailed' }),
        );
    } else if (s.step === 'submitting') {
      api.createBooking(toBookingRequest(s, { timeZone: ctx.timeZone, conversationId: ctx.chat.conversationId(), locale: ctx.intl() }), s.key).then(
        (booking) => {
          dispatch({ type: 'booked', booking });
          onBooked(booking);
        },
        (error: unknown) => {
          if (error instanceof ApiError && error.status === 409) {
            const alternatives = (error.problem?.alternatives as Slot[] | undefined) ?? [];
            dispatch({ type: 'conflict', alternatives });
          } else if (error instanceof ApiError) {
            dispatch({ type: 'rejected', errors: error.problem?.errors ?? [] });
          } else dispatch({ type: 'networkFailed' });
        },
      );
    }
  };

  const set = (next: BookingState | null) => {
    const prev = state();
    setState(next);
    if (next && next !== prev) react(next);
  };
  const dispatch = (action: BookingAction) => {
    const s = state();
    if (s) set(bookingReducer(s, action));
  };

  return {
    state,
    dispatch,
    start: () => set(startBooking(state()?.form)),
    propose: (card) => set(fromProposal(card, state()?.form)),
    goBack() {
      const s = state();
      if (!s) return;
      const prev = back(s);
      // Re-entering a loading step that never loaded retries it.
      if (prev && ((prev.step === 'day' && prev.days === null) || (prev.step === 'services' && prev.services === null)))
        set({ ...prev, failed: false } as BookingState);
      else set(prev);
    },
    exit: () => set(null),
  };
}

export function BookingView(props: { ctx: PanelCtx; flow: BookingFlow; onExit: () => void }): JSX.Element {
  const t = () => props.ctx.t().booking;
  const intl = () => props.ctx.intl();
  const tz = props.ctx.timeZone;
  const s = () => props.flow.state()!;
  const dispatch = props.flow.dispatch;
  let heading: HTMLHeadingElement | undefined;

  // A new step moves focus to its heading, so keyboard and screen-reader users land on it. Through
  // a memo: `on` re-runs whenever the state signal changes (every keystroke in the form), and
  // only a different step may take the focus away from the field being typed in.
  const step = createMemo(() => s()?.step);
  createEffect(on(step, () => queueMicrotask(() => heading?.focus())));

  const Heading = (p: { children: JSX.Element }) => (
    <h3 tabindex="-1" ref={(el) => (heading = el)}>
      {p.children}
    </h3>
  );
  const Loading = () => <p class="cc-muted">{t().loading}</p>;
  const Failed = (p: { retry: () => void }) => (
    <p role="alert">
      {t().loadFailed}{' '}
      <button type="button" class="cc-linkbtn" onClick={p.retry}>
        {props.ctx.t().retry}
      </button>
    </p>
  );
  const when = (slot: Slot) => formatDateTime(slot.start, intl(), tz);
  const todayDate = () => zonedDate(new Date(), tz);

  return (
    <>
      <div class="cc-toolbar">
        <button
          type="button"
          class="cc-icon-btn"
          aria-label={s().step === 'confirmed' ? t().backToChat : t().back}
          onClick={() => (s().step === 'confirmed' ? props.onExit() : props.flow.goBack())}
        >
          <svg viewBox="0 0 24 24" aria-hidden="true">
            <path d="M20 11H7.83l5.59-5.59L12 4l-8 8 8 8 1.41-1.41L7.83 13H20v-2z" />
          </svg>
        </button>
        <span class="cc-muted">{t().title}</span>
      </div>
      <div class="cc-view">
        <Switch>
          <Match when={s().step === 'services' && (s() as Extract<BookingState, { step: 'services' }>)}>
            {(st) => (
              <>
                <Heading>{t().chooseService}</Heading>
                <Show when={!st().failed} fallback={<Failed retry={() => props.flow.start()} />}>
                  <Show when={st().services} fallback={<Loading />}>
                    {(services) => (
                      <Show when={services().length} fallback={<p>{t().noServices}</p>}>
                        <ul class="cc-list">
                          <For each={services()}>
                            {(service) => (
                              <li>
                                <button
                                  type="button"
                                  class="cc-option"
                                  onClick={() =>
                                    dispatch({
                                      type: 'chooseService',
                                      service: { id: service.id, name: service.name, durationMinutes: service.durationMinutes },
                                      from: todayDate(),
                                    })
                                  }
                                >
                                  <strong>{service.name}</strong>
                                  <span class="cc-muted"> · {t().minutes(service.durationMinutes)}</span>
                                  <Show when={service.price}>
                                    {(price) => <span class="cc-muted"> · {formatMoney(price(), intl())}</span>}
                                  </Show>
                                  <Show when={service.description}>
                                    <span class="cc-muted">
                                      <br />
                                      {service.description}
                                    </span>
                                  </Show>
                                </button>
                              </li>
                            )}
                          </For>
                        </ul>
                      </Show>
                    )}
                  </Show>
                </Show>
              </>
            )}
          </Match>

          <Match when={s().step === 'day' && (s() as Extract<BookingState, { step: 'day' }>)}>
            {(st) => (
              <>
                <Heading>{t().chooseDay}</Heading>
                <p class="cc-muted">
                  {st().service.name} · {t().timesIn(tz)}
                </p>
                <Show when={!st().failed} fallback={<Failed retry={() => dispatch({ type: 'changeRange', from: st().from })} />}>
                  <Show when={st().days} fallback={<Loading />}>
                    {(days) => (
                      <Show when={days().length} fallback={<p>{t().noSlots}</p>}>
                        <ul class="cc-list cc-grid">
                          <For each={days()}>
                            {(day) => (
                              <li>
                                <button type="button" class="cc-option" onClick={() => dispatch({ type: 'chooseDay', date: day.date })}>
                                  {formatDay(day.date, intl())}
                                </button>
                              </li>
                            )}
                          </For>
                        </ul>
                      </Show>
                    )}
                  </Show>
                </Show>
                <div class="cc-row">
                  <Show when={st().from > todayDate()}>
                    <button
                      type="button"
                      class="cc-btn cc-secondary"
                      onClick={() => {
                        const from = addDays(st().from, -RANGE_DAYS);
                        dispatch({ type: 'changeRange', from: from < todayDate() ? todayDate() : from });
                      }}
                    >
                      {t().earlier}
                    </button>
                  </Show>
                  <button type="button" class="cc-btn cc-secondary" onClick={() => dispatch({ type: 'changeRange', from: addDays(st().from, RANGE_DAYS) })}>
                    {t().later}
                  </button>
                </div>
              </>
            )}
          </Match>

          <Match when={s().step === 'time' && (s() as Extract<BookingState, { step: 'time' }>)}>
            {(st) => (
              <>
                <Heading>{t().slotsOn(formatDay(st().day.date, intl()))}</Heading>
                <p class="cc-muted">
                  {st().service.name} · {t().timesIn(tz)}
                </p>
                <ul class="cc-list cc-grid">
                  <For each={st().day.slots}>
                    {(slot) => (
                      <li>
                        <button type="button" class="cc-option" onClick={() => dispatch({ type: 'chooseSlot', slot })}>
                          {formatTime(slot.start, intl(), tz)}
                        </button>
                      </li>
                    )}
                  </For>
                </ul>
              </>
            )}
          </Match>

          <Match when={(s().step === 'details' || s().step === 'submitting') && (s() as Extract<BookingState, { step: 'details' | 'submitting' }>)}>
            {(st) => {
              const busy = () => st().step === 'submitting';
              const errors = () => {
                const cur = st();
                return cur.step === 'details' ? cur.errors : {};
              };
              const failed = () => {
                const cur = st();
                return cur.step === 'details' && cur.failed;
              };
              const message = (problem: FieldProblem | undefined) =>
                problem === 'required' ? props.ctx.t().required : problem === 'email' ? props.ctx.t().invalidEmail : problem ? t().failed : '';
              const Field = (p: { field: FormField; label: string; type?: string; autocomplete?: string; multiline?: boolean }) => {
                const id = `cc-book-${p.field}`;
                const common = {
                  id,
                  class: 'cc-input',
                  name: p.field,
                  get value() {
                    return st().form[p.field];
                  },
                  get disabled() {
                    return busy();
                  },
                  get 'aria-invalid'() {
                    return errors()[p.field] ? 'true' : undefined;
                  },
                  get 'aria-describedby'() {
                    return errors()[p.field] ? `${id}-error` : undefined;
                  },
                  onInput: (e: InputEvent & { currentTarget: HTMLInputElement | HTMLTextAreaElement }) =>
                    dispatch({ type: 'edit', field: p.field, value: e.currentTarget.value }),
                };
                return (
                  <label class="cc-field" for={id}>
                    <span>{p.label}</span>
                    <Show
                      when={p.multiline}
                      fallback={<input {...common} type={p.type ?? 'text'} autocomplete={p.autocomplete} required={p.field === 'name' || p.field === 'email'} />}
                    >
                      <textarea {...common} rows={3} />
                    </Show>
                    <Show when={errors()[p.field]}>
                      <span class="cc-error" id={`${id}-error`}>
                        {message(errors()[p.field])}
                      </span>
                    </Show>
                  </label>
                );
              };
              return (
                <>
                  <Heading>{t().yourDetails}</Heading>
                  <p class="cc-summary">
                    <strong>{st().service.name}</strong>
                    <br />
                    {when(st().slot)}
                  </p>
                  <form
                    novalidate
                    onSubmit={(e) => {
                      e.preventDefault();
                      dispatch({ type: 'submit', newKey: randomId() });
                    }}
                  >
                    <Field field="name" label={t().name} autocomplete="name" />
                    <Field field="email" label={t().email} type="email" autocomplete="email" />
                    <Field field="phone" label={t().phone} type="tel" autocomplete="tel" />
                    <Field field="notes" label={t().notes} multiline />
                    <Show when={failed()}>
                      <p role="alert" class="cc-error">
                        {t().failed}
                      </p>
                    </Show>
                    <button type="submit" class="cc-btn" disabled={busy()}>
                      {busy() ? t().confirming : t().confirm}
                    </button>
                  </form>
                </>
              );
            }}
          </Match>

          <Match when={s().step === 'conflict' && (s() as Extract<BookingState, { step: 'conflict' }>)}>
            {(st) => (
              <>
                <Heading>{st().alternatives.length ? t().taken : t().noAlternatives}</Heading>
                <ul class="cc-list">
                  <For each={st().alternatives}>
                    {(slot) => (
                      <li>
                        <button type="button" class="cc-option" onClick={() => dispatch({ type: 'chooseAlternative', slot })}>
                          {when(slot)}
                        </button>
                      </li>
                    )}
                  </For>
                </ul>
                <button type="button" class="cc-btn cc-secondary" onClick={() => dispatch({ type: 'chooseOtherDay', from: todayDate() })}>
                  {t().chooseOtherDay}
                </button>
              </>
            )}
          </Match>

          <Match when={s().step === 'confirmed' && (s() as Extract<BookingState, { step: 'confirmed' }>)}>
            {(st) => (
              <>
                <Heading>{t().confirmedTitle}</Heading>
                <p class="cc-summary">
                  <strong>{st().service.name}</strong>
                  <br />
                  {formatAppointment(st().booking.start, st().booking.end, intl(), tz)}
                </p>
                <p>{t().confirmedText}</p>
                <div class="cc-row">
                  <Show when={safeLink(st().booking.manageUrl)}>
                    {(href) => (
                      <a class="cc-btn cc-secondary" href={href()} target="_blank" rel="noopener noreferrer">
                        {t().manage}
                        <span class="cc-sr"> {props.ctx.t().opensInNewTab}</span>
                      </a>
                    )}
                  </Show>
                  <button type="button" class="cc-btn" onClick={() => props.onExit()}>
                    {t().backToChat}
                  </button>
                </div>
              </>
            )}
          </Match>
        </Switch>
      </div>
    </>
  );
}

/** Only absolute http(s) links leave the widget. */
export function safeLink(href: string | null | undefined): string | null {
  if (!href) return null;
  try {
    const url = new URL(href);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null;
  } catch {
    return null;
  }
}

