/**
 * The planner: from the request alone (messages, offered tools, today) it decides the model's next
 * move: which tool to call with which arguments, or which answer to give (written by writer.ts).
 */
import { type LlmRequest } from '../../../core/chat/llm.port.ts';
import { CORE_TOOLS, type CoreToolName } from '../core-tools.ts';
import type { FindSlotsResult, Service, Slot } from '../core-tools.ts';
import {
  AFFIRMATIVE,
  BOOKING,
  extractEmail,
  extractOrderNumber,
  HUMAN,
  INJECTION,
  isOrderIntent,
  NEGATIVE,
  ORDER_STRONG,
  productAttributes,
  socialKind,
} from './analysis.ts';
import { outcome, searchHits, toTurns, type Step, type Turn } from './history.ts';
import { detectLanguage } from './language.ts';
import { extractQuery, STOPWORDS, translateWord } from './query.ts';
import { has, sameWord, str, words } from './text.ts';
import { isoParts, LATER, ordinalIndex, parseSlotWish, pick, wishedDate } from './when.ts';
import { MAX_SLOTS_SHOWN, voiceOf, writeSearchAnswer, writeSlotChoice, writeSlotNotAvailable, writeToolResult, type Voice } from './writer.ts';

export type Plan =
  | { kind: 'text'; text: string }
  | { kind: 'tools'; calls: Array<{ name: CoreToolName; args: Record<string, unknown> }>; firstCallNumber: number };

interface Ctx {
  /** The phrasebook and formatter of the conversation's language. */
  v: Voice;
  offered: Set<string>;
  turns: Turn[];
  turn: Turn;
  previous: Turn[];
  firstCallNumber: number;
  /** Today in the store's zone, when the core said (YYYY-MM-DD). */
  today?: string | undefined;
  /** The instructions say the shopper is a verified store customer (lookup_order needs no email for them). */
  verified: boolean;
}

const BOOKING_TOOLS = new Set<string>([CORE_TOOLS.listServices, CORE_TOOLS.findSlots, CORE_TOOLS.proposeBooking]);
const SEARCH_TOOLS = new Set<string>([CORE_TOOLS.searchProducts, CORE_TOOLS.searchFaq]);

/** Decides the next model turn from the request alone (pure; exported for tests and debugging). */
export function planOfflineTurn(request: LlmRequest): Plan {
  const turns = toTurns(request.messages);
  const lang = detectLanguage(
    turns.map((t) => t.user),
    request.locale,
  );
  const totalCalls = request.messages.reduce((n, m) => n + (m.role === 'assistant' ? (m.toolCalls?.length ?? 0) : 0), 0);
  const turn = turns.at(-1) ?? { user: '', steps: [] };
  const ctx: Ctx = {
    v: voiceOf(lang, request.locale),
    offered: new Set(request.tools.map((t) => t.name)),
    turns,
    turn,
    previous: turns.slice(0, -1),
    firstCallNumber: totalCalls + 1,
    today: request.today,
    // Read as a model reads its instructions; only this flag is taken from them, never text.
    verified: request.messages.some((m) => m.role === 'system' && typeof m.content === 'string' && m.content.includes('signed in to the store as a verified customer')),
  };
  if (request.waitingForHuman && turn.steps.length === 0) {
    // Waiting for a person: "Hello? Is anyone there?" gets the truth, not the generic line (issue #18).
    const text = turn.user.trim();
    const lower = text.toLowerCase().normalize('NFC');
    if (!text || has(HUMAN, lower) || socialKind(text) === 'greeting' || socialKind(text) === 'ack' || ANYONE_THERE.test(lower)) {
      return say(ctx.v.s.waiting(request.waitingForHuman.teamOnline));
    }
  }
  const plan = turn.steps.length > 0 ? afterTools(ctx) : onUserMessage(ctx);
  if (request.waitingForHuman && plan.kind === 'text') return say(`${plan.text}\n\n${ctx.v.s.waitingNote(request.waitingForHuman.teamOnline)}`);
  return plan;
}

const ANYONE_THERE = /\b(any(one|body)|some(one|body)) (there|here|around)\b|\bhello\?|\b(jemand|wer) (da|hier)\b|\bhallo\?/;

const say = (text: string): Plan => ({ kind: 'text', text });

function call(ctx: Ctx, ...calls: Array<{ name: CoreToolName; args: Record<string, unknown> }>): Plan {
  return { kind: 'tools', calls, firstCallNumber: ctx.firstCallNumber };
}

function handoff(ctx: Ctx, reason: string): Plan {
  return ctx.offered.has(CORE_TOOLS.handoff)
    ? call(ctx, { name: CORE_TOOLS.handoff, args: { reason: reason.slice(0, 200) } })
    : say(ctx.v.s.handoffNotOffered);
}

// ---------------------------------------------------------------- a new shopper message

function onUserMessage(ctx: Ctx): Plan {
  const text = ctx.turn.user.trim();
  const lower = text.toLowerCase().normalize('NFC');
  if (!text) return say(ctx.v.s.help);
  if (has(INJECTION, lower)) return say(ctx.v.s.refuseInstructions);
  if (has(HUMAN, lower)) return handoff(ctx, text);

  const booking = continueBooking(ctx, lower);
  if (booking) return booking;

  const order = orderPlan(ctx, text, lower);
  if (order) return order;

  if (has(BOOKING, lower)) {
    return ctx.offered.has(CORE_TOOLS.listServices) ? call(ctx, { name: CORE_TOOLS.listServices, args: {} }) : say(ctx.v.s.bookingNotOffered);
  }

  const social = socialKind(text);
  if (social) return say({ greeting: ctx.v.s.greeting, thanks: ctx.v.s.thanks, bye: ctx.v.s.bye, ack: ctx.v.s.ack }[social]);

  // "Yes" to "shall I connect you with a person?" after a search that found nothing.
  const prev = ctx.previous.at(-1);
  if (prev && AFFIRMATIVE.test(lower) && prev.steps.length > 0 && prev.steps.every((st) => SEARCH_TOOLS.has(st.call.name)) && searchHits(prev.steps).empty) {
    return handoff(ctx, `Shopper asked: ${prev.user}`);
  }

  const detail = productFollowUp(ctx, lower);
  if (detail) return detail;

  return search(ctx, text);
}

function search(ctx: Ctx, text: string): Plan {
  const attributes = productAttributes(text);
  const { query } = extractQuery(attributes.rest);
  if (!query) return say(ctx.v.s.help);
  const calls: Array<{ name: CoreToolName; args: Record<string, unknown> }> = [];
  const filters = { ...(attributes.size ? { size: attributes.size } : {}), ...(attributes.color ? { color: attributes.color } : {}) };
  if (ctx.offered.has(CORE_TOOLS.searchProducts)) calls.push({ name: CORE_TOOLS.searchProducts, args: { query, limit: 3, ...filters } });
  if (ctx.offered.has(CORE_TOOLS.searchFaq)) calls.push({ name: CORE_TOOLS.searchFaq, args: { query, limit: 2 } });
  if (!calls.length) return say(ctx.v.s.searchNotOffered);
  return call(ctx, ...calls);
}

// ---------------------------------------------------------------- orders

interface OrderContext {
  number?: string;
  email?: string;
}

/** The order conversation still open in the last few turns, if any. */
function previousOrderContext(ctx: Ctx): OrderContext | undefined {
  for (const t of [...ctx.previous].reverse().slice(0, 3)) {
    const lookup = [...t.steps].reverse().find((st) => st.call.name === CORE_TOOLS.lookupOrder);
    if (lookup) {
      const found = outcome(CORE_TOOLS.lookupOrder, lookup);
      if (found.ok && found.value.status === 'found') return undefined; // that one is answered
      return { number: str(lookup.args.orderNumber), email: str(lookup.args.email) };
    }
    if (t.steps.length > 0) return undefined;
    const lower = t.user.toLowerCase();
    if (isOrderIntent(lower, t.user)) return { number: extractOrderNumber(t.user), email: extractEmail(t.user) };
  }
  return undefined;
}

function orderPlan(ctx: Ctx, text: string, lower: string): Plan | undefined {
  const email = extractEmail(text);
  const intent = isOrderIntent(lower, text);
  const previous = previousOrderContext(ctx);
  const number = intent || previous ? extractOrderNumber(text) : undefined;
  if (!intent && !(previous && (email || number))) return undefined;
  if (!ctx.offered.has(CORE_TOOLS.lookupOrder)) return handoff(ctx, text);
  const orderNumber = number ?? previous?.number;
  const mail = email ?? previous?.email;
  // A verified customer's latest order needs neither number nor email: the core finds it.
  if (!orderNumber && ctx.verified) return call(ctx, { name: CORE_TOOLS.lookupOrder, args: mail ? { email: mail } : {} });
  if (!orderNumber) return say(ctx.v.s.askOrderDetails(true, !mail));
  // With a number the core decides: a verified customer needs no email; otherwise it asks for one.
  return call(ctx, { name: CORE_TOOLS.lookupOrder, args: { orderNumber, ...(mail ? { email: mail } : {}) } });
}

// ---------------------------------------------------------------- booking

interface BookingContext {
  /** The last booking step: where the conversation stands. */
  last: Step;
  /** The newest successful find_slots in the same booking conversation, for picking a time. */
  slots?: FindSlotsResult;
}

/** The booking conversation still open in the recent turns, if any. */
function bookingContext(ctx: Ctx): BookingContext | undefined {
  let last: Step | undefined;
  for (const t of [...ctx.previous].reverse().slice(0, 4)) {
    if (t.steps.length === 0) continue; // a re-ask in between keeps the context
    if (!BOOKING_TOOLS.has(t.steps.at(-1)!.call.name)) break;
    last ??= t.steps.at(-1)!;
    for (const st of [...t.steps].reverse()) {
      if (st.call.name !== CORE_TOOLS.findSlots) continue;
      const r = outcome(CORE_TOOLS.findSlots, st);
      if (r.ok && r.value.slots.length > 0) return { last, slots: r.value };
    }
  }
  return last ? { last } : undefined;
}

function continueBooking(ctx: Ctx, lower: string): Plan | undefined {
  const booking = bookingContext(ctx);
  if (!booking) return undefined;
  const step = booking.last;

  if (step.call.name === CORE_TOOLS.listServices) {
    const listed = outcome(CORE_TOOLS.listServices, step);
    if (!listed.ok || listed.value.items.length === 0) return undefined;
    const service = matchService(listed.value.items, lower);
    if (service) return findSlots(ctx, service.id, dayArgs(ctx, lower));
    return nothingElseSaid(lower) ? say(ctx.v.s.chooseService(listed.value.items, ctx.v.f)) : undefined;
  }

  if (step.call.name === CORE_TOOLS.proposeBooking) {
    const serviceId = str(step.args.serviceId);
    const proposed = outcome(CORE_TOOLS.proposeBooking, step);
    if (AFFIRMATIVE.test(lower)) {
      if (proposed.ok) return say(ctx.v.s.confirmOnCard);
      return serviceId ? findSlots(ctx, serviceId) : undefined; // "yes, show me the other times"
    }
    // "Monday instead" / "the third one": pick again from the times shown before.
    if (booking.slots && booking.slots.serviceId === serviceId) {
      const picked = pickSlot(ctx, booking.slots, lower);
      if (picked) return picked;
    }
    // "No, another time please": back to the free times of that service.
    if (serviceId && (NEGATIVE.test(lower) || has(LATER, lower))) return findSlots(ctx, serviceId);
    return undefined;
  }

  if (step.call.name === CORE_TOOLS.findSlots && booking.slots) {
    const { serviceId, slots } = booking.slots;
    if (has(LATER, lower)) {
      const last = isoParts(slots.at(-1)!.start)!;
      const next = new Date(Date.UTC(last.year, last.month - 1, last.day + 1));
      return findSlots(ctx, serviceId, { from: next.toISOString().slice(0, 10) });
    }
    const picked = pickSlot(ctx, booking.slots, lower);
    if (picked) return picked;
    return nothingElseSaid(lower) ? say(writeSlotChoice(ctx.v, serviceNameOf(ctx, serviceId), booking.slots)) : undefined;
  }
  return undefined;
}

/** A proposal for the slot the shopper described, a re-list when nothing fits, or nothing if no time was named. */
function pickSlot(ctx: Ctx, found: FindSlotsResult, lower: string): Plan | undefined {
  const choice = matchSlot(found.slots, lower, ctx.today);
  if (choice.slot) return proposeBooking(ctx, found.serviceId, choice.slot.start);
  // "Monday at 10" when the times shown were Friday's: look at that day instead of repeating them (issue #18).
  const date = wishedDate(parseSlotWish(lower), ctx.today);
  if (date && !found.slots.some((sl) => sl.start.slice(0, 10) === date)) return findSlots(ctx, found.serviceId, { from: date, days: 1 });
  if (choice.constrained) return say(writeSlotNotAvailable(ctx.v, found));
  return undefined;
}

/**
 * True when an unmatched reply mid-booking carries no other request ("hmm, which?", "Termin"),
 * so asking the booking question again is right; "do you have belts?" goes to search instead.
 */
function nothingElseSaid(lower: string): boolean {
  if (socialKind(lower) || has(ORDER_STRONG, lower) || has(HUMAN, lower)) return false;
  const rest = words(lower).filter((w) => !STOPWORDS.has(w) && !has(BOOKING, w));
  return rest.length === 0 || has(BOOKING, lower);
}

/** find_slots arguments for the day the shopper named ("Monday at 10", "morgen um 15 Uhr"), if any. */
function dayArgs(ctx: Ctx, text: string): Record<string, unknown> {
  const date = wishedDate(parseSlotWish(text.toLowerCase()), ctx.today);
  return date ? { from: date, days: 1 } : {};
}

function findSlots(ctx: Ctx, serviceId: string, extra: Record<string, unknown> = {}): Plan {
  return ctx.offered.has(CORE_TOOLS.findSlots)
    ? call(ctx, { name: CORE_TOOLS.findSlots, args: { serviceId, ...extra } })
    : say(ctx.v.s.bookingNotOffered);
}

function proposeBooking(ctx: Ctx, serviceId: string, start: string): Plan {
  return ctx.offered.has(CORE_TOOLS.proposeBooking)
    ? call(ctx, { name: CORE_TOOLS.proposeBooking, args: { serviceId, start } })
    : say(ctx.v.s.bookingNotOffered);
}


function matchService(services: Service[], lower: string): Service | undefined {
  const byPosition = pick(services, ordinalIndex(lower));
  if (byPosition) return byPosition;
  const userWords = words(lower).flatMap((w) => [w, ...(translateWord(w)?.split(' ') ?? [])]).filter((w) => !STOPWORDS.has(w));
  let best: Service | undefined;
  let bestScore = 0;
  let tie = false;
  for (const service of services) {
    const nameWords = words(service.name).filter((w) => !STOPWORDS.has(w));
    const score = nameWords.filter((nw) => userWords.some((uw) => sameWord(uw, nw))).length;
    if (score > bestScore) {
      best = service;
      bestScore = score;
      tie = false;
    } else if (score === bestScore && score > 0) tie = true;
  }
  return bestScore > 0 && !tie ? best : undefined;
}


function matchSlot(slots: Slot[], lower: string, today?: string): { slot?: Slot; constrained: boolean } {
  const wish = parseSlotWish(lower);
  const date = wishedDate(wish, today);
  const constrained = Object.keys(wish).length > 0;
  if (!constrained) {
    const slot = pick(slots.slice(0, MAX_SLOTS_SHOWN), ordinalIndex(lower));
    return { slot, constrained: false };
  }
  const fits = slots.filter((s) => {
    const p = isoParts(s.start);
    if (!p) return false;
    if (wish.hour !== undefined && (p.hour !== wish.hour || p.minute !== (wish.minute ?? 0))) return false;
    if (date !== undefined && s.start.slice(0, 10) !== date) return false;
    if (wish.weekday !== undefined && p.weekday !== wish.weekday) return false;
    if (wish.month !== undefined && p.month !== wish.month) return false;
    if (wish.day !== undefined && p.day !== wish.day) return false;
    if (wish.part === 'morning' && p.hour >= 12) return false;
    if (wish.part === 'midday' && (p.hour < 11 || p.hour >= 14)) return false;
    if (wish.part === 'afternoon' && (p.hour < 12 || p.hour >= 17)) return false;
    if (wish.part === 'evening' && p.hour < 17) return false;
    return true;
  });
  // "Tuesday, the second one": position within what fits.
  const slot = pick(fits, ordinalIndex(lower)) ?? fits[0];
  return { slot, constrained: true };
}

// ---------------------------------------------------------------- products

function productFollowUp(ctx: Ctx, lower: string): Plan | undefined {
  if (!ctx.offered.has(CORE_TOOLS.getProduct)) return undefined;
  const prev = ctx.previous.at(-1);
  const searched = prev?.steps.find((st) => st.call.name === CORE_TOOLS.searchProducts);
  if (!searched) return undefined;
  const result = outcome(CORE_TOOLS.searchProducts, searched);
  if (!result.ok || result.value.items.length === 0) return undefined;
  const shown = result.value.items.slice(0, 3);
  let product = pick(shown, ordinalIndex(lower));
  if (!product) {
    const wanted = words(lower).filter((w) => !STOPWORDS.has(w));
    const wantsDetail = /\b(more|details?|about|tell|sizes?|mehr|details?|über|größen?|erzähl\w*|infos?)\b/.test(lower);
    const named = shown.filter((p) => words(p.title).some((tw) => wanted.some((w) => sameWord(w, tw))));
    if (wantsDetail && named.length === 1) product = named[0];
  }
  return product ? call(ctx, { name: CORE_TOOLS.getProduct, args: { id: product.id } }) : undefined;
}


function serviceNameOf(ctx: Ctx, serviceId: string): string | undefined {
  for (const t of [...ctx.turns].reverse()) {
    for (const st of [...t.steps].reverse()) {
      if (st.call.name !== CORE_TOOLS.listServices) continue;
      const r = outcome(CORE_TOOLS.listServices, st);
      const hit = r.ok ? r.value.items.find((i) => i.id === serviceId) : undefined;
      if (hit) return hit.name;
    }
  }
  return undefined;
}


// ---------------------------------------------------------------- after tool results

function afterTools(ctx: Ctx): Plan {
  const last = ctx.turn.steps.at(-1)!;
  if (SEARCH_TOOLS.has(last.call.name)) return afterSearch(ctx);
  if (last.call.name === CORE_TOOLS.listServices) {
    const r = outcome(CORE_TOOLS.listServices, last);
    const items = r.ok ? r.value.items : [];
    // The shopper may have named the service already ("book a suit fitting"), or there is only one.
    const chosen = items.length === 1 ? items[0] : matchService(items, ctx.turn.user.toLowerCase());
    if (chosen) return findSlots(ctx, chosen.id, dayArgs(ctx, ctx.turn.user));
  }
  if (last.call.name === CORE_TOOLS.findSlots) {
    const r = outcome(CORE_TOOLS.findSlots, last);
    // "Book a fitting on Tuesday at 10:30" needs no second question when exactly that is free.
    if (r.ok && r.value.slots.length > 0 && parseSlotWish(ctx.turn.user.toLowerCase()).hour !== undefined) {
      const choice = matchSlot(r.value.slots, ctx.turn.user.toLowerCase(), ctx.today);
      if (choice.slot) return proposeBooking(ctx, r.value.serviceId, choice.slot.start);
    }
    return say(writeToolResult(ctx.v, last, r.ok ? serviceNameOf(ctx, r.value.serviceId) : undefined));
  }
  return say(writeToolResult(ctx.v, last));
}

function afterSearch(ctx: Ctx): Plan {
  const lastRound = Math.max(...ctx.turn.steps.map((st) => st.round));
  const steps = ctx.turn.steps.filter((st) => st.round === lastRound && SEARCH_TOOLS.has(st.call.name));
  const hits = searchHits(steps);
  const asked = str(steps[0]?.args.query) ?? extractQuery(ctx.turn.user).query;

  if (hits.empty) {
    // Second try in the catalog's language (German words → English), once per message.
    const { translated } = extractQuery(ctx.turn.user);
    const rounds = new Set(ctx.turn.steps.filter((st) => SEARCH_TOOLS.has(st.call.name)).map((st) => st.round));
    if (translated && rounds.size < 2 && translated !== asked) {
      return call(
        ctx,
        ...steps.map((st) => ({ name: st.call.name as CoreToolName, args: { ...st.args, query: translated } })),
      );
    }
    return say(hits.failed ? ctx.v.s.toolFailed : ctx.v.s.nothingFound(extractQuery(ctx.turn.user).query || ctx.turn.user));
  }
  const q = words(`${asked} ${extractQuery(ctx.turn.user).translated ?? ''}`).filter((w) => !STOPWORDS.has(w));
  return say(writeSearchAnswer(ctx.v, hits, q));
}
