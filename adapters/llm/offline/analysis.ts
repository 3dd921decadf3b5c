/**
 * Intent and slot analysis of one shopper message: what it asks for (search, order, booking,
 * handoff, small talk, an injection attempt) and the details it carries (order number, email,
 * size, colour, day and time). The planner uses these pieces; `analyzeMessage` shows them together.
 */
import { extractQuery } from './query.ts';
import { has, words } from './text.ts';
import { monthNumber, parseSlotWish, wishedDate } from './when.ts';

export const INJECTION =
  /system ?-?prompt|(ignore|disregard|forget|override)\b.{0,40}\b(instruction|rule|prompt|guideline)|(reveal|show|print|repeat|output|display|tell me|give me|what (is|are))\b.{0,40}\b(your|the)\b.{0,20}\b(instruction|prompt|guideline|configuration)|developer mode|jailbreak|(ignorier|vergiss|vergessen)\w*\b.{0,40}\b(anweisung|regel|instruktion|vorgabe)|(zeig|gib|nenn|wiederhol|verrat)\w*\b.{0,40}\b(anweisung|prompt|instruktion|vorgabe)/;

export const HUMAN =
  /\b(human|humans|real person|live agent|agent|representative|operator|customer service|support team|staff member|mitarbeiter\w*|mensch\w*|kundenservice|kundendienst|support-mitarbeiter)\b|\b(talk|speak|chat|connect|reach)\b.{0,30}\b(someone|somebody|person|people)\b|\b(sprechen|reden|verbinden)\b.{0,30}\b(person|jemandem|jemand)\b|\b(person|jemandem|jemand)\b.{0,30}\b(sprechen|reden|verbinden)\b/;

export const BOOKING =
  /\b(appointments?|booking|bookings|schedule|scheduling|reserve|reservation|consultation|fitting|termine?n?|terminbuchung|buchen|gebucht|vereinbaren|beratung\w*|reservier\w*|anprobe\w*)\b|(?<!\b(a|the|this|that|my|your|new|good)\s)\bbook\b(?!s)(?=\s+(a|an|me|my|the|in|for|it|one|some|now|this|that|appointment)\b|\s*[.!?]*$)/;

/** Clear signs the shopper means an existing order. */
export const ORDER_STRONG =
  /\b(my|our|the) (order|package|parcel|shipment)\b|\border\s*(status|number|no\b|nr\b|#|\d)|#\s?\d{3,}|\bwhere('s| is| are)\b.{0,30}\b(order|package|parcel|delivery|stuff|items?)\b|\btrack(ing)?\b|\bbestellung\w*|\bbestellnummer|\bsendung\w*|\bmeine?[nrm]? (lieferung|paket|päckchen)|\bwo (ist|bleibt)\b.{0,30}\b(lieferung|paket|bestellung|sendung)/;
const ORDER_WEAK = /\b(order|delivery|shipped|lieferung|paket|geliefert|versandt)\b/;
/** Policy questions that mention orders are FAQ material, not a lookup. */
const POLICY = /\b(return|returns|refund|exchange|cancel|policy|rückgabe|zurückgeben|zurücksenden|umtausch\w*|stornier\w*|erstattung|widerruf\w*)\b/;

const GREETING_WORDS =
  /\b(hi|hello|hey|hiya|howdy|yo|good (morning|afternoon|evening|day)|hallo|moin|servus|grüß gott|gruess gott|guten (morgen|tag|abend)|hallöchen|na)\b/g;
const THANKS_WORDS = /\b(thanks|thank you|thank u|thx|cheers|ty|danke( schön| sehr)?|vielen dank|merci|dankeschön)\b/g;
const BYE_WORDS = /\b(bye|goodbye|good bye|see you|ciao|tschüss|tschüs|auf wiedersehen|bis bald|ade)\b/g;
const ACK_WORDS = /\b(ok|okay|great|perfect|super|cool|nice|fine|alright|alles klar|perfekt|prima|passt|toll|gut)\b/g;
const FILLER = /\b(there|again|so much|a lot|very much|all|everyone|folks|team|you|for|your help|the help|für|die|ihre|deine|hilfe|and|und|sehr|so)\b/g;

export const AFFIRMATIVE = /^\s*(yes|yeah|yep|yup|sure|ok|okay|please|please do|go ahead|do it|ja|jawohl|gerne?|bitte|ok bitte|ja bitte|ja gerne|klar|genau|passt|einverstanden|mach das|machen sie das)\b/;

export const NEGATIVE = /^\s*(no|nope|not that|nein|lieber nicht|doch nicht|eher nicht)\b|\b(different|another|other|andere[nrms]?|anderen)\b.{0,20}\b(time|day|slot|zeit|tag|termin)/;

type Social = 'greeting' | 'thanks' | 'bye' | 'ack';

export function socialKind(text: string): Social | undefined {
  const t = text.toLowerCase().normalize('NFC');
  const kinds: Array<[Social, RegExp]> = [
    ['thanks', THANKS_WORDS],
    ['bye', BYE_WORDS],
    ['greeting', GREETING_WORDS],
    ['ack', ACK_WORDS],
  ];
  let rest = t;
  let found: Social | undefined;
  for (const [kind, re] of kinds) {
    if (new RegExp(re.source).test(rest)) {
      found ??= kind;
      rest = rest.replace(re, ' ');
    }
  }
  if (!found) return undefined;
  const leftover = rest.replace(FILLER, ' ').replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
  return leftover.split(/\s+/).filter(Boolean).length <= 1 ? found : undefined;
}

const EMAIL = /[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/;

export function extractEmail(text: string): string | undefined {
  return EMAIL.exec(text)?.[0];
}

export function extractOrderNumber(text: string): string | undefined {
  const t = text.replace(new RegExp(EMAIL.source, 'g'), ' ');
  const hash = /#\s?([A-Za-z0-9-]*\d[A-Za-z0-9-]*)/.exec(t);
  if (hash) return hash[1];
  const labelled =
    /\b(?:order|bestellung|bestellnummer|order number|number|nummer|nr|no)\.?\s*(?:is|ist|lautet)?\s*:?\s*#?\s*([A-Za-z]{0,4}-?\d[\dA-Za-z-]*)/i.exec(t);
  if (labelled) return labelled[1];
  return /\b(\d{3,12})\b/.exec(t)?.[1];
}

export function isOrderIntent(lower: string, text: string): boolean {
  if (/^\s*#?\s*\d{3,12}\s*[.!?]?\s*$/.test(text)) return true; // a bare number is an order number
  const details = Boolean(extractEmail(text)) || /#\s?\d|\b\d{3,}\b/.test(text);
  if (has(POLICY, lower) && !details) return false;
  return has(ORDER_STRONG, lower) || (has(ORDER_WEAK, lower) && details);
}

// ---------------------------------------------------------------- product attributes

const COLOURS: Array<[RegExp, string]> = [
  [/\b(black|schwarz(e[nrms]?)?)\b/, 'black'],
  [/\b(white|wei(ß|ss)(e[nrms]?)?)\b/, 'white'],
  [/\b(navy|dunkelblau(e[nrms]?)?|marineblau(e[nrms]?)?|marine)\b/, 'navy'],
  [/\b(blue|blau(e[nrms]?)?)\b/, 'blue'],
  [/\b(red|rot(e[nrms]?)?)\b/, 'red'],
  [/\b(green|grün(e[nrms]?)?|gruen(e[nrms]?)?)\b/, 'green'],
  [/\b(olive|oliv(e[nrms]?)?|olivgrün(e[nrms]?)?)\b/, 'olive'],
  [/\b(gr[ae]y|grau(e[nrms]?)?)\b/, 'grey'],
  [/\b(brown|braun(e[nrms]?)?)\b/, 'brown'],
  [/\b(beige)\b/, 'beige'],
  [/\b(yellow|gelb(e[nrms]?)?)\b/, 'yellow'],
  [/\b(orange)\b/, 'orange'],
  [/\b(pink|rosa)\b/, 'pink'],
  [/\b(purple|lila|violett(e[nrms]?)?)\b/, 'purple'],
  [/\b(cognac)\b/, 'cognac'],
];
const SIZE_WORD = '(xxs|xs|s|m|l|xl|xxl|xxxl|\\d{2}(?:[.,]5)?)';
const SIZE_LABELLED = new RegExp(`\\b(?:in\\s+)?(?:size|gr(?:ö|oe)(?:ß|ss)e|gr\\.)\\s*${SIZE_WORD}\\b`);
const SIZE_BARE = /\bin\s+(xxs|xs|s|m|l|xl|xxl|xxxl)\b/;

/** Size and colour a shopper named ("rain shell in size L", "schwarze Stiefel Größe 42"), and the text without them. */
export function productAttributes(text: string): { size?: string; color?: string; rest: string } {
  let rest = ` ${text.toLowerCase().normalize('NFC')} `;
  const out: { size?: string; color?: string } = {};
  const sized = SIZE_LABELLED.exec(rest) ?? SIZE_BARE.exec(rest);
  if (sized) {
    out.size = sized[1]!.toUpperCase().replace(',', '.');
    rest = rest.replace(sized[0], ' ');
  }
  for (const [re, colour] of COLOURS) {
    const m = re.exec(rest);
    if (m) {
      out.color = colour;
      rest = rest.replace(m[0], ' ');
      break;
    }
  }
  return { ...out, rest: rest.replace(/\s+/g, ' ').trim() };
}

// ---------------------------------------------------------------- one message on its own

export type OfflineIntent = 'booking' | 'order' | 'handoff' | 'search' | 'greeting' | 'thanks' | 'bye' | 'ack' | 'injection' | 'help';

export interface MessageAnalysis {
  intent: OfflineIntent;
  slots: { date?: string; time?: string; size?: string; color?: string; orderNumber?: string; email?: string; query?: string };
}

/**
 * What the offline model reads from one shopper message on its own (no history): the intent and
 * its slots. The planner uses the same pieces; tests/fixtures/offline-intents.json measures them.
 */
export function analyzeMessage(text: string, options: { today?: string } = {}): MessageAnalysis {
  const lower = text.toLowerCase().normalize('NFC').trim();
  if (!lower) return { intent: 'help', slots: {} };
  if (has(INJECTION, lower)) return { intent: 'injection', slots: {} };
  if (has(HUMAN, lower)) return { intent: 'handoff', slots: {} };
  if (isOrderIntent(lower, text)) {
    const orderNumber = extractOrderNumber(text);
    const email = extractEmail(text);
    return { intent: 'order', slots: { ...(orderNumber ? { orderNumber } : {}), ...(email ? { email } : {}) } };
  }
  const wish = parseSlotWish(lower);
  const date = wishedDate(wish, options.today);
  const time = wish.hour !== undefined ? `${String(wish.hour).padStart(2, '0')}:${String(wish.minute ?? 0).padStart(2, '0')}` : undefined;
  const when = { ...(date ? { date } : {}), ...(time ? { time } : {}) };
  if (has(BOOKING, lower)) return { intent: 'booking', slots: when };
  const social = socialKind(text);
  if (social) return { intent: social, slots: {} };
  const attributes = productAttributes(text);
  const { query } = extractQuery(attributes.rest);
  if ((date || time || wish.weekday !== undefined) && !withoutTimeWords(query)) return { intent: 'booking', slots: when };
  const slots: MessageAnalysis['slots'] = { ...(attributes.size ? { size: attributes.size } : {}), ...(attributes.color ? { color: attributes.color } : {}), ...(query ? { query } : {}) };
  return { intent: query ? 'search' : 'help', slots };
}

const TIME_WORDS = new Set(
  (
    'at um on am pm next coming nächste nächsten nächster nächstes kommende kommenden uhr halb viertel quarter past to nach vor ' +
    'today tomorrow heute morgen übermorgen uebermorgen day after monday tuesday wednesday thursday friday saturday sunday ' +
    'montag dienstag mittwoch donnerstag freitag samstag sonntag morning afternoon evening vormittag nachmittag abend ' +
    'free slot slots time frei noch etwas geht auch gehts passt'
  ).split(' '),
);
const withoutTimeWords = (query: string) => words(query).filter((w) => !TIME_WORDS.has(w) && !/^\d/.test(w) && !monthNumber(w)).join(' ');
