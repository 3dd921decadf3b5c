/** Text helpers shared by the analysis, the planner and the writer. */

/** Lower-case words and numbers of a text ("don't" stays one word). */
export function words(text: string): string[] {
  return text.toLowerCase().normalize('NFC').match(/[\p{L}\p{N}]+(?:['’][\p{L}]+)?/gu) ?? [];
}

/** Crude stem so "sweaters"/"sweater" and "Jacken"/"Jacke" compare equal. */
export function stem(w: string): string {
  let s = w.toLowerCase().replace(/['’]s$/, '');
  for (const suffix of ['ies', 'es', 'en', 'er', 'e', 's', 'n']) {
    if (s.length > suffix.length + 3 && s.endsWith(suffix)) {
      s = s.slice(0, -suffix.length);
      break;
    }
  }
  return s;
}

export function sameWord(a: string, b: string): boolean {
  const sa = stem(a);
  const sb = stem(b);
  return sa === sb || (sa.length >= 5 && sb.length >= 5 && (sa.startsWith(sb) || sb.startsWith(sa)));
}

/** Whether a pattern (written in lower case) matches the text. */
export const has = (re: RegExp, text: string) => re.test(text.toLowerCase().normalize('NFC'));

/** A non-blank string argument, else undefined. */
export function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v : undefined;
}
