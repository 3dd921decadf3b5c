import { z } from 'zod';

/**
 * Strings entering PostgreSQL (issue 14). PostgreSQL cannot store U+0000 in `text` or `jsonb`, and
 * `jsonb` refuses an unpaired UTF-16 surrogate. The one rule, applied by `mountRoute` to every
 * validated string of every declared route:
 * - unpaired surrogates become U+FFFD everywhere (what any UTF-8 encoder does anyway);
 * - U+0000 in an identifier, name or setting → 422 naming the field: it is never typed by a person,
 *   so it is a bug or a probe, and silently changing a name or an email would be worse;
 * - U+0000 in free text a person typed (chat messages, contact texts, notes, reasons, comments) is
 *   stripped: rejecting a shopper's message over an invisible pasted character helps nobody.
 * Other control characters (tab, line breaks, ...) are storable and kept; where they could do harm
 * (mail subjects, headers) they are flattened on output.
 */

const NUL = /\u0000/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export const NUL_MESSAGE = 'must not contain NUL (U+0000) characters';

/** The text PostgreSQL can store: NUL removed, unpaired surrogates replaced by U+FFFD. */
export function storableText(value: string): string {
  return value.replace(NUL, '').replace(LONE_SURROGATE, '\ufffd');
}

export function hasNul(value: string): boolean {
  return value.includes('\u0000');
}

export function wellFormed(value: string): string {
  return value.replace(LONE_SURROGATE, '\ufffd');
}

/** A free-text field: NUL characters are stripped before any other check (chain `.trim().max()` after). */
export const freeText = () => z.string().overwrite(storableText);
