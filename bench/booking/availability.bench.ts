// Availability budget (design §13): 60 days × 10 resources × 1,000 bookings, p95 ≤ 30 ms.
// Prints figures only; never part of the pass/fail suite. Run: npx tsx bench/booking/availability.bench.ts
import { computeAvailability, type AvailabilityQuery, type BusyInterval } from '../../core/booking/availability.ts';
import { report } from '../report.ts';

const DAYS = 60;
const RESOURCES = 10;
const BOOKINGS_PER_RESOURCE = 1_000;
const RUNS = 200;
const BUDGET_P95_MS = 30;

// Deterministic PRNG so every run measures the same data (mulberry32).
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const zones = ['Europe/Berlin', 'America/New_York'];
const day = { start: '08:00', end: '20:00' };
const lunchDay = [{ start: '08:00', end: '12:30' }, { start: '13:15', end: '20:00' }];
const now = new Date('2026-02-02T06:00:00Z');
const from = new Date('2026-02-02T00:00:00Z');
const to = new Date(from.getTime() + DAYS * 86_400_000); // spans the March DST changes of both zones

const resources = Array.from({ length: RESOURCES }, (_, i) => ({
  id: `r${i}`,
  timeZone: zones[i % zones.length]!,
  weeklyHours: { mon: [day], tue: lunchDay, wed: [day], thu: lunchDay, fri: [day], sat: [{ start: '10:00', end: '16:00' }] },
  overrides: [{ date: '2026-02-16', intervals: [] }, { date: '2026-03-07', intervals: [{ start: '10:00', end: '14:00' }] }],
}));

// 1,000 bookings per resource: 30-minute appointments (incl. buffers) on distinct half-hours across
// the 60 days, around the clock so the busy list is as long as asked whatever the working hours.
function bookingsFor(resourceId: string, rand: () => number): BusyInterval[] {
  const halfHours = DAYS * 48;
  const picked = new Set<number>();
  while (picked.size < BOOKINGS_PER_RESOURCE) picked.add(Math.floor(rand() * halfHours));
  return [...picked].map((h) => ({
    resourceId,
    start: new Date(from.getTime() + h * 1_800_000),
    end: new Date(from.getTime() + (h + 1) * 1_800_000),
    serviceId: rand() < 0.5 ? 'svc' : 'other',
  }));
}
const rand = rng(42);
const busy = resources.flatMap((r) => bookingsFor(r.id, rand)).sort(() => rand() - 0.5);

const service = {
  id: 'svc',
  durationMinutes: 30,
  bufferBeforeMinutes: 5,
  bufferAfterMinutes: 10,
  slotStepMinutes: 15,
  minNoticeMinutes: 120,
  maxAdvanceDays: 90,
};

function measure(query: AvailabilityQuery): { p50: number; p95: number; max: number; slots: number } {
  for (let i = 0; i < 20; i++) computeAvailability(query); // warm-up (JIT, zone offset cache)
  const times: number[] = [];
  let slots = 0;
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    slots = computeAvailability(query).length;
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const q = (p: number) => times[Math.min(times.length - 1, Math.ceil(p * times.length) - 1)]!;
  return { p50: q(0.5), p95: q(0.95), max: times[times.length - 1]!, slots };
}

// The very first call pays for JIT compilation and for filling the per-day zone offset cache.
const t0 = performance.now();
computeAvailability({ service, resources, busy, window: { from, to }, now });
const firstCall = performance.now() - t0;

const base = measure({ service, resources, busy: [], window: { from, to }, now });
const loaded = measure({ service, resources, busy, window: { from, to }, now });
const fmt = (n: number) => n.toFixed(2).padStart(7);
console.log(`availability: ${DAYS} days × ${RESOURCES} resources × ${BOOKINGS_PER_RESOURCE} bookings each (${busy.length} busy), ${RUNS} runs`);
console.log(`  no bookings (baseline)  p50 ${fmt(base.p50)} ms  p95 ${fmt(base.p95)} ms  max ${fmt(base.max)} ms  slots ${base.slots}`);
console.log(`  with bookings           p50 ${fmt(loaded.p50)} ms  p95 ${fmt(loaded.p95)} ms  max ${fmt(loaded.max)} ms  slots ${loaded.slots}`);
console.log(`  first call (cold)       ${fmt(firstCall)} ms`);
console.log(`  p95 ratio to baseline ${(loaded.p95 / base.p95).toFixed(2)}×; budget p95 ≤ ${BUDGET_P95_MS} ms: ${loaded.p95 <= BUDGET_P95_MS ? 'within' : 'OVER'}`);
report('availability', [{ budget: `availability ${DAYS} d × ${RESOURCES} resources × ${BOOKINGS_PER_RESOURCE} bookings p95 ≤ ${BUDGET_P95_MS} ms`, measured: loaded.p95, unit: 'ms', baseline: base.p95, baselineName: 'no bookings p95', ratio: loaded.p95 / base.p95, within: loaded.p95 <= BUDGET_P95_MS }]);
