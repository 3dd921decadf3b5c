/**
 * Offline "model": a deterministic, rule-based LLM port for demos and tests without an API key,
 * in English and German. It behaves like a tool-using model and nothing more:
 *
 * - on a new shopper message it detects language and intent and calls one of the offered tools
 *   (search_products + search_faq, lookup_order, list_services → find_slots → propose_booking,
 *   get_product, handoff_to_human), or answers directly (greeting, asking for missing details);
 * - when the last messages are tool results, it writes the answer from those results only,
 *   streamed a few words per delta.
 *
 * It never reads system messages (so it cannot reveal them) and never states a product, price,
 * order or time that did not come from a tool result. All conversation state is derived from
 * the message history: the adapter itself is stateless, and the same request gives the same output.
 */
import {
  CORE_TOOLS,
  LlmError,
  type CoreToolName,
  type LlmMessage,
  type LlmPort,
  type LlmRequest,
  type LlmStreamEvent,
  type LlmToolCall,
} from '../../core/chat/llm.port.ts';
import {
  coreToolResultSchemas,
  ToolErrorResultSchema,
  type FindSlotsResult,
  type GetProductResult,
  type ListServicesResult,
  type LookupOrderResult,
  type Money,
  type Order,
  type OrderStatus,
  type Product,
  type SearchFaqResult,
  type Service,
  type Slot,
} from '../../core/chat/tool-results.ts';
import type { z } from 'zod';

export type OfflineLang = 'en' | 'de';

export interface OfflineLlmOptions {
  /** Words per streamed delta. Default 3. */
  wordsPerDelta?: number;
}

export function createOfflineLlm(options: OfflineLlmOptions = {}): LlmPort {
  const wordsPerDelta = Math.max(1, options.wordsPerDelta ?? 3);
  return {
    name: 'offline',
    async *stream(request: LlmRequest): AsyncGenerator<LlmStreamEvent> {
      const checkAbort = () => {
        if (request.signal?.aborted) throw new LlmError('ABORTED', 'request aborted', false);
      };
      checkAbort();
      const plan = planOfflineTurn(request);
      const promptTokens = estimateTokens(promptChars(request));
      if (plan.kind === 'tools') {
        const calls = plan.calls.map((c, i) => ({ id: `call_offline_${plan.firstCallNumber + i}`, name: c.name, arguments: JSON.stringify(c.args) }));
        for (const call of calls) {
          checkAbort();
          yield { type: 'tool_call', call };
        }
        const outChars = calls.reduce((n, c) => n + c.name.length + c.arguments.length, 0);
        yield { type: 'done', finishReason: 'tool_calls', usage: { promptTokens, completionTokens: estimateTokens(outChars) } };
        return;
      }
      for (const piece of chunkWords(plan.text, wordsPerDelta)) {
        checkAbort();
        // Let the event loop breathe between deltas, like a network stream would.
        await Promise.resolve();
        yield { type: 'delta', text: piece };
      }
      yield { type: 'done', finishReason: 'stop', usage: { promptTokens, completionTokens: estimateTokens(plan.text.length) } };
    },
  };
}

// ======================================================================== strings (one place per locale)

interface Strings {
  greeting: string;
  thanks: string;
  bye: string;
  ack: string;
  help: string;
  refuseInstructions: string;
  askOrderDetails(missingNumber: boolean, missingEmail: boolean): string;
  orderFound(o: Order, fmt: Fmt): string;
  orderNotFound: string;
  handoffRequested: string;
  handoffUnavailable: string;
  handoffNotOffered: string;
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
  productLine(p: Product, fmt: Fmt): string;
  productsOutro: string;
  faqIntro: string;
  alsoProducts: string;
  nothingFound(query: string): string;
  productDetails(p: Product, fmt: Fmt): string;
  productNotFound: string;
  searchNotOffered: string;
  toolFailed: string;
  orderStatus: Record<OrderStatus, string>;
}

interface Fmt {
  money(m: Money): string;
  slot(iso: string): string;
  time(iso: string): string;
  date(iso: string): string;
}

const numbered = (lines: string[]) => lines.map((l, i) => `${i + 1}. ${l}`).join('\n');

const STRINGS: Record<OfflineLang, Strings> = {
  en: {
    greeting: 'Hello! I can help you find products, check an order or book an appointment. What can I do for you?',
    thanks: "You're welcome! Is there anything else I can help you with?",
    bye: 'Goodbye, and thanks for visiting!',
    ack: 'Great. Is there anything else I can help you with?',
    help: 'I can help you find products, answer questions about the shop, check an order or book an appointment. What are you looking for?',
    refuseInstructions:
      "I can't share my internal instructions. I'm happy to help with products, orders or appointments, though. What are you looking for?",
    askOrderDetails: (n, e) =>
      n && e
        ? 'I can check that for you. Please tell me your order number and the email address you used for the order.'
        : n
          ? 'Thanks. What is the order number?'
          : 'Thanks. To protect your privacy, please also tell me the email address you used for the order.',
    orderFound: (o, f) => {
      const lines = [`Order **#${o.number}** is **${STRINGS.en.orderStatus[o.status]}** (placed on ${f.date(o.placedAt)}).`];
      if (o.items.length) lines.push(`Items: ${o.items.map((i) => `${i.quantity} × ${i.title}`).join(', ')}.`);
      lines.push(`Total: ${f.money(o.total)}.`);
      for (const t of o.tracking ?? []) lines.push(`Tracking: ${[t.company, t.number].filter(Boolean).join(' ')}${t.url ? ` — ${t.url}` : ''}`);
      return lines.join('\n');
    },
    orderNotFound:
      "I couldn't find an order with that number and email address. Please check both, or I can connect you with a person.",
    handoffRequested: "I've asked a member of our team to join. They'll reply here in this chat shortly.",
    handoffUnavailable:
      "Sorry, nobody from the team is available right now. Leave your email address and we'll get back to you as soon as possible.",
    handoffNotOffered: "I can't connect you with a person from here right now. Please leave your email address and the team will get back to you.",
    bookingNotOffered: "I can't book appointments here right now. Would you like me to connect you with a person?",
    noServices: "There are no appointments to book at the moment. Would you like me to connect you with a person?",
    chooseService: (services, f) =>
      `We offer these appointments:\n${numbered(services.map((s) => `**${s.name}** (${s.durationMinutes} min${s.price ? `, ${f.money(s.price)}` : ''})`))}\nWhich one would you like to book?`,
    noSlots: (name) =>
      `Sorry, there are no free times${name ? ` for ${name}` : ''} in the coming days. Would you like to try another appointment, or shall I connect you with a person?`,
    chooseSlot: (name, slots, tz, f) =>
      `These times are free${name ? ` for **${name}**` : ''} (${tz}):\n${numbered(slots.map((s) => f.slot(s.start)))}\nWhich time suits you? You can reply "the first one" or a time such as "${f.time(slots[0]!.start)}".`,
    slotNotAvailable: (slots, tz, f) =>
      `That time isn't available. These times are free (${tz}):\n${numbered(slots.map((s) => f.slot(s.start)))}\nWhich one would you like?`,
    proposal: (p, f) =>
      `Here is your booking proposal: **${p.serviceName}** on ${f.slot(p.start)}–${f.time(p.end)} (${p.timeZone}). Please check the details and confirm on the card.`,
    confirmOnCard: "Please confirm the booking with the button on the card. I can't book it for you without your confirmation.",
    slotTaken: 'Sorry, that time has just been taken. Shall I show you the other free times?',
    productsIntro: 'Here is what I found:',
    productLine: (p, f) =>
      `**${p.title}** — ${f.money(p.price)}${p.compareAtPrice ? ` (was ${f.money(p.compareAtPrice)})` : ''}${p.available === false ? ' (sold out)' : ''}: ${firstSentence(p.description)}`,
    productsOutro: 'Would you like more details on one of them?',
    faqIntro: 'From our FAQ:',
    alsoProducts: 'Products that may fit:',
    nothingFound: (q) =>
      `I couldn't find anything matching "${q}" in our shop. Would you like me to connect you with a person?`,
    productDetails: (p, f) => {
      const lines = [`**${p.title}** — ${f.money(p.price)}${p.available === false ? ' (sold out)' : ''}`, p.description];
      const variants = p.variants ?? [];
      const inStock = variants.filter((v) => v.available !== false).map((v) => v.title);
      const out = variants.filter((v) => v.available === false).map((v) => v.title);
      if (inStock.length) lines.push(`Available: ${inStock.join(', ')}.`);
      if (out.length) lines.push(`Sold out: ${out.join(', ')}.`);
      if (p.url) lines.push(p.url);
      return lines.join('\n');
    },
    productNotFound: "Sorry, I couldn't find the details of that product. Can I help you with something else?",
    searchNotOffered: "I can't search the shop right now. Would you like me to connect you with a person?",
    toolFailed: 'Sorry, something went wrong on our side. Please try again in a moment, or I can connect you with a person.',
    orderStatus: {
      pending: 'pending',
      processing: 'being processed',
      on_hold: 'on hold',
      partially_shipped: 'partially shipped',
      shipped: 'shipped',
      delivered: 'delivered',
      completed: 'completed',
      cancelled: 'cancelled',
      refunded: 'refunded',
      failed: 'failed',
    },
  },
  de: {
    greeting: 'Hallo! Ich helfe Ihnen gern, Produkte zu finden, eine Bestellung zu prüfen oder einen Termin zu buchen. Was kann ich für Sie tun?',
    thanks: 'Gern geschehen! Kann ich Ihnen sonst noch helfen?',
    bye: 'Auf Wiedersehen und danke für Ihren Besuch!',
    ack: 'Prima. Kann ich Ihnen sonst noch helfen?',
    help: 'Ich helfe Ihnen gern bei Produkten, Fragen zum Shop, Ihrer Bestellung oder einer Terminbuchung. Wonach suchen Sie?',
    refuseInstructions:
      'Meine internen Anweisungen kann ich nicht weitergeben. Bei Produkten, Bestellungen oder Terminen helfe ich Ihnen aber gern. Wonach suchen Sie?',
    askOrderDetails: (n, e) =>
      n && e
        ? 'Das prüfe ich gern. Bitte nennen Sie mir Ihre Bestellnummer und die E-Mail-Adresse, mit der Sie bestellt haben.'
        : n
          ? 'Danke. Wie lautet die Bestellnummer?'
          : 'Danke. Zum Schutz Ihrer Daten brauche ich noch die E-Mail-Adresse, mit der Sie bestellt haben.',
    orderFound: (o, f) => {
      const lines = [`Die Bestellung **#${o.number}** ist **${STRINGS.de.orderStatus[o.status]}** (bestellt am ${f.date(o.placedAt)}).`];
      if (o.items.length) lines.push(`Artikel: ${o.items.map((i) => `${i.quantity} × ${i.title}`).join(', ')}.`);
      lines.push(`Summe: ${f.money(o.total)}.`);
      for (const t of o.tracking ?? []) lines.push(`Sendungsverfolgung: ${[t.company, t.number].filter(Boolean).join(' ')}${t.url ? ` — ${t.url}` : ''}`);
      return lines.join('\n');
    },
    orderNotFound:
      'Zu dieser Bestellnummer und E-Mail-Adresse habe ich keine Bestellung gefunden. Bitte prüfen Sie beides, oder ich verbinde Sie mit einem Mitarbeiter.',
    handoffRequested: 'Ich habe ein Teammitglied dazugeholt. Sie bekommen gleich hier im Chat eine Antwort.',
    handoffUnavailable:
      'Leider ist gerade niemand aus dem Team erreichbar. Hinterlassen Sie Ihre E-Mail-Adresse, dann melden wir uns so bald wie möglich.',
    handoffNotOffered:
      'Ich kann Sie hier gerade nicht mit einem Mitarbeiter verbinden. Hinterlassen Sie bitte Ihre E-Mail-Adresse, das Team meldet sich bei Ihnen.',
    bookingNotOffered: 'Termine kann ich hier gerade nicht buchen. Soll ich Sie mit einem Mitarbeiter verbinden?',
    noServices: 'Im Moment gibt es keine buchbaren Termine. Soll ich Sie mit einem Mitarbeiter verbinden?',
    chooseService: (services, f) =>
      `Diese Termine können Sie buchen:\n${numbered(services.map((s) => `**${s.name}** (${s.durationMinutes} Min.${s.price ? `, ${f.money(s.price)}` : ''})`))}\nWelchen Termin möchten Sie buchen?`,
    noSlots: (name) =>
      `Leider gibt es in den nächsten Tagen keine freien Zeiten${name ? ` für ${name}` : ''}. Möchten Sie einen anderen Termin, oder soll ich Sie mit einem Mitarbeiter verbinden?`,
    chooseSlot: (name, slots, tz, f) =>
      `Diese Zeiten sind frei${name ? ` für **${name}**` : ''} (${tz}):\n${numbered(slots.map((s) => f.slot(s.start)))}\nWelche Zeit passt Ihnen? Antworten Sie z. B. „den ersten“ oder mit einer Uhrzeit wie „${f.time(slots[0]!.start)}“.`,
    slotNotAvailable: (slots, tz, f) =>
      `Diese Zeit ist leider nicht frei. Frei sind (${tz}):\n${numbered(slots.map((s) => f.slot(s.start)))}\nWelche möchten Sie?`,
    proposal: (p, f) =>
      `Hier ist Ihr Terminvorschlag: **${p.serviceName}** am ${f.slot(p.start)}–${f.time(p.end)} Uhr (${p.timeZone}). Bitte prüfen Sie die Angaben und bestätigen Sie auf der Karte.`,
    confirmOnCard: 'Bitte bestätigen Sie den Termin mit dem Button auf der Karte. Ohne Ihre Bestätigung kann ich nicht buchen.',
    slotTaken: 'Diese Zeit wurde leider gerade vergeben. Soll ich Ihnen die anderen freien Zeiten zeigen?',
    productsIntro: 'Das habe ich gefunden:',
    productLine: (p, f) =>
      `**${p.title}** — ${f.money(p.price)}${p.compareAtPrice ? ` (statt ${f.money(p.compareAtPrice)})` : ''}${p.available === false ? ' (ausverkauft)' : ''}: ${firstSentence(p.description)}`,
    productsOutro: 'Möchten Sie mehr zu einem davon wissen?',
    faqIntro: 'Aus unseren FAQ:',
    alsoProducts: 'Passende Produkte:',
    nothingFound: (q) =>
      `Zu „${q}“ habe ich in unserem Shop leider nichts gefunden. Soll ich Sie mit einem Mitarbeiter verbinden?`,
    productDetails: (p, f) => {
      const lines = [`**${p.title}** — ${f.money(p.price)}${p.available === false ? ' (ausverkauft)' : ''}`, p.description];
      const variants = p.variants ?? [];
      const inStock = variants.filter((v) => v.available !== false).map((v) => v.title);
      const out = variants.filter((v) => v.available === false).map((v) => v.title);
      if (inStock.length) lines.push(`Verfügbar: ${inStock.join(', ')}.`);
      if (out.length) lines.push(`Ausverkauft: ${out.join(', ')}.`);
      if (p.url) lines.push(p.url);
      return lines.join('\n');
    },
    productNotFound: 'Die Details zu diesem Produkt habe ich leider nicht gefunden. Kann ich Ihnen anders helfen?',
    searchNotOffered: 'Ich kann den Shop gerade nicht durchsuchen. Soll ich Sie mit einem Mitarbeiter verbinden?',
    toolFailed: 'Entschuldigung, bei uns ist etwas schiefgegangen. Bitte versuchen Sie es gleich noch einmal, oder ich verbinde Sie mit einem Mitarbeiter.',
    orderStatus: {
      pending: 'offen',
      processing: 'in Bearbeitung',
      on_hold: 'zurückgestellt',
      partially_shipped: 'teilweise versandt',
      shipped: 'versandt',
      delivered: 'zugestellt',
      completed: 'abgeschlossen',
      cancelled: 'storniert',
      refunded: 'erstattet',
      failed: 'fehlgeschlagen',
    },
  },
};

const WEEKDAYS_SHORT: Record<OfflineLang, string[]> = {
  en: ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'],
  de: ['So.', 'Mo.', 'Di.', 'Mi.', 'Do.', 'Fr.', 'Sa.'],
};
const MONTHS_SHORT: Record<OfflineLang, string[]> = {
  en: ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'],
  de: ['Jan.', 'Feb.', 'März', 'Apr.', 'Mai', 'Juni', 'Juli', 'Aug.', 'Sept.', 'Okt.', 'Nov.', 'Dez.'],
};

function formatter(lang: OfflineLang): Fmt {
  const date = (iso: string) => {
    const p = isoParts(iso);
    if (!p) return iso;
    return lang === 'de' ? `${p.day}. ${MONTHS_SHORT.de[p.month - 1]} ${p.year}` : `${p.day} ${MONTHS_SHORT.en[p.month - 1]} ${p.year}`;
  };
  const time = (iso: string) => {
    const p = isoParts(iso);
    return p ? `${pad(p.hour)}:${pad(p.minute)}` : iso;
  };
  return {
    money: (m) => {
      try {
        return new Intl.NumberFormat(lang === 'de' ? 'de-DE' : 'en-US', { style: 'currency', currency: m.currency }).format(Number(m.amount));
      } catch {
        return `${m.amount} ${m.currency}`;
      }
    },
    // The wall time written in the ISO string is already in the slot's zone: no conversion needed.
    slot: (iso) => {
      const p = isoParts(iso);
      if (!p) return iso;
      const wd = WEEKDAYS_SHORT[lang][p.weekday];
      return lang === 'de'
        ? `${wd}, ${p.day}. ${MONTHS_SHORT.de[p.month - 1]}, ${time(iso)}`
        : `${wd} ${p.day} ${MONTHS_SHORT.en[p.month - 1]}, ${time(iso)}`;
    },
    time,
    date,
  };
}

const pad = (n: number) => String(n).padStart(2, '0');

interface IsoParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  weekday: number;
}

function isoParts(iso: string): IsoParts | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(iso);
  if (!m) return undefined;
  const [year, month, day, hour, minute] = m.slice(1).map(Number) as [number, number, number, number, number];
  return { year, month, day, hour, minute, weekday: new Date(Date.UTC(year, month - 1, day)).getUTCDay() };
}

function firstSentence(text: string, max = 140): string {
  const t = text.replace(/\s+/g, ' ').trim();
  const m = /^(.+?[.!?])(\s|$)/.exec(t);
  const s = m ? m[1]! : t;
  return s.length <= max ? s : `${s.slice(0, max - 1).replace(/\s+\S*$/, '')}…`;
}

// ======================================================================== language

const DE_WORDS = new Set(
  'ich du sie wir ihr mein meine meinen meiner mir mich dich ihnen euch haben habt hast hat gibt und oder aber auch nicht nichts kein keine ein eine einen einer der die das den dem des ist sind bin war wird werden wurde möchte möchten würde würden gerne gern bitte danke hallo moin servus tschüss wie wo wann warum welche welcher welches wer was für mit von zu zum zur im auf aus bei nach über unter noch schon doch mal termin bestellung lieferung sendung paket suche suchen brauche kann können könnt könnten einen habe hätte gut guten tag morgen abend vielen dank schön mitarbeiter mensch sprechen buchen vereinbaren beratung preis kostet kosten versand rückgabe größe jacke hose hemd schuhe pullover'.split(
    ' ',
  ),
);
const EN_WORDS = new Set(
  'i you we my your me our the and or but not no is are am was were be been have has had do does did can could would should will want like need looking look find please thanks thank hello hi hey what where when why how which who for with from about this that these those any some there here order appointment book booking schedule talk speak person human price cost shipping return size jacket shirt shoes sweater much many of to it'.split(
    ' ',
  ),
);

/** Scores one text; positive = German. */
function germanScore(text: string): number {
  let score = /[äöüß]/i.test(text) ? 2 : 0;
  for (const w of words(text)) {
    if (DE_WORDS.has(w)) score += 1;
    if (EN_WORDS.has(w)) score -= 1;
  }
  return score;
}

/** Language of the newest user message that says something decisive, else the request locale. */
export function detectLanguage(userTexts: string[], locale?: string): OfflineLang {
  for (let i = userTexts.length - 1; i >= 0; i--) {
    const s = germanScore(userTexts[i]!);
    if (s > 0) return 'de';
    if (s < 0) return 'en';
  }
  return locale?.toLowerCase().startsWith('de') ? 'de' : 'en';
}

// ======================================================================== text helpers

function words(text: string): string[] {
  return text.toLowerCase().normalize('NFC').match(/[\p{L}\p{N}]+(?:['’][\p{L}]+)?/gu) ?? [];
}

/** Crude stem so "sweaters"/"sweater" and "Jacken"/"Jacke" compare equal. */
function stem(w: string): string {
  let s = w.toLowerCase().replace(/['’]s$/, '');
  for (const suffix of ['ies', 'es', 'en', 'er', 'e', 's', 'n']) {
    if (s.length > suffix.length + 3 && s.endsWith(suffix)) {
      s = s.slice(0, -suffix.length);
      break;
    }
  }
  return s;
}

function sameWord(a: string, b: string): boolean {
  const sa = stem(a);
  const sb = stem(b);
  return sa === sb || (sa.length >= 5 && sb.length >= 5 && (sa.startsWith(sb) || sb.startsWith(sa)));
}

function chunkWords(text: string, n: number): string[] {
  const parts = text.match(/\s*\S+\s*/g) ?? [text];
  const out: string[] = [];
  for (let i = 0; i < parts.length; i += n) out.push(parts.slice(i, i + n).join(''));
  return out.length ? out : [text];
}

function estimateTokens(chars: number): number {
  return Math.max(1, Math.ceil(chars / 4));
}

function promptChars(request: LlmRequest): number {
  let n = JSON.stringify(request.tools).length;
  for (const m of request.messages) {
    n += m.content.length;
    if (m.role === 'assistant') for (const c of m.toolCalls ?? []) n += c.name.length + c.arguments.length;
  }
  return n;
}

const has = (re: RegExp, text: string) => re.test(text.toLowerCase().normalize('NFC'));

// ======================================================================== intents

const INJECTION =
  /system ?-?prompt|(ignore|disregard|forget|override)\b.{0,40}\b(instruction|rule|prompt|guideline)|(reveal|show|print|repeat|output|display|tell me|give me|what (is|are))\b.{0,40}\b(your|the)\b.{0,20}\b(instruction|prompt|guideline|configuration)|developer mode|jailbreak|(ignorier|vergiss|vergessen)\w*\b.{0,40}\b(anweisung|regel|instruktion|vorgabe)|(zeig|gib|nenn|wiederhol|verrat)\w*\b.{0,40}\b(anweisung|prompt|instruktion|vorgabe)/;

const HUMAN =
  /\b(human|humans|real person|live agent|agent|representative|operator|customer service|support team|staff member|mitarbeiter\w*|mensch\w*|kundenservice|kundendienst|support-mitarbeiter)\b|\b(talk|speak|chat|connect|reach)\b.{0,30}\b(someone|somebody|person|people)\b|\b(sprechen|reden|verbinden)\b.{0,30}\b(person|jemandem|jemand)\b|\b(person|jemandem|jemand)\b.{0,30}\b(sprechen|reden|verbinden)\b/;

const BOOKING =
  /\b(appointments?|booking|bookings|schedule|scheduling|reserve|reservation|consultation|fitting|termine?n?|terminbuchung|buchen|gebucht|vereinbaren|beratung\w*|reservier\w*|anprobe\w*)\b|(?<!\b(a|the|this|that|my|your|new|good)\s)\bbook\b(?!s)(?=\s+(a|an|me|my|the|in|for|it|one|some|now|this|that|appointment)\b|\s*[.!?]*$)/;

/** Clear signs the shopper means an existing order. */
const ORDER_STRONG =
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

const AFFIRMATIVE = /^\s*(yes|yeah|yep|yup|sure|ok|okay|please|please do|go ahead|do it|ja|jawohl|gerne?|bitte|ok bitte|ja bitte|ja gerne|klar|genau|passt|einverstanden|mach das|machen sie das)\b/;

const NEGATIVE = /^\s*(no|nope|not that|nein|lieber nicht|doch nicht|eher nicht)\b|\b(different|another|other|andere[nrms]?|anderen)\b.{0,20}\b(time|day|slot|zeit|tag|termin)/;

type Social = 'greeting' | 'thanks' | 'bye' | 'ack';

function socialKind(text: string): Social | undefined {
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

function extractEmail(text: string): string | undefined {
  return EMAIL.exec(text)?.[0];
}

function extractOrderNumber(text: string): string | undefined {
  const t = text.replace(new RegExp(EMAIL.source, 'g'), ' ');
  const hash = /#\s?([A-Za-z0-9-]*\d[A-Za-z0-9-]*)/.exec(t);
  if (hash) return hash[1];
  const labelled =
    /\b(?:order|bestellung|bestellnummer|order number|number|nummer|nr|no)\.?\s*(?:is|ist|lautet)?\s*:?\s*#?\s*([A-Za-z]{0,4}-?\d[\dA-Za-z-]*)/i.exec(t);
  if (labelled) return labelled[1];
  return /\b(\d{3,12})\b/.exec(t)?.[1];
}

// ---------------------------------------------------------------- query extraction + translation

const STOPWORDS = new Set(
  (
    // English
    "a an the i i'm im i'd me my mine we us our you your yours he she it its they them their do does did doing have has had " +
    'having any some is are was were be been being am can could would should will shall may might must please thanks thank for ' +
    'someone somebody anyone ' +
    'hi hello hey looking look searching search find finding want wanted need needs like love to of in on at with without ' +
    'about from by and or but so that this these those there here what which who whom whose where when why how much many ' +
    'cost costs price prices priced sell sells selling offer offers carry stock available show tell know get buy purchase ' +
    'recommend suggest something anything got also just really very maybe perhaps kind sort type good nice best one ones ' +
    "if then than too not no yes sure ok okay well oh um uh hmm again still more most other else don't dont doesn't isn't " +
    // German
    'ich du er es wir ihr sie mein meine meinen meiner meines mir mich dich dir uns euch ihnen haben habt hast hat habe hätte ' +
    'gibt gibts einen eine einer eines ein der die das den dem des und oder aber auch nur noch bitte danke hallo suche suchen ' +
    'such sucht möchte möchten will wollen würde würden gerne gern kann können könnt könnten brauche brauchen benötige ' +
    'zeigen zeig zeigt bei für fuer mit von zu zum zur im in am an auf aus was wie wo wann welche welcher welches welchen wer ' +
    'warum viel viele kostet kosten preis preise verkauft verkaufen verkauf etwas irgendwas so sehr mal ist sind sein war ' +
    'gut gute guten schön nicht kein keine keinen ja nein denn dann doch schon da hier dort euren eure euer ihren ihre ' +
    'nach über unter vor um bis ohne gegen durch ob dass weil wenn jemand jemanden'
  ).split(/\s+/),
);

/** German shop vocabulary → the words an English catalog uses. */
const GLOSSARY: Record<string, string> = {
  pullover: 'sweater', pulli: 'sweater', strickpullover: 'sweater', jacke: 'jacket', mantel: 'coat', hemd: 'shirt',
  hose: 'trousers', anzug: 'suit', anzüge: 'suit', sakko: 'blazer', gürtel: 'belt', stiefel: 'boots', schuh: 'shoes',
  tasche: 'bag', reisetasche: 'weekender bag', geldbörse: 'wallet', portemonnaie: 'wallet', geldbeutel: 'wallet',
  kartenetui: 'card wallet', schal: 'scarf', mütze: 'beanie', hut: 'hat', krawatte: 'tie', socke: 'socks', wolle: 'wool',
  leder: 'leather', seide: 'silk', baumwolle: 'cotton', leinen: 'linen', kaschmir: 'cashmere', gutschein: 'gift card',
  geschenk: 'gift', pflege: 'care', wachs: 'wax', wasserdicht: 'waterproof', regen: 'rain', sommer: 'summer',
  wandern: 'hiking', wander: 'hiking', versand: 'shipping', versandkosten: 'shipping cost', lieferung: 'delivery',
  lieferzeit: 'delivery', rückgabe: 'return', retoure: 'return', zurückgeben: 'return', umtausch: 'return',
  umtauschen: 'return', erstattung: 'refund', zahlung: 'payment', bezahlen: 'payment', zahlungsart: 'payment',
  zahlungsmethode: 'payment', öffnungszeit: 'open', geöffnet: 'open', offen: 'open', größe: 'size', grösse: 'size',
  reparatur: 'repair', reparieren: 'repair', änderung: 'alterations', ändern: 'alterations', kürzen: 'alterations',
  schneider: 'tailor', anprobe: 'fitting', beratung: 'consultation', kurs: 'workshop', blau: 'blue', schwarz: 'black',
  braun: 'brown', weiß: 'white', grau: 'grey', rot: 'red', grün: 'green', leicht: 'lightweight', damen: 'women',
  herren: 'men', reise: 'travel', hochzeit: 'wedding', sonne: 'sun', warm: 'warm', winter: 'winter', laden: 'store',
  geschäft: 'store', bestellung: 'order', socken: 'socks', schuhe: 'shoes', hemden: 'shirt', hosen: 'trousers',
};

function translateWord(w: string): string | undefined {
  const direct = GLOSSARY[w];
  if (direct) return direct;
  for (const suffix of ['en', 'n', 'e', 's', 'er', 'es']) {
    if (w.length > suffix.length + 2 && w.endsWith(suffix) && GLOSSARY[w.slice(0, -suffix.length)]) return GLOSSARY[w.slice(0, -suffix.length)];
  }
  // Compounds: "regenjacke" → "rain jacket", "merinowolle" → "merino wool"; longest known tail wins.
  for (let i = 2; i <= w.length - 3; i++) {
    const tail = w.slice(i);
    const tailEn = GLOSSARY[tail] ?? (tail.length > 4 ? translateTail(tail) : undefined);
    if (!tailEn) continue;
    const head = w.slice(0, i).replace(/s$/, ''); // Fugen-s: "Lederpflege" has none, "Zahlungsart" has one
    const headEn = GLOSSARY[head] ?? (head.length >= 3 ? (translateWordNoCompound(head) ?? head) : undefined);
    return headEn ? `${headEn} ${tailEn}` : tailEn;
  }
  return undefined;
}

function translateTail(tail: string): string | undefined {
  for (const suffix of ['en', 'n', 'e', 's']) {
    if (tail.endsWith(suffix) && GLOSSARY[tail.slice(0, -suffix.length)]) return GLOSSARY[tail.slice(0, -suffix.length)];
  }
  return undefined;
}

function translateWordNoCompound(w: string): string | undefined {
  return GLOSSARY[w] ?? translateTail(w);
}

/** Keywords of a shopper message, in their words and (when different) in the catalog's English. */
export function extractQuery(text: string): { query: string; translated?: string } {
  const kept = words(text).filter((w) => !STOPWORDS.has(w) && !/^\d{1,2}$/.test(w));
  const query = kept.join(' ');
  const translatedWords = kept.map((w) => translateWord(w) ?? w);
  const translated = translatedWords.join(' ');
  return translated !== query ? { query, translated } : { query };
}

// ======================================================================== history → turns

interface Step {
  round: number;
  call: LlmToolCall;
  args: Record<string, unknown>;
  /** Parsed JSON result, undefined when no result arrived. */
  result: unknown;
  hasResult: boolean;
}

interface Turn {
  user: string;
  steps: Step[];
}

function toTurns(messages: LlmMessage[]): Turn[] {
  const turns: Turn[] = [];
  let current: Turn | undefined;
  let round = 0;
  const byId = new Map<string, Step>();
  for (const m of messages) {
    if (m.role === 'system') continue; // never read: nothing from it can leak into an answer
    if (m.role === 'user') {
      current = { user: m.content, steps: [] };
      turns.push(current);
      continue;
    }
    if (!current) {
      current = { user: '', steps: [] };
      turns.push(current);
    }
    if (m.role === 'assistant' && m.toolCalls?.length) {
      round++;
      for (const call of m.toolCalls) {
        const step: Step = { round, call, args: parseObject(call.arguments), result: undefined, hasResult: false };
        current.steps.push(step);
        byId.set(call.id, step);
      }
    } else if (m.role === 'tool') {
      const step = byId.get(m.toolCallId);
      if (step) {
        step.hasResult = true;
        step.result = parseJson(m.content);
      }
    }
  }
  return turns;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function parseObject(text: string): Record<string, unknown> {
  const v = parseJson(text);
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

type Outcome<T> = { ok: true; value: T } | { ok: false; code: string };

/** A tool result checked against the contract; anything else counts as a failure. */
function outcome<K extends CoreToolName>(name: K, step: Step): Outcome<z.infer<(typeof coreToolResultSchemas)[K]>> {
  if (!step.hasResult) return { ok: false, code: 'NO_RESULT' };
  const err = ToolErrorResultSchema.safeParse(step.result);
  if (err.success) return { ok: false, code: err.data.error.code };
  const parsed = coreToolResultSchemas[name].safeParse(step.result);
  return parsed.success ? { ok: true, value: parsed.data as never } : { ok: false, code: 'INVALID_RESULT' };
}

// ======================================================================== planning

type Plan =
  | { kind: 'text'; text: string }
  | { kind: 'tools'; calls: Array<{ name: CoreToolName; args: Record<string, unknown> }>; firstCallNumber: number };

interface Ctx {
  lang: OfflineLang;
  s: Strings;
  f: Fmt;
  offered: Set<string>;
  turns: Turn[];
  turn: Turn;
  previous: Turn[];
  firstCallNumber: number;
}

const BOOKING_TOOLS = new Set<string>([CORE_TOOLS.listServices, CORE_TOOLS.findSlots, CORE_TOOLS.proposeBooking]);
const SEARCH_TOOLS = new Set<string>([CORE_TOOLS.searchProducts, CORE_TOOLS.searchFaq]);
const MAX_SLOTS_SHOWN = 6;

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
    lang,
    s: STRINGS[lang],
    f: formatter(lang),
    offered: new Set(request.tools.map((t) => t.name)),
    turns,
    turn,
    previous: turns.slice(0, -1),
    firstCallNumber: totalCalls + 1,
  };
  return turn.steps.length > 0 ? afterTools(ctx) : onUserMessage(ctx);
}

const say = (text: string): Plan => ({ kind: 'text', text });

function call(ctx: Ctx, ...calls: Array<{ name: CoreToolName; args: Record<string, unknown> }>): Plan {
  return { kind: 'tools', calls, firstCallNumber: ctx.firstCallNumber };
}

function handoff(ctx: Ctx, reason: string): Plan {
  return ctx.offered.has(CORE_TOOLS.handoff)
    ? call(ctx, { name: CORE_TOOLS.handoff, args: { reason: reason.slice(0, 200) } })
    : say(ctx.s.handoffNotOffered);
}

// ---------------------------------------------------------------- a new shopper message

function onUserMessage(ctx: Ctx): Plan {
  const text = ctx.turn.user.trim();
  const lower = text.toLowerCase().normalize('NFC');
  if (!text) return say(ctx.s.help);
  if (has(INJECTION, lower)) return say(ctx.s.refuseInstructions);
  if (has(HUMAN, lower)) return handoff(ctx, text);

  const booking = continueBooking(ctx, lower);
  if (booking) return booking;

  const order = orderPlan(ctx, text, lower);
  if (order) return order;

  if (has(BOOKING, lower)) {
    return ctx.offered.has(CORE_TOOLS.listServices) ? call(ctx, { name: CORE_TOOLS.listServices, args: {} }) : say(ctx.s.bookingNotOffered);
  }

  const social = socialKind(text);
  if (social) return say({ greeting: ctx.s.greeting, thanks: ctx.s.thanks, bye: ctx.s.bye, ack: ctx.s.ack }[social]);

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
  const { query } = extractQuery(text);
  if (!query) return say(ctx.s.help);
  const calls: Array<{ name: CoreToolName; args: Record<string, unknown> }> = [];
  if (ctx.offered.has(CORE_TOOLS.searchProducts)) calls.push({ name: CORE_TOOLS.searchProducts, args: { query, limit: 3 } });
  if (ctx.offered.has(CORE_TOOLS.searchFaq)) calls.push({ name: CORE_TOOLS.searchFaq, args: { query, limit: 2 } });
  if (!calls.length) return say(ctx.s.searchNotOffered);
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

function isOrderIntent(lower: string, text: string): boolean {
  if (/^\s*#?\s*\d{3,12}\s*[.!?]?\s*$/.test(text)) return true; // a bare number is an order number
  const details = Boolean(extractEmail(text)) || /#\s?\d|\b\d{3,}\b/.test(text);
  if (has(POLICY, lower) && !details) return false;
  return has(ORDER_STRONG, lower) || (has(ORDER_WEAK, lower) && details);
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
  if (!orderNumber) return say(ctx.s.askOrderDetails(true, !mail));
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
    if (service) return findSlots(ctx, service.id);
    return nothingElseSaid(lower) ? say(ctx.s.chooseService(listed.value.items, ctx.f)) : undefined;
  }

  if (step.call.name === CORE_TOOLS.proposeBooking) {
    const serviceId = str(step.args.serviceId);
    const proposed = outcome(CORE_TOOLS.proposeBooking, step);
    if (AFFIRMATIVE.test(lower)) {
      if (proposed.ok) return say(ctx.s.confirmOnCard);
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
    const { serviceId, slots, timeZone } = booking.slots;
    if (has(LATER, lower)) {
      const last = isoParts(slots.at(-1)!.start)!;
      const next = new Date(Date.UTC(last.year, last.month - 1, last.day + 1));
      return findSlots(ctx, serviceId, { from: next.toISOString().slice(0, 10) });
    }
    const picked = pickSlot(ctx, booking.slots, lower);
    if (picked) return picked;
    return nothingElseSaid(lower) ? say(ctx.s.chooseSlot(serviceNameOf(ctx, serviceId), slots.slice(0, MAX_SLOTS_SHOWN), timeZone, ctx.f)) : undefined;
  }
  return undefined;
}

/** A proposal for the slot the shopper described, a re-list when nothing fits, or nothing if no time was named. */
function pickSlot(ctx: Ctx, found: FindSlotsResult, lower: string): Plan | undefined {
  const choice = matchSlot(found.slots, lower);
  if (choice.slot) return proposeBooking(ctx, found.serviceId, choice.slot.start);
  if (choice.constrained) return say(ctx.s.slotNotAvailable(found.slots.slice(0, MAX_SLOTS_SHOWN), found.timeZone, ctx.f));
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

function findSlots(ctx: Ctx, serviceId: string, extra: Record<string, unknown> = {}): Plan {
  return ctx.offered.has(CORE_TOOLS.findSlots)
    ? call(ctx, { name: CORE_TOOLS.findSlots, args: { serviceId, ...extra } })
    : say(ctx.s.bookingNotOffered);
}

function proposeBooking(ctx: Ctx, serviceId: string, start: string): Plan {
  return ctx.offered.has(CORE_TOOLS.proposeBooking)
    ? call(ctx, { name: CORE_TOOLS.proposeBooking, args: { serviceId, start } })
    : say(ctx.s.bookingNotOffered);
}

const ORDINALS: Array<[RegExp, number]> = [
  [/\b(first|1st|erste[nrms]?|nummer eins|number one|option one)\b/, 0],
  [/\b(second|2nd|zweite[nrms]?|number two|option two)\b/, 1],
  [/\b(third|3rd|dritte[nrms]?)\b/, 2],
  [/\b(fourth|4th|vierte[nrms]?)\b/, 3],
  [/\b(fifth|5th|fünfte[nrms]?)\b/, 4],
  [/\b(sixth|6th|sechste[nrms]?)\b/, 5],
  [/\b(last|letzte[nrms]?)\b/, -1],
];

function ordinalIndex(lower: string): number | undefined {
  const t = lower.trim();
  const bare = /^(?:nr\.?|no\.?|number|nummer|option|#)?\s*(\d)\.?$/.exec(t) ?? /\b(?:number|nummer|option|nr\.?|no\.)\s*(\d)\b/.exec(t);
  if (bare) return Number(bare[1]) - 1;
  for (const [re, idx] of ORDINALS) if (re.test(t)) return idx;
  return undefined;
}

function pick<T>(items: T[], idx: number | undefined): T | undefined {
  if (idx === undefined) return undefined;
  return idx < 0 ? items.at(idx) : items[idx];
}

/** Service named (in English or German) or chosen by position; only a single best match counts. */
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

const LATER = /\b(later|other times?|another time|next week|more times|später\w*|andere[nr]? (zeit|termin)\w*|nächste[nr]? woche|weitere (zeiten|termine))\b/;

const WEEKDAY_NAMES: Array<[RegExp, number]> = [
  [/\b(sunday|sun|sonntag\w*)\b/, 0],
  [/\b(monday|mon|montag\w*)\b/, 1],
  [/\b(tuesday|tue|tues|dienstag\w*)\b/, 2],
  [/\b(wednesday|wed|mittwoch\w*)\b/, 3],
  [/\b(thursday|thu|thur|thurs|donnerstag\w*)\b/, 4],
  [/\b(friday|fri|freitag\w*)\b/, 5],
  [/\b(saturday|sat|samstag\w*|sonnabend\w*)\b/, 6],
];
const MONTH_NAMES: Array<[RegExp, number]> = [
  [/jan(uary|uar)?/, 1], [/feb(ruary|ruar)?/, 2], [/(mar(ch)?|märz|maerz)/, 3], [/apr(il)?/, 4], [/(may|mai)/, 5],
  [/(june?|juni)/, 6], [/(july?|juli)/, 7], [/aug(ust)?/, 8], [/sep(t|tember)?/, 9], [/(oct(ober)?|okt(ober)?)/, 10],
  [/nov(ember)?/, 11], [/(dec(ember)?|dez(ember)?)/, 12],
];
const MONTH_WORD = '(jan(?:uary|uar)?|feb(?:ruary|ruar)?|mar(?:ch)?|märz|maerz|apr(?:il)?|may|mai|june?|juni|july?|juli|aug(?:ust)?|sep(?:t|tember)?|oct(?:ober)?|okt(?:ober)?|nov(?:ember)?|dec(?:ember)?|dez(?:ember)?)';

interface SlotWish {
  hour?: number;
  minute?: number;
  weekday?: number;
  month?: number;
  day?: number;
  part?: 'morning' | 'midday' | 'afternoon' | 'evening';
}

function monthNumber(word: string): number | undefined {
  return MONTH_NAMES.find(([re]) => new RegExp(`^${re.source}$`).test(word))?.[1];
}

/** Reads a wished time from free text: "10:30", "3pm", "15 Uhr", "Tuesday afternoon", "5 May", "5.5.". */
export function parseSlotWish(lower: string): SlotWish {
  let t = ` ${lower.normalize('NFC')} `;
  const wish: SlotWish = {};
  // Dates first, then remove them so "5.5." is not read as a time.
  const deDate = /\b(\d{1,2})\.(\d{1,2})\.(\d{2,4})?/.exec(t);
  if (deDate) {
    wish.day = Number(deDate[1]);
    wish.month = Number(deDate[2]);
    t = t.replace(deDate[0], ' ');
  }
  const dayMonth = new RegExp(`\\b(\\d{1,2})(?:st|nd|rd|th|\\.)?\\s+(?:of\\s+)?${MONTH_WORD}\\b`).exec(t);
  const monthDay = new RegExp(`\\b${MONTH_WORD}\\s+(\\d{1,2})(?:st|nd|rd|th)?\\b`).exec(t);
  if (dayMonth) {
    wish.day = Number(dayMonth[1]);
    wish.month = monthNumber(dayMonth[2]!);
    t = t.replace(dayMonth[0], ' ');
  } else if (monthDay) {
    wish.day = Number(monthDay[2]);
    wish.month = monthNumber(monthDay[1]!);
    t = t.replace(monthDay[0], ' ');
  }
  const hm = /\b([01]?\d|2[0-3])[:.h]([0-5]\d)\s*(am|pm|a\.m\.|p\.m\.)?/.exec(t);
  const ampm = /\b(1[0-2]|0?[1-9])\s*(am|pm|a\.m\.|p\.m\.)/.exec(t);
  const uhr = /\b([01]?\d|2[0-3])\s*uhr\b/.exec(t);
  const at = /\b(?:at|um|gegen|around)\s+([01]?\d|2[0-3])\b(?![.:]?\d)/.exec(t);
  const pm = (s: string | undefined) => (s ?? '').startsWith('p');
  if (hm) {
    const h = Number(hm[1]);
    wish.hour = hm[3] && h <= 12 ? (h % 12) + (pm(hm[3]) ? 12 : 0) : h;
    wish.minute = Number(hm[2]);
  } else if (ampm) {
    wish.hour = (Number(ampm[1]) % 12) + (pm(ampm[2]) ? 12 : 0);
    wish.minute = 0;
  } else if (uhr) {
    wish.hour = Number(uhr[1]);
    wish.minute = 0;
  } else if (at) {
    const h = Number(at[1]);
    // "at 3" in a shop means the afternoon.
    wish.hour = h >= 1 && h <= 7 ? h + 12 : h;
    wish.minute = 0;
  }
  for (const [re, wd] of WEEKDAY_NAMES) {
    if (re.test(t)) {
      wish.weekday = wd;
      break;
    }
  }
  if (/\b(morning|vormittag\w*|früh)\b/.test(t)) wish.part = 'morning';
  else if (/\b(noon|lunchtime|mittag\w*|mittags)\b/.test(t)) wish.part = 'midday';
  else if (/\b(afternoon|nachmittag\w*)\b/.test(t)) wish.part = 'afternoon';
  else if (/\b(evening|abend\w*)\b/.test(t)) wish.part = 'evening';
  return wish;
}

function matchSlot(slots: Slot[], lower: string): { slot?: Slot; constrained: boolean } {
  const wish = parseSlotWish(lower);
  const constrained = Object.keys(wish).length > 0;
  if (!constrained) {
    const slot = pick(slots.slice(0, MAX_SLOTS_SHOWN), ordinalIndex(lower));
    return { slot, constrained: false };
  }
  const fits = slots.filter((s) => {
    const p = isoParts(s.start);
    if (!p) return false;
    if (wish.hour !== undefined && (p.hour !== wish.hour || p.minute !== (wish.minute ?? 0))) return false;
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

interface SearchHits {
  products: Product[];
  faq: SearchFaqResult['items'];
  failed: boolean;
  empty: boolean;
}

function searchHits(steps: Step[]): SearchHits {
  const products: Product[] = [];
  const faq: SearchFaqResult['items'] = [];
  let failed = false;
  for (const st of steps) {
    if (st.call.name === CORE_TOOLS.searchProducts) {
      const r = outcome(CORE_TOOLS.searchProducts, st);
      if (r.ok) products.push(...r.value.items);
      else failed = true;
    } else if (st.call.name === CORE_TOOLS.searchFaq) {
      const r = outcome(CORE_TOOLS.searchFaq, st);
      if (r.ok) faq.push(...r.value.items);
      else failed = true;
    }
  }
  return { products, faq, failed, empty: products.length === 0 && faq.length === 0 };
}

function overlap(queryWords: string[], text: string, weight: number): number {
  const ws = words(text);
  return queryWords.filter((q) => ws.some((w) => sameWord(q, w))).length * weight;
}

function answerSearch(ctx: Ctx): Plan {
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
    return say(hits.failed ? ctx.s.toolFailed : ctx.s.nothingFound(extractQuery(ctx.turn.user).query || ctx.turn.user));
  }

  const q = words(`${asked} ${extractQuery(ctx.turn.user).translated ?? ''}`).filter((w) => !STOPWORDS.has(w));
  const productScore = Math.max(0, ...hits.products.map((p) => overlap(q, p.title, 2) + overlap(q, p.description, 1)));
  const faqScore = Math.max(0, ...hits.faq.map((f) => overlap(q, f.question, 2) + overlap(q, f.answer, 1)));
  const bestFaq = [...hits.faq].sort((a, b) => overlap(q, b.question, 2) + overlap(q, b.answer, 1) - (overlap(q, a.question, 2) + overlap(q, a.answer, 1)))[0];
  const products = hits.products.slice(0, 3);

  const productBlock = () => products.map((p) => `- ${ctx.s.productLine(p, ctx.f)}`).join('\n');
  if (bestFaq && (products.length === 0 || faqScore > productScore)) {
    const parts = [`${ctx.s.faqIntro}\n**${bestFaq.question}**\n${bestFaq.answer}`];
    if (products.length && productScore > 0) parts.push(`${ctx.s.alsoProducts}\n${productBlock()}`);
    return say(parts.join('\n\n'));
  }
  return say(`${ctx.s.productsIntro}\n${productBlock()}\n${ctx.s.productsOutro}`);
}

// ---------------------------------------------------------------- after tool results

function afterTools(ctx: Ctx): Plan {
  const last = ctx.turn.steps.at(-1)!;
  const name = last.call.name;
  const { s, f } = ctx;

  if (SEARCH_TOOLS.has(name)) return answerSearch(ctx);

  switch (name) {
    case CORE_TOOLS.getProduct: {
      const r = outcome(CORE_TOOLS.getProduct, last);
      if (!r.ok) return say(s.toolFailed);
      const v: GetProductResult = r.value;
      return say(v.status === 'found' ? s.productDetails(v.product, f) : s.productNotFound);
    }
    case CORE_TOOLS.lookupOrder: {
      const r = outcome(CORE_TOOLS.lookupOrder, last);
      if (!r.ok) return say(s.toolFailed);
      const v: LookupOrderResult = r.value;
      if (v.status === 'found') return say(s.orderFound(v.order, f));
      if (v.status === 'not_found') return say(s.orderNotFound);
      return say(s.askOrderDetails(v.missing.includes('orderNumber'), v.missing.includes('email')));
    }
    case CORE_TOOLS.handoff: {
      const r = outcome(CORE_TOOLS.handoff, last);
      return say(r.ok && r.value.status === 'requested' ? s.handoffRequested : s.handoffUnavailable);
    }
    case CORE_TOOLS.listServices: {
      const r = outcome(CORE_TOOLS.listServices, last);
      if (!r.ok) return say(s.toolFailed);
      const items: ListServicesResult['items'] = r.value.items;
      if (items.length === 0) return say(s.noServices);
      // The shopper may have named the service already ("book a suit fitting"), or there is only one.
      const chosen = items.length === 1 ? items[0] : matchService(items, ctx.turn.user.toLowerCase());
      if (chosen) return findSlots(ctx, chosen.id);
      return say(s.chooseService(items, f));
    }
    case CORE_TOOLS.findSlots: {
      const r = outcome(CORE_TOOLS.findSlots, last);
      if (!r.ok) return say(s.toolFailed);
      const v: FindSlotsResult = r.value;
      const serviceName = serviceNameOf(ctx, v.serviceId);
      if (v.slots.length === 0) return say(s.noSlots(serviceName));
      // "Book a fitting on Tuesday at 10:30" needs no second question when exactly that is free.
      const wish = parseSlotWish(ctx.turn.user.toLowerCase());
      if (wish.hour !== undefined) {
        const choice = matchSlot(v.slots, ctx.turn.user.toLowerCase());
        if (choice.slot) return proposeBooking(ctx, v.serviceId, choice.slot.start);
      }
      return say(s.chooseSlot(serviceName, v.slots.slice(0, MAX_SLOTS_SHOWN), v.timeZone, f));
    }
    case CORE_TOOLS.proposeBooking: {
      const r = outcome(CORE_TOOLS.proposeBooking, last);
      if (r.ok) return say(s.proposal(r.value.proposal, f));
      return say(r.code === 'SLOT_TAKEN' || r.code === 'NOT_AVAILABLE' ? s.slotTaken : s.toolFailed);
    }
    default: {
      // A plugin tool: it failed, or we cannot read its result; say nothing we do not know.
      return say(s.toolFailed);
    }
  }
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

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v : undefined;
}

// Exported for tests that compare against the exact wording.
export const OFFLINE_STRINGS = STRINGS;
