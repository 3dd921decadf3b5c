/**
 * Shopify's search syntax, the subset the fake understands: `field:value`, `field:>value`
 * (`>`, `>=`, `<`, `<=`), quoted values, `-field:value` negation, `value*` prefix match, free
 * terms (matched against a resource's default text), `AND` (implicit) — `OR` is treated as AND.
 */

export interface SearchTerm {
  field: string | null;
  op: ':' | '>' | '>=' | '<' | '<=';
  value: string;
  negate: boolean;
}

export function parseSearch(query: string | null | undefined): SearchTerm[] {
  if (!query) return [];
  const tokens: string[] = [];
  const re = /\s*(-?[A-Za-z_]+:(?:[<>]=?)?(?:'[^']*'|"[^"]*"|\S+)|'[^']*'|"[^"]*"|\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(query))) tokens.push(m[1]!);
  const out: SearchTerm[] = [];
  for (const raw of tokens) {
    if (raw === 'AND' || raw === 'OR') continue;
    const fm = /^(-?)([A-Za-z_]+):((?:[<>]=?)?)(.*)$/.exec(raw);
    if (fm) {
      out.push({ negate: fm[1] === '-', field: fm[2]!.toLowerCase(), op: (fm[3] || ':') as SearchTerm['op'], value: unquote(fm[4]!) });
    } else {
      const negate = raw.startsWith('-') && raw.length > 1;
      out.push({ field: null, op: ':', value: unquote(negate ? raw.slice(1) : raw), negate });
    }
  }
  return out;
}

function unquote(v: string): string {
  return /^(['"]).*\1$/.test(v) ? v.slice(1, -1) : v;
}

/** Compares a string/number/date value with a term's operator. */
export function compare(actual: string | number | null | undefined, term: SearchTerm, kind: 'text' | 'number' | 'date' | 'exact'): boolean {
  if (actual == null) return false;
  if (kind === 'date' || kind === 'number') {
    const a = kind === 'date' ? Date.parse(String(actual)) : Number(actual);
    const b = kind === 'date' ? Date.parse(term.value) : Number(term.value);
    if (Number.isNaN(a) || Number.isNaN(b)) return false;
    switch (term.op) {
      case '>':
        return a > b;
      case '>=':
        return a >= b;
      case '<':
        return a < b;
      case '<=':
        return a <= b;
      default:
        return a === b;
    }
  }
  const a = String(actual).toLowerCase();
  const v = term.value.toLowerCase();
  if (kind === 'exact') return v.endsWith('*') ? a.startsWith(v.slice(0, -1)) : a === v;
  if (v.endsWith('*')) return a.split(/[^a-z0-9]+/).some((w) => w.startsWith(v.slice(0, -1))) || a.startsWith(v.slice(0, -1));
  return a.includes(v);
}

/**
 * Keeps the items every term accepts. `fields` maps a field name to a getter and its kind;
 * `text` gives an item's default search text for free terms.
 */
export function applySearch<T>(
  items: T[],
  query: string | null | undefined,
  fields: Record<string, { get: (item: T) => string | number | null | undefined | (string | number)[]; kind: 'text' | 'number' | 'date' | 'exact' }>,
  text: (item: T) => string,
): T[] {
  const terms = parseSearch(query);
  if (terms.length === 0) return items;
  return items.filter((item) =>
    terms.every((t) => {
      let ok: boolean;
      if (t.field === null) ok = compare(text(item), t, 'text');
      else {
        const f = fields[t.field];
        if (!f) ok = true; // Shopify ignores unknown filters (and warns in `extensions.search`)
        else {
          const values = t.value.includes(',') && t.op === ':' ? t.value.split(',') : [t.value];
          const got = f.get(item);
          const list = Array.isArray(got) ? got : [got];
          ok = values.some((v) => list.some((g) => compare(g, { ...t, value: v }, f.kind)));
        }
      }
      return t.negate ? !ok : ok;
    }),
  );
}
