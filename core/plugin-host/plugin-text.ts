import type { CatalogProduct } from '@concierge/plugin-sdk';
import { storableText } from '../wire/text.ts';

/**
 * Platform data enters through the plugin host (catalog sync pages, product webhooks), not through
 * a declared route, so the NUL/text rule of core/http/route.ts never saw it (issue 14). A platform
 * product is never refused over an invisible character (one bad title must not fail a sync page):
 * NUL and other control characters are stripped, unpaired surrogates become U+FFFD; descriptions
 * keep tabs and line breaks, every other field is one line (line breaks and tabs become a space).
 */

// C0 controls except tab/LF/CR, DEL, C1 controls.
const CONTROL = /[\u0001-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;
const LINE_BREAKS = /[\t\n\r\u2028\u2029]+/g;

export function platformText(value: string, multiline = false): string {
  const text = storableText(value).replace(CONTROL, '');
  return multiline ? text : text.replace(LINE_BREAKS, ' ');
}

/** Every string of a value (keys included), one line each: tags, variants, anything a plugin nests. */
function platformValue(value: unknown): unknown {
  if (typeof value === 'string') return platformText(value);
  if (Array.isArray(value)) return value.map(platformValue);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [platformText(k), platformValue(v)]));
  return value;
}

/** A product as a plugin returned it, made storable (see above). */
export function storableProduct(product: CatalogProduct): CatalogProduct {
  const clean = platformValue(product) as CatalogProduct;
  return typeof product.description === 'string' ? { ...clean, description: platformText(product.description, true) } : clean;
}
