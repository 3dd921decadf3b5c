/**
 * Reading times and choices from shopper text: "10:30", "3pm", "halb 11", "Tuesday afternoon",
 * "5 May", "morgen", "the second one". Pure functions of the text (and of today for dates).
 */

export interface IsoParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  weekday: number;
}

export function isoParts(iso: string): IsoParts | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(iso);
  if (!m) return undefined;
  const [year, month, day, hour, minute] = m.slice(1).map(Number) as [number, number, number, number, number];
  return { year, month, day, hour, minute, weekday: new Date(Date.UTC(year, month - 1, day)).getUTCDay() };
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

export function ordinalIndex(lower: string): number | undefined {
  const t = lower.trim();
  const bare = /^(?:nr\.?|no\.?|number|nummer|option|#)?\s*(\d)\.?$/.exec(t) ?? /\b(?:number|nummer|option|nr\.?|no\.)\s*(\d)\b/.exec(t);
  if (bare) return Number(bare[1]) - 1;
  for (const [re, idx] of ORDINALS) if (re.test(t)) return idx;
  return undefined;
}

export function pick<T>(items: T[], idx: number | undefined): T | undefined {
  if (idx === undefined) return undefined;
  return idx < 0 ? items.at(idx) : items[idx];
}


export const LATER = /\b(later|other times?|another time|next week|more times|später\w*|andere[nr]? (zeit|termin)\w*|nächste[nr]? woche|weitere (zeiten|termine))\b/;

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
/** The month names above as one capturing group, for reading "5 May" and "May 5th". */
const MONTH_WORD = `(${MONTH_NAMES.map(([re]) => re.source.replace(/\((?!\?)/g, '(?:')).join('|')})`;

export interface SlotWish {
  hour?: number;
  minute?: number;
  weekday?: number;
  month?: number;
  day?: number;
  part?: 'morning' | 'midday' | 'afternoon' | 'evening';
  /** "today" 0, "tomorrow"/"morgen" 1, "übermorgen" 2. */
  relativeDays?: number;
  /** "next Friday": the one after today, never today. */
  next?: boolean;
}

export function monthNumber(word: string): number | undefined {
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
  // \b does not see "ü" as a letter: look around for letters explicitly.
  if (/(?<!\p{L})(übermorgen|uebermorgen)(?!\p{L})|\bday after tomorrow\b/u.test(t)) wish.relativeDays = 2;
  else if (/\b(tomorrow|tmrw)\b/.test(t) || (/(?<!\p{L})morgen(?!\p{L})/u.test(t) && !/\bguten morgen\b/.test(t))) wish.relativeDays = 1;
  else if (/\b(today|heute)\b/.test(t)) wish.relativeDays = 0;
  if (/\b(next|nächste[nrms]?|naechste[nrms]?|kommende[nrms]?|coming)\s+(mon|tue|wed|thu|fri|sat|sun|montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag)/.test(t)) wish.next = true;
  // "halb 11" is 10:30, "viertel nach 3" 3:15, "viertel vor 4" 3:45 (German clock talk).
  const halb = /\bhalb\s+([01]?\d|2[0-3])\b/.exec(t);
  const quarter = /\bviertel\s+(nach|vor)\s+([01]?\d|2[0-3])\b/.exec(t) ?? /\bquarter\s+(past|to)\s+([01]?\d|2[0-3])\b/.exec(t);
  const afternoonish = (h: number) => (h >= 1 && h <= 7 ? h + 12 : h);
  if (halb) {
    wish.hour = afternoonish((Number(halb[1]) + 23) % 24);
    wish.minute = 30;
    t = t.replace(halb[0], ' ');
  } else if (quarter) {
    const h = Number(quarter[2]);
    const after = quarter[1] === 'nach' || quarter[1] === 'past';
    wish.hour = afternoonish(after ? h : (h + 23) % 24);
    wish.minute = after ? 15 : 45;
    t = t.replace(quarter[0], ' ');
  }
  const hm = /\b([01]?\d|2[0-3])[:.h]([0-5]\d)\s*(am|pm|a\.m\.|p\.m\.)?/.exec(t);
  const ampm = /\b(1[0-2]|0?[1-9])\s*(am|pm|a\.m\.|p\.m\.)/.exec(t);
  const uhr = /\b([01]?\d|2[0-3])\s*uhr\b/.exec(t);
  const at = /\b(?:at|um|gegen|around)\s+([01]?\d|2[0-3])\b(?![.:]?\d)/.exec(t);
  const pm = (s: string | undefined) => (s ?? '').startsWith('p');
  if (wish.hour !== undefined) {
    // already read from "halb" / "viertel"
  } else if (hm) {
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

/** The calendar day a wish names ("tomorrow", "next Friday", "5 May"), given today; undefined when it names none. */
export function wishedDate(wish: SlotWish, today: string | undefined): string | undefined {
  const base = today && /^\d{4}-\d{2}-\d{2}$/.test(today) ? new Date(`${today}T00:00:00Z`) : undefined;
  if (!base) return undefined;
  const day = (d: Date) => d.toISOString().slice(0, 10);
  if (wish.relativeDays !== undefined) return day(new Date(base.getTime() + wish.relativeDays * 86_400_000));
  if (wish.month !== undefined && wish.day !== undefined) {
    let candidate = new Date(Date.UTC(base.getUTCFullYear(), wish.month - 1, wish.day));
    if (candidate < base) candidate = new Date(Date.UTC(base.getUTCFullYear() + 1, wish.month - 1, wish.day));
    return day(candidate);
  }
  if (wish.weekday !== undefined) {
    let ahead = (wish.weekday - base.getUTCDay() + 7) % 7;
    if (ahead === 0 && wish.next) ahead = 7;
    return day(new Date(base.getTime() + ahead * 86_400_000));
  }
  return undefined;
}
