/**
 * Analytics: summary cards for a range, a chart of the daily series (uPlot, imported only here),
 * the same numbers as a table, and the CSV export.
 */
import { createEffect, createResource, createSignal, For, onCleanup, Show } from 'solid-js';
import type { AnalyticsSummary, AnalyticsTimeseries } from '../../../../core/wire/merchant.ts';
import { download, get } from '../api.ts';
import { embedded } from '../embedded.ts';
import { me } from '../session.ts';
import { t } from '../i18n/index.ts';
import { ErrorNote, Field, Loading, Section } from '../ui.tsx';

/**
 * The calendar date (YYYY-MM-DD) of an instant in the store's zone: the API reads `from`/`to` there,
 * so "today" is the store's today, not the browser's (nor UTC's, which differ around midnight).
 */
function dateInZone(at: Date, timeZone: string): string {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(at).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day}`;
}
const daysBefore = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10);
const CARDS = ['conversations', 'messages', 'visitors', 'bookings', 'bookingConversion', 'csat', 'tokens', 'estimatedCostUsd', 'averageResponseMs', 'handoffRate', 'errorRate'] as const;

function format(key: (typeof CARDS)[number], s: AnalyticsSummary): string {
  const lang = document.documentElement.lang;
  const v = s[key];
  if (v === null || v === undefined) return '—';
  if (key === 'bookingConversion' || key === 'csat' || key === 'handoffRate' || key === 'errorRate') return new Intl.NumberFormat(lang, { style: 'percent', maximumFractionDigits: 1 }).format(v);
  if (key === 'estimatedCostUsd') return new Intl.NumberFormat(lang, { style: 'currency', currency: 'USD' }).format(v);
  if (key === 'averageResponseMs') return `${new Intl.NumberFormat(lang, { maximumFractionDigits: 0 }).format(v)} ms`;
  return new Intl.NumberFormat(lang).format(v);
}

function Chart(props: { series: AnalyticsTimeseries }) {
  let host: HTMLDivElement | undefined;
  let plot: { destroy(): void } | undefined;
  const [failed, setFailed] = createSignal<unknown>(null);
  createEffect(() => {
    const s = props.series;
    const labels = [t().metrics.conversations!, t().metrics.bookings!];
    void Promise.all([import('uplot'), import('uplot/dist/uPlot.min.css')])
      .then(([{ default: UPlot }]) => {
        plot?.destroy();
        const xs = s.points.map((p) => Date.parse(p.at) / 1000);
        const width = Math.max(240, Math.min(900, host?.clientWidth ?? 600));
        plot = new UPlot(
          {
            width,
            height: 260,
            tzDate: (ts: number) => UPlot.tzDate(new Date(ts * 1000), s.timeZone),
            series: [{}, { label: labels[0], stroke: '#1d4ed8', width: 2 }, { label: labels[1], stroke: '#b45309', width: 2 }],
            axes: [{}, { label: '' }],
          },
          [xs, s.points.map((p) => p.conversations), s.points.map((p) => p.bookings)],
          host!,
        );
      })
      .catch(setFailed);
  });
  onCleanup(() => plot?.destroy());
  return (
    <figure class="chart">
      <div ref={host} role="img" aria-label={t().chartTitle} />
      <figcaption>{t().chartTitle}</figcaption>
      <ErrorNote error={failed()} />
    </figure>
  );
}

export default function Analytics() {
  const today = dateInZone(new Date(), me()?.tenant.timeZone ?? 'UTC');
  const [from, setFrom] = createSignal(daysBefore(today, 29));
  const [to, setTo] = createSignal(today);
  const [range, setRange] = createSignal({ from: from(), to: to() });
  const [summary, { refetch: rs }] = createResource(range, (r) => get<AnalyticsSummary>('/api/v1/analytics/summary', r));
  const [series, { refetch: rt }] = createResource(range, (r) => get<AnalyticsTimeseries>('/api/v1/analytics/timeseries', { ...r, interval: 'day' }));
  const [downloadError, setDownloadError] = createSignal<unknown>();
  const csv = () => `/api/v1/analytics/export.csv?from=${range().from}&to=${range().to}`;
  return (
    <div class="page">
      <h1>{t().analytics}</h1>
      <form
        class="row"
        aria-label={t().range}
        onSubmit={(e) => {
          e.preventDefault();
          setRange({ from: from(), to: to() });
        }}
      >
        <Field label={t().from} type="date" value={from()} onInput={setFrom} />
        <Field label={t().to} type="date" value={to()} onInput={setTo} />
        <button type="submit">{t().apply}</button>
        <a
          href={csv()}
          download="analytics.csv"
          class="button-link"
          onClick={(e) => {
            // Inside a platform's admin the link has no cookie to go with it: fetch with the session token instead.
            if (!embedded) return;
            e.preventDefault();
            setDownloadError(undefined);
            download(csv(), 'analytics.csv').catch(setDownloadError);
          }}
        >
          {t().downloadCsv}
        </a>
      </form>
      <ErrorNote error={summary.error ?? series.error ?? downloadError()} retry={() => (rs(), rt())} />
      <Show when={summary()} fallback={<Show when={!summary.error}><Loading /></Show>}>
        {(s) => (
          <div class="grid" role="list" aria-label={t().analytics}>
            <For each={CARDS}>
              {(key) => (
                <div class="stat" role="listitem" data-metric={key}>
                  <span>{t().metrics[key]}</span>
                  <span class="v">{format(key, s())}</span>
                </div>
              )}
            </For>
          </div>
        )}
      </Show>
      <Show when={series()}>
        {(s) => (
          <Section title={t().chartTitle}>
            <Chart series={s()} />
            <details>
              <summary>{t().dataTable}</summary>
              <div class="scroll">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">{t().day}</th>
                      <th scope="col">{t().metrics.conversations}</th>
                      <th scope="col">{t().metrics.bookings}</th>
                    </tr>
                  </thead>
                  <tbody>
                    <For each={s().points}>
                      {(p) => (
                        <tr>
                          <td>{p.at.slice(0, 10)}</td>
                          <td>{p.conversations}</td>
                          <td>{p.bookings}</td>
                        </tr>
                      )}
                    </For>
                  </tbody>
                </table>
              </div>
            </details>
          </Section>
        )}
      </Show>
    </div>
  );
}
