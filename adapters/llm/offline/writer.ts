/**
 * The writer: turns tool results into the answer the shopper reads, with the phrasebook of the
 * conversation's language. It states only what the results say; the planner decides when to write.
 */
import { formatDate, formatDateTime, formatLocale, formatTime } from '../../../core/wire/datetime.ts';
import { CORE_TOOLS, type FindSlotsResult, type Order, type Product, type SearchFaqResult } from '../core-tools.ts';
import { outcome, type SearchHits, type Step } from './history.ts';
import { PHRASEBOOKS } from './language.ts';
import type { Fmt, OfflineLang, Phrasebook } from './phrasebook.ts';
import { sameWord, words } from './text.ts';
import { isoParts } from './when.ts';

/** The phrasebook and the formatter of one conversation. */
export interface Voice {
  s: Phrasebook;
  f: Fmt;
}

export function voiceOf(lang: OfflineLang, shopperLocale?: string): Voice {
  return { s: PHRASEBOOKS[lang], f: formatter(lang, shopperLocale) };
}

export const MAX_SLOTS_SHOWN = 6;

/**
 * Dates, times and prices as the shopper reads them: the shared formatter (core/wire/datetime.ts)
 * with the shopper's locale when it is in the conversation's language; with no locale known,
 * 24-hour international English or German.
 */
export function formatter(lang: OfflineLang, shopperLocale?: string): Fmt {
  const locale = shopperLocale && shopperLocale.toLowerCase().split(/[-_]/)[0] === lang ? formatLocale(shopperLocale) : NO_LOCALE[lang];
  return {
    money: (m) => {
      try {
        return new Intl.NumberFormat(lang === 'de' ? 'de-DE' : 'en-US', { style: 'currency', currency: m.currency }).format(Number(m.amount));
      } catch {
        return `${m.amount} ${m.currency}`;
      }
    },
    slot: (iso, timeZone) => (isoParts(iso) ? formatDateTime(iso, locale, timeZone) : iso),
    time: (iso, timeZone) => (isoParts(iso) ? formatTime(iso, locale, timeZone) : iso),
    date: (iso) => (isoParts(iso) ? formatDate(iso, locale) : iso),
  };
}

const NO_LOCALE: Record<OfflineLang, string> = { en: 'en-GB', de: 'de-DE' };

function firstSentence(text: string, max = 140): string {
  const t = text.replace(/\s+/g, ' ').trim();
  const m = /^(.+?[.!?])(\s|$)/.exec(t);
  const s = m ? m[1]! : t;
  return s.length <= max ? s : `${s.slice(0, max - 1).replace(/\s+\S*$/, '')}…`;
}

/** "**Title** — €89.00 (was €99.00) (sold out)" */
function priceLine({ s, f }: Voice, p: Product, withCompareAt: boolean): string {
  const was = withCompareAt && p.compareAtPrice ? ` (${s.labels.was} ${f.money(p.compareAtPrice)})` : '';
  return `**${p.title}** — ${f.money(p.price)}${was}${p.available === false ? ` (${s.labels.soldOut})` : ''}`;
}

function productLine(v: Voice, p: Product): string {
  return `${priceLine(v, p, true)}: ${firstSentence(p.description)}`;
}

function productDetails(v: Voice, p: Product): string {
  const lines = [priceLine(v, p, false), p.description];
  const variants = p.variants ?? [];
  const inStock = variants.filter((x) => x.available !== false).map((x) => x.title);
  const out = variants.filter((x) => x.available === false).map((x) => x.title);
  if (inStock.length) lines.push(`${v.s.labels.inStock}: ${inStock.join(', ')}.`);
  if (out.length) lines.push(`${v.s.labels.outOfStock}: ${out.join(', ')}.`);
  if (p.url) lines.push(p.url);
  return lines.join('\n');
}

function orderFound({ s, f }: Voice, o: Order): string {
  const lines = [s.orderHeadline(o.number, s.orderStatus[o.status], f.date(o.placedAt))];
  if (o.items.length) lines.push(`${s.labels.items}: ${o.items.map((i) => `${i.quantity} × ${i.title}`).join(', ')}.`);
  lines.push(`${s.labels.total}: ${f.money(o.total)}.`);
  for (const t of o.tracking ?? []) lines.push(`${s.labels.tracking}: ${[t.company, t.number].filter(Boolean).join(' ')}${t.url ? ` — ${t.url}` : ''}`);
  return lines.join('\n');
}

function overlap(queryWords: string[], text: string, weight: number): number {
  const ws = words(text);
  return queryWords.filter((q) => ws.some((w) => sameWord(q, w))).length * weight;
}

/** The answer to a search: the best FAQ entry or up to three products, whichever fits the question better. */
export function writeSearchAnswer(v: Voice, hits: SearchHits, queryWords: string[]): string {
  const q = queryWords;
  const score = (f: SearchFaqResult['items'][number]) => overlap(q, f.question, 2) + overlap(q, f.answer, 1);
  const productScore = Math.max(0, ...hits.products.map((p) => overlap(q, p.title, 2) + overlap(q, p.description, 1)));
  const faqScore = Math.max(0, ...hits.faq.map(score));
  const bestFaq = [...hits.faq].sort((a, b) => score(b) - score(a))[0];
  const products = hits.products.slice(0, 3);

  const productBlock = () => products.map((p) => `- ${productLine(v, p)}`).join('\n');
  if (bestFaq && (products.length === 0 || faqScore > productScore)) {
    const parts = [`${v.s.faqIntro}\n**${bestFaq.question}**\n${bestFaq.answer}`];
    if (products.length && productScore > 0) parts.push(`${v.s.alsoProducts}\n${productBlock()}`);
    return parts.join('\n\n');
  }
  return `${v.s.productsIntro}\n${productBlock()}\n${v.s.productsOutro}`;
}

/**
 * The answer to the result of the last tool call (all tools but the searches). `serviceName` names
 * the service of a find_slots result; `slots` is that result when the planner wants the choice asked.
 */
export function writeToolResult(v: Voice, last: Step, serviceName?: string): string {
  const { s, f } = v;
  switch (last.call.name) {
    case CORE_TOOLS.getProduct: {
      const r = outcome(CORE_TOOLS.getProduct, last);
      if (!r.ok) return s.toolFailed;
      return r.value.status === 'found' ? productDetails(v, r.value.product) : s.productNotFound;
    }
    case CORE_TOOLS.lookupOrder: {
      const r = outcome(CORE_TOOLS.lookupOrder, last);
      if (!r.ok) return s.toolFailed;
      const res = r.value;
      if (res.status === 'found') return orderFound(v, res.order);
      if (res.status === 'not_found') return s.orderNotFound;
      return s.askOrderDetails(res.missing.includes('orderNumber'), res.missing.includes('email'));
    }
    case CORE_TOOLS.handoff: {
      const r = outcome(CORE_TOOLS.handoff, last);
      return r.ok && r.value.status === 'requested' ? s.handoffRequested : s.handoffUnavailable;
    }
    case CORE_TOOLS.listServices: {
      const r = outcome(CORE_TOOLS.listServices, last);
      if (!r.ok) return s.toolFailed;
      return r.value.items.length === 0 ? s.noServices : s.chooseService(r.value.items, f);
    }
    case CORE_TOOLS.findSlots: {
      const r = outcome(CORE_TOOLS.findSlots, last);
      if (!r.ok) return s.toolFailed;
      return r.value.slots.length === 0 ? s.noSlots(serviceName) : writeSlotChoice(v, serviceName, r.value);
    }
    case CORE_TOOLS.proposeBooking: {
      const r = outcome(CORE_TOOLS.proposeBooking, last);
      if (r.ok) return s.proposal(r.value.proposal, f);
      return r.code === 'SLOT_TAKEN' || r.code === 'NOT_AVAILABLE' ? s.slotTaken : s.toolFailed;
    }
    default:
      // A plugin tool: it failed, or we cannot read its result; say nothing we do not know.
      return s.toolFailed;
  }
}

/** "These times are free …" with the first few slots found. */
export function writeSlotChoice(v: Voice, serviceName: string | undefined, found: FindSlotsResult): string {
  return v.s.chooseSlot(serviceName, found.slots.slice(0, MAX_SLOTS_SHOWN), found.timeZone, v.f);
}

/** "That time isn't available. These times are free …" */
export function writeSlotNotAvailable(v: Voice, found: FindSlotsResult): string {
  return v.s.slotNotAvailable(found.slots.slice(0, MAX_SLOTS_SHOWN), found.timeZone, v.f);
}
