/**
 * Bookings: a week / day calendar per resource in the store's time zone (luxon: DST-correct day
 * boundaries), booking details with cancel / reschedule / no-show, services, resources with weekly
 * hours and date overrides, holidays, and the reminder outbox with dead letters and retry. The calendar refreshes every 10 s
 * while the tab is visible, so new bookings appear without a reload.
 */
import { DateTime } from 'luxon';
import { createResource, createSignal, For, Match, onCleanup, Show, Switch } from 'solid-js';
import type { Booking, BookingNotification, Page, Resource, ResourceOverride, Service } from '../../../../core/wire/merchant.ts';
import { all, get, post, put } from '../api.ts';
import { t } from '../i18n/index.ts';
import { me } from '../session.ts';
import { ActionForm, ErrorNote, Field, ItemList, Loaded, Loading, RemoveButton, Section, Select, useAction } from '../ui.tsx';

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

function Calendar(props: { zone: string; resources: Resource[] }) {
  const [view, setView] = createSignal<'week' | 'day'>('week');
  const [anchor, setAnchor] = createSignal(DateTime.now().setZone(props.zone).startOf('day'));
  const [resourceId, setResourceId] = createSignal('');
  const [selected, setSelected] = createSignal<Booking | null>(null);
  const start = () => (view() === 'week' ? anchor().startOf('week') : anchor());
  const days = () => Array.from({ length: view() === 'week' ? 7 : 1 }, (_, i) => start().plus({ days: i }));
  const [bookings, { refetch }] = createResource(
    () => ({ from: start().toISODate()!, to: start().plus({ days: view() === 'week' ? 7 : 1 }).toISO()!, resourceId: resourceId() || undefined }),
    (q) => all<Booking>('/api/v1/bookings', { ...q, timeZone: props.zone, limit: 200 }),
  );
  const timer = setInterval(() => {
    if (document.visibilityState === 'visible' && !bookings.loading) void refetch();
  }, 10_000);
  onCleanup(() => clearInterval(timer));
  const step = (n: number) => setAnchor((a) => a.plus(view() === 'week' ? { weeks: n } : { days: n }));
  const fmt = (iso: string) => DateTime.fromISO(iso).setZone(props.zone).setLocale(document.documentElement.lang).toLocaleString(DateTime.TIME_SIMPLE);
  const onDay = (d: DateTime) => (bookings.latest ?? []).filter((b) => DateTime.fromISO(b.start).setZone(props.zone).hasSame(d, 'day'));

  return (
    <Section title={t().calendar}>
      <div class="toolbar">
        <div role="group" aria-label={t().calendar} class="filters">
          <button type="button" aria-pressed={view() === 'week'} onClick={() => setView('week')}>
            {t().week}
          </button>
          <button type="button" aria-pressed={view() === 'day'} onClick={() => setView('day')}>
            {t().day}
          </button>
          <button type="button" onClick={() => step(-1)}>
            {t().previous}
          </button>
          <button type="button" onClick={() => setAnchor(DateTime.now().setZone(props.zone).startOf('day'))}>
            {t().today}
          </button>
          <button type="button" onClick={() => step(1)}>
            {t().next}
          </button>
        </div>
        <Select
          label={t().resource}
          value={resourceId()}
          onChange={setResourceId}
          options={[{ value: '', label: t().allResources }, ...props.resources.map((r) => ({ value: r.id, label: r.name }))]}
        />
      </div>
      <p class="hint">
        {props.zone} · {days()[0]!.setLocale(document.documentElement.lang).toLocaleString(DateTime.DATE_MED)}
        <Show when={view() === 'week'}> – {days()[6]!.setLocale(document.documentElement.lang).toLocaleString(DateTime.DATE_MED)}</Show>
      </p>
      <ErrorNote error={bookings.error} retry={refetch} />
      <Show when={bookings.latest || !bookings.loading} fallback={<Loading />}>
        <div class={`cal ${view()}`}>
          <For each={days()}>
            {(d) => (
              <div class="cal-day">
                <h3>{d.setLocale(document.documentElement.lang).toLocaleString({ weekday: 'short', day: 'numeric', month: 'short' })}</h3>
                <For each={onDay(d)} fallback={<p class="hint">—</p>}>
                  {(b) => (
                    <button type="button" class={`booking-btn ${b.status}`} data-booking={b.id} onClick={() => setSelected(b)}>
                      {fmt(b.start)} {b.serviceName} · {b.customer.name} ({b.resourceName})
                    </button>
                  )}
                </For>
              </div>
            )}
          </For>
        </div>
        <Show when={(bookings.latest ?? []).length === 0}>
          <p class="empty">{t().noBookings}</p>
        </Show>
      </Show>
      <Show when={selected()}>
        {(b) => (
          <BookingDetails
            booking={b()}
            zone={props.zone}
            onChanged={(next) => {
              setSelected(next);
              void refetch();
            }}
            onClose={() => setSelected(null)}
          />
        )}
      </Show>
    </Section>
  );
}

function BookingDetails(props: { booking: Booking; zone: string; onChanged: (b: Booking) => void; onClose: () => void }) {
  const action = useAction();
  const b = () => props.booking;
  const [newStart, setNewStart] = createSignal(DateTime.fromISO(props.booking.start).setZone(props.zone).toFormat("yyyy-MM-dd'T'HH:mm"));
  const run = (path: string, body: unknown = {}) => action.run(async () => props.onChanged(await post<Booking>(`/api/v1/bookings/${b().id}/${path}`, body)));
  return (
    <div class="card" role="region" aria-labelledby="booking-title">
      <h3 id="booking-title">{t().bookingDetails}</h3>
      <dl>
        <dt>{b().serviceName}</dt>
        <dd>
          {DateTime.fromISO(b().start).setZone(props.zone).setLocale(document.documentElement.lang).toLocaleString(DateTime.DATETIME_MED)} · {b().resourceName} · {t().bStatus[b().status]}
        </dd>
        <dt>{t().customer}</dt>
        <dd>
          {b().customer.name} · <a href={`mailto:${b().customer.email}`}>{b().customer.email}</a>
          <Show when={b().customer.phone}> · {b().customer.phone}</Show>
        </dd>
        <Show when={b().notes}>
          <dt>{t().notes}</dt>
          <dd>{b().notes}</dd>
        </Show>
      </dl>
      <ErrorNote error={action.error()} />
      <Show when={b().status === 'confirmed'}>
        <div class="actions">
          <button type="button" disabled={action.busy()} onClick={() => confirm(t().confirm(t().cancelBooking)) && void run('cancel', { notifyCustomer: true })}>
            {t().cancelBooking}
          </button>
          <Show when={new Date(b().start).getTime() <= Date.now()}>
            <button type="button" disabled={action.busy()} onClick={() => void run('no-show')}>
              {t().markNoShow}
            </button>
          </Show>
        </div>
        <form
          class="row"
          onSubmit={(e) => {
            e.preventDefault();
            const start = DateTime.fromISO(newStart(), { zone: props.zone }).toISO();
            if (start) void run('reschedule', { start, notifyCustomer: true });
          }}
        >
          <Field label={t().newStart} type="datetime-local" value={newStart()} onInput={setNewStart} />
          <button type="submit" disabled={action.busy()}>
            {t().reschedule}
          </button>
        </form>
      </Show>
      <button type="button" onClick={() => props.onClose()}>
        {t().close}
      </button>
    </div>
  );
}

function Services(props: { services: Service[]; reload: () => void }) {
  const [name, setName] = createSignal('');
  const [duration, setDuration] = createSignal('30');
  const [before, setBefore] = createSignal('0');
  const [after, setAfter] = createSignal('0');
  const [capacity, setCapacity] = createSignal('1');
  const action = useAction();
  const add = async () => {
    const ok = await action.run(() =>
      post('/api/v1/services', { name: name(), durationMinutes: Number(duration()), bufferBeforeMinutes: Number(before()), bufferAfterMinutes: Number(after()), capacity: Number(capacity()), minNoticeMinutes: 0 }),
    );
    if (ok) {
      setName('');
      props.reload();
    }
  };
  return (
    <Section title={t().services}>
      <ItemList items={props.services}>
        {(s) => (
          <li>
            {s.name} · {s.durationMinutes} min · {t().capacity} {s.capacity}{' '}
            <RemoveButton action={action} path={`/api/v1/services/${s.id}`} label={`${t().delete} ${s.name}`} done={props.reload} />
          </li>
        )}
      </ItemList>
      <ActionForm action={action} onSubmit={add} submit={t().addService} kind="primary">
        <div class="row">
          <Field label={t().serviceName} value={name()} onInput={setName} required />
          <Field label={t().duration} type="number" min={1} value={duration()} onInput={setDuration} required />
          <Field label={t().bufferBefore} type="number" min={0} value={before()} onInput={setBefore} />
          <Field label={t().bufferAfter} type="number" min={0} value={after()} onInput={setAfter} />
          <Field label={t().capacity} type="number" min={1} value={capacity()} onInput={setCapacity} />
        </div>
      </ActionForm>
    </Section>
  );
}

function Resources(props: { resources: Resource[]; services: Service[]; zone: string; reload: () => void }) {
  const [name, setName] = createSignal('');
  const [serviceIds, setServiceIds] = createSignal<string[]>([]);
  const [hours, setHours] = createSignal<Record<string, { start: string; end: string }>>(
    Object.fromEntries(DAYS.map((d) => [d, d === 'sat' || d === 'sun' ? { start: '', end: '' } : { start: '09:00', end: '17:00' }])),
  );
  const action = useAction();
  const setDay = (d: string, key: 'start' | 'end', v: string) => setHours((h) => ({ ...h, [d]: { ...h[d]!, [key]: v } }));
  const add = async () => {
    const weeklyHours = Object.fromEntries(DAYS.map((d) => [d, hours()[d]!.start && hours()[d]!.end ? [{ start: hours()[d]!.start, end: hours()[d]!.end }] : []]));
    const ok = await action.run(() => post('/api/v1/resources', { name: name(), serviceIds: serviceIds(), timeZone: props.zone, weeklyHours }));
    if (ok) {
      setName('');
      props.reload();
    }
  };
  return (
    <Section title={t().resources}>
      <ItemList items={props.resources}>
        {(r) => (
          <li>
            <strong>{r.name}</strong> ·{' '}
            {DAYS.filter((d) => r.weeklyHours[d]?.length)
              .map((d) => `${t().weekdays[d]!.slice(0, 2)} ${r.weeklyHours[d]!.map((i) => `${i.start}–${i.end}`).join(', ')}`)
              .join('; ')}{' '}
            <RemoveButton action={action} path={`/api/v1/resources/${r.id}`} label={`${t().delete} ${r.name}`} done={props.reload} />
          </li>
        )}
      </ItemList>
      <ActionForm action={action} onSubmit={add} submit={t().addResource} kind="primary">
        <Field label={t().resourceName} value={name()} onInput={setName} required />
        <fieldset>
          <legend>{t().offersServices}</legend>
          <For each={props.services}>
            {(s) => (
              <label class="check">
                <input
                  type="checkbox"
                  checked={serviceIds().includes(s.id)}
                  onChange={(e) => setServiceIds((ids) => (e.currentTarget.checked ? [...ids, s.id] : ids.filter((i) => i !== s.id)))}
                />{' '}
                {s.name}
              </label>
            )}
          </For>
        </fieldset>
        <div class="scroll">
          <table>
            <tbody>
              <For each={DAYS}>
                {(d) => (
                  <tr>
                    <th scope="row">{t().weekdays[d]}</th>
                    <td>
                      <Field label={t().opens(t().weekdays[d]!)} type="time" value={hours()[d]!.start} onInput={(v) => setDay(d, 'start', v)} />
                    </td>
                    <td>
                      <Field label={t().closes(t().weekdays[d]!)} type="time" value={hours()[d]!.end} onInput={(v) => setDay(d, 'end', v)} />
                    </td>
                  </tr>
                )}
              </For>
            </tbody>
          </table>
        </div>
      </ActionForm>
    </Section>
  );
}

/** Date overrides of one resource: other hours on a date (a late opening, a short day) or closed all day. */
function Overrides(props: { resources: Resource[] }) {
  const [resourceId, setResourceId] = createSignal(props.resources[0]?.id ?? '');
  const [list, { refetch }] = createResource(
    () => resourceId() || false,
    (id) => get<Page<ResourceOverride>>(`/api/v1/resources/${id}/overrides`),
  );
  const [date, setDate] = createSignal('');
  const [start, setStart] = createSignal('');
  const [end, setEnd] = createSignal('');
  const [note, setNote] = createSignal('');
  const action = useAction();
  const save = async () => {
    const intervals = start() && end() ? [{ start: start(), end: end() }] : [];
    const ok = await action.run(() => put(`/api/v1/resources/${resourceId()}/overrides/${date()}`, { intervals, note: note().trim() || null }));
    if (ok) {
      setNote('');
      void refetch();
    }
  };
  const hoursOf = (o: ResourceOverride) => (o.intervals.length ? o.intervals.map((i) => `${i.start}–${i.end}`).join(', ') : t().closedAllDay);
  return (
    <Section title={t().overrides}>
      <Show when={props.resources.length} fallback={<p class="empty">{t().overridesNeedResource}</p>}>
        <Select label={t().resource} value={resourceId()} onChange={setResourceId} options={props.resources.map((r) => ({ value: r.id, label: r.name }))} />
        <ErrorNote error={list.error} retry={refetch} />
        <Show when={list.latest || !list.loading} fallback={<Loading />}>
          <ItemList items={list.latest?.items ?? []} class="overrides">
            {(o) => (
              <li>
                {o.date}: {hoursOf(o)}
                {o.note ? ` · ${o.note}` : ''}{' '}
                <RemoveButton action={action} path={`/api/v1/resources/${o.resourceId}/overrides/${o.date}`} label={t().removeOverride(o.date)} ask={false} done={refetch} />
              </li>
            )}
          </ItemList>
        </Show>
        <ActionForm action={action} onSubmit={save} submit={t().saveOverride}>
          <div class="row">
            <Field label={t().overrideDate} type="date" value={date()} onInput={setDate} required />
            <Field label={t().overrideOpens} type="time" value={start()} onInput={setStart} />
            <Field label={t().overrideCloses} type="time" value={end()} onInput={setEnd} />
            <Field label={t().overrideNote} value={note()} onInput={setNote} />
          </div>
          <p class="hint">{t().overrideHelp}</p>
        </ActionForm>
      </Show>
    </Section>
  );
}

interface BookingSettings {
  reminderOffsetsMinutes: number[];
  notificationEmail: string | null;
}

function SettingsAndHolidays() {
  const [settings, { refetch, mutate }] = createResource(() => get<BookingSettings>('/api/v1/booking-settings'));
  const [offsets, setOffsets] = createSignal<string | null>(null);
  const [notify, setNotify] = createSignal<string | null>(null);
  const [saved, setSaved] = createSignal(false);
  const [holidays, { refetch: reloadHolidays }] = createResource(() => get<Page<{ date: string; name: string | null }>>('/api/v1/holidays'));
  const [date, setDate] = createSignal('');
  const [name, setName] = createSignal('');
  const action = useAction();
  const holidayAction = useAction();
  const hours = (s: BookingSettings) => s.reminderOffsetsMinutes.map((m) => String(Math.round((m / 60) * 100) / 100)).join(', ');
  const save = async () => {
    setSaved(false);
    const s = settings()!;
    const list = (offsets() ?? hours(s))
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean)
      .map((v) => Math.round(Number(v.replace(',', '.')) * 60));
    const email = (notify() ?? s.notificationEmail ?? '').trim();
    if (await action.run(async () => mutate(await put<BookingSettings>('/api/v1/booking-settings', { reminderOffsetsMinutes: list, notificationEmail: email || null })))) setSaved(true);
  };
  return (
    <>
      <Section title={t().bookingSettings}>
        <Loaded resource={settings} retry={refetch}>
          {(s) => (
            <ActionForm action={action} onSubmit={save} submit={t().save} kind="primary" saved={saved()}>
              <div class="row">
                <Field label={t().reminderOffsets} value={offsets() ?? hours(s())} onInput={setOffsets} />
                <Field label={t().notificationEmail} type="email" value={notify() ?? s().notificationEmail ?? ''} onInput={setNotify} />
              </div>
            </ActionForm>
          )}
        </Loaded>
      </Section>
      <Section title={t().holidays}>
        <ErrorNote error={holidays.error} retry={reloadHolidays} />
        <ItemList items={holidays()?.items ?? []}>
          {(h) => (
            <li>
              {h.date}
              {h.name ? ` · ${h.name}` : ''}{' '}
              <RemoveButton action={holidayAction} path={`/api/v1/holidays/${h.date}`} label={`${t().reopen} ${h.date}`} ask={false} done={reloadHolidays} />
            </li>
          )}
        </ItemList>
        <ActionForm
          class="row"
          action={holidayAction}
          submit={t().addHoliday}
          onSubmit={() =>
            holidayAction.run(() => put(`/api/v1/holidays/${date()}`, { name: name().trim() || null })).then((ok) => {
              if (ok) {
                setName('');
                void reloadHolidays();
              }
            })
          }
        >
          <Field label={t().holidayDate} type="date" value={date()} onInput={setDate} required />
          <Field label={t().holidayName} value={name()} onInput={setName} />
        </ActionForm>
      </Section>
    </>
  );
}

function Outbox() {
  const [status, setStatus] = createSignal('dead');
  const [cursor, setCursor] = createSignal<string | undefined>(undefined);
  const [page, { refetch }] = createResource(
    () => ({ status: status() || undefined, cursor: cursor() }),
    (q) => get<Page<BookingNotification>>('/api/v1/reminders', { ...q, limit: 25 }),
  );
  const action = useAction();
  return (
    <Section title={t().reminders}>
      <Select
        label={t().kind}
        value={status()}
        onChange={(v) => {
          setCursor(undefined);
          setStatus(v);
        }}
        options={[
          { value: 'dead', label: t().dead },
          { value: '', label: t().fAll },
        ]}
      />
      <ErrorNote error={page.error ?? action.error()} retry={refetch} />
      <Show when={page()} fallback={<Loading />}>
        {(p) => (
          <Show when={p().items.length} fallback={<p class="empty">{t().none}</p>}>
            <div class="scroll">
              <table>
                <thead>
                  <tr>
                    <th scope="col">{t().kind}</th>
                    <th scope="col">{t().due}</th>
                    <th scope="col">{t().attempts}</th>
                    <th scope="col">{t().lastError}</th>
                    <th scope="col">{t().retrySend}</th>
                  </tr>
                </thead>
                <tbody>
                  <For each={p().items}>
                    {(n) => (
                      <tr>
                        <td>
                          {n.kind} ({n.status})
                        </td>
                        <td>{new Date(n.dueAt).toLocaleString(document.documentElement.lang)}</td>
                        <td>{n.attempts}</td>
                        <td>{n.lastError ?? ''}</td>
                        <td>
                          <Show when={n.status === 'dead'}>
                            <button type="button" onClick={() => void action.run(() => post(`/api/v1/reminders/${n.id}/retry`)).then(refetch)}>
                              {t().retrySend}
                            </button>
                          </Show>
                        </td>
                      </tr>
                    )}
                  </For>
                </tbody>
              </table>
            </div>
            <Show when={p().nextCursor}>
              <button type="button" onClick={() => setCursor(p().nextCursor!)}>
                {t().loadMore}
              </button>
            </Show>
          </Show>
        )}
      </Show>
    </Section>
  );
}

export default function Bookings() {
  const zone = () => me()?.tenant.timeZone ?? 'UTC';
  const [services, { refetch: reloadServices }] = createResource(() => all<Service>('/api/v1/services'));
  const [resources, { refetch: reloadResources }] = createResource(() => all<Resource>('/api/v1/resources'));
  return (
    <div class="page">
      <h1>{t().bookings}</h1>
      <Switch>
        <Match when={services.error || resources.error}>
          <ErrorNote error={services.error ?? resources.error} retry={() => (reloadServices(), reloadResources())} />
        </Match>
        <Match when={services() && resources()}>
          <Calendar zone={zone()} resources={resources()!} />
          <Services services={services()!} reload={() => void reloadServices()} />
          <Resources resources={resources()!} services={services()!} zone={zone()} reload={() => void reloadResources()} />
          <Overrides resources={resources()!} />
          <SettingsAndHolidays />
          <Outbox />
        </Match>
        <Match when={true}>
          <Loading />
        </Match>
      </Switch>
    </div>
  );
}
