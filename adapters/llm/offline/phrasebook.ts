/**
 * What a phrasebook holds: every sentence the offline model can say in one language. Sentences
 * that list tool results get the formatter (`Fmt`) so dates, times and prices read the shopper's
 * way; the writer (writer.ts) assembles orders and products from the `labels`.
 */
import type { Money, OrderStatus, Service, Slot } from '../core-tools.ts';

export type OfflineLang = 'en' | 'de';

export interface Phrasebook {
  greeting: string;
  thanks: string;
  bye: string;
  ack: string;
  help: string;
  refuseInstructions: string;
  askOrderDetails(missingNumber: boolean, missingEmail: boolean): string;
  /** "Order **#1001** is **shipped** (placed on 5 May 2026)." */
  orderHeadline(number: string, status: string, placedOn: string): string;
  orderNotFound: string;
  handoffRequested: string;
  handoffUnavailable: string;
  handoffNotOffered: string;
  /** While the conversation waits for a person (team online / offline). */
  waiting(teamOnline: boolean): string;
  /** Added under other answers while waiting. */
  waitingNote(teamOnline: boolean): string;
  bookingNotOffered: string;
  noServices: string;
  chooseService(services: Service[], fmt: Fmt): string;
  noSlots(serviceName: string | undefined): string;
  chooseSlot(serviceName: string | undefined, slots: Slot[], timeZone: string, fmt: Fmt): string;
  slotNotAvailable(slots: Slot[], timeZone: string, fmt: Fmt): string;
  proposal(p: { serviceName: string; start: string; end: string; timeZone: string }, fmt: Fmt): string;
  confirmOnCard: string;
  slotTaken: string;
  productsIntro: string;
  productsOutro: string;
  faqIntro: string;
  alsoProducts: string;
  nothingFound(query: string): string;
  productNotFound: string;
  searchNotOffered: string;
  toolFailed: string;
  orderStatus: Record<OrderStatus, string>;
  /** Words the writer puts into order and product answers. */
  labels: {
    /** "(was €99.00)" */
    was: string;
    /** "(sold out)" after a price */
    soldOut: string;
    /** "Available: S, M." */
    inStock: string;
    /** "Sold out: XL." */
    outOfStock: string;
    items: string;
    total: string;
    tracking: string;
  };
}

/** How the writer formats values for the shopper (one per turn, in the shopper's locale). */
export interface Fmt {
  money(m: Money): string;
  /** Day and time of an instant in the booking's zone: "Tue 5 May, 10:30". */
  slot(iso: string, timeZone: string): string;
  /** Time of an instant in the booking's zone: "10:30". */
  time(iso: string, timeZone: string): string;
  /** The calendar date an ISO string names: "5 May 2026". */
  date(iso: string): string;
}

/** "1. a\n2. b" */
export const numbered = (lines: string[]) => lines.map((l, i) => `${i + 1}. ${l}`).join('\n');
