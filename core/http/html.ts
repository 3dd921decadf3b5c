/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Markup that is already safe: produced by html`` or explicitly trusted with raw(). */
export class SafeHtml {
  constructor(private readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export const raw = (value: string): SafeHtml => new SafeHtml(value);

/** Tagged template that escapes every interpolation except nested SafeHtml (and arrays of it). */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  const render = (v: unknown): string => (Array.isArray(v) ? v.map(render).join('') : v instanceof SafeHtml ? v.toString() : escapeHtml(v));
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return new SafeHtml(out);
}
