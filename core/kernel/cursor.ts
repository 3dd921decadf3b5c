/**
 * The one cursor codec of every keyset-paginated list (design.md §10: lists are `{ items, nextCursor }`).
 *
 * A cursor is opaque to clients: base64url of a JSON array whose first element names the list it
 * belongs to (`['bookings', '2027-03-11T09:00:00.000Z', '<uuid>']`, `['products', 'the-handle']`).
 * Decoding checks that name, so a cursor handed to another list — or edited, truncated, invented — is
 * refused with a `CursorError` (the HTTP layer answers it as a validation problem on `query.cursor`),
 * never half-read into a query.
 */

/** A (timestamp, id) keyset position: the last row of the previous page. */
export interface Keyset {
  at: Date;
  id: string;
}

/** A cursor this API did not issue for this list. Coded so the HTTP layer maps it without knowing the module. */
export class CursorError extends Error {
  override readonly name = 'CursorError';
  readonly code = 'INVALID_CURSOR';
  readonly field = 'query.cursor';
  constructor(readonly list: string) {
    super('is not a cursor this API returned for this list');
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function encode(list: string, parts: string[]): string {
  return Buffer.from(JSON.stringify([list, ...parts])).toString('base64url');
}

/** The parts after the list name, or a CursorError when the cursor is not one of `list`'s with `size` string parts. */
function decode(list: string, cursor: string, size: number): string[] {
  let raw: unknown;
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw new CursorError(list);
    raw = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new CursorError(list);
  }
  if (!Array.isArray(raw) || raw.length !== size + 1 || raw[0] !== list || !raw.every((p) => typeof p === 'string')) throw new CursorError(list);
  return raw.slice(1) as string[];
}

export function encodeKeyset(list: string, at: Date | string, id: string): string {
  return encode(list, [new Date(at).toISOString(), id]);
}

/** `undefined` for no cursor (the first page); a CursorError for one that is not `list`'s. */
export function decodeKeyset(list: string, cursor: string | undefined): Keyset | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  const [at, id] = decode(list, cursor, 2) as [string, string];
  const date = new Date(at);
  if (Number.isNaN(date.getTime()) || date.toISOString() !== at || !UUID.test(id)) throw new CursorError(list);
  return { at: date, id };
}

/** A cursor on a single string key (e.g. a product handle). */
export function encodeKey(list: string, key: string): string {
  return encode(list, [key]);
}

export function decodeKey(list: string, cursor: string | undefined): string | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  const [key] = decode(list, cursor, 1) as [string];
  if (key === '') throw new CursorError(list);
  return key;
}
