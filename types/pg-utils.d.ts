// pg's parameter serialiser (pg ships no types for its lib/ files); core/db/one-round-trip.ts uses it.
declare module 'pg/lib/utils.js' {
  export function prepareValue(value: unknown): unknown;
}
