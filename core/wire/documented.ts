/**
 * Refinements the API document cannot derive (issue 14): zod's `refine`/`transform` are code, so
 * the schemas that use them state the same rule here as JSON Schema keywords, with words for what
 * JSON Schema cannot say. Spread into `.meta()` after the refinement.
 */

/** An IANA zone name such as "Europe/Berlin" or "UTC"; the runtime's zone database decides. */
export const TIME_ZONE_DOC = {
  pattern: '^[A-Za-z][A-Za-z0-9_+-]*(?:/[A-Za-z0-9_+-]+)*$',
  description: 'An IANA time zone name the server knows, such as "Europe/Berlin" or "UTC".',
} as const;
