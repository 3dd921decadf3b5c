import fc from 'fast-check';

/**
 * fast-check arbitraries from OpenAPI 3.1 (JSON Schema 2020-12) schemas, for the property-based
 * fuzz test (issue 14). Values follow the schema most of the time and are hostile now and then
 * (NUL, unpaired surrogates, SQL, huge numbers, wrong types), so both the happy path and the
 * error path of every operation are walked.
 */

export type JsonSchema = {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
};

const NO_NUL = '^[^\\u0000]*$';

export const HOSTILE_STRINGS = [
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfffy',
  "'; DROP TABLE tenants; --",
  '../../../etc/passwd',
  '<script>alert(1)</script>',
  '%00',
  '9'.repeat(400),
  ' ',
  '',
  '0001-01-01',
  '9999-12-31',
  '-1',
  '1e309',
];

const hostile = (): fc.Arbitrary<unknown> =>
  fc.oneof(fc.constantFrom(...HOSTILE_STRINGS), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 3 }), fc.string({ unit: 'binary', maxLength: 40 }));

export class ArbitraryBuilder {
  constructor(
    private readonly components: Record<string, JsonSchema>,
    /** Known-good values by property or parameter name (ids of things that exist), mixed in often. */
    private readonly known: Record<string, unknown[]> = {},
  ) {}

  resolve(schema: JsonSchema): JsonSchema {
    let s = schema;
    for (let i = 0; s.$ref && i < 20; i++) s = this.components[s.$ref.replace('#/components/schemas/', '')] ?? {};
    return s;
  }

  /** A value for `schema`; `name` picks known values; `hostileWeight` 0 gives schema-shaped values only. */
  of(schema: JsonSchema, name?: string, depth = 0, hostileWeight = 1): fc.Arbitrary<unknown> {
    const valid = this.valid(this.resolve(schema), name, depth);
    const knownValues = name ? this.known[name] : undefined;
    const parts: { arbitrary: fc.Arbitrary<unknown>; weight: number }[] = [{ arbitrary: valid, weight: 8 }];
    if (knownValues?.length) parts.push({ arbitrary: fc.constantFrom(...knownValues), weight: 8 });
    if (hostileWeight > 0) parts.push({ arbitrary: hostile(), weight: hostileWeight });
    return fc.oneof(...parts);
  }

  private valid(s: JsonSchema, name: string | undefined, depth: number): fc.Arbitrary<unknown> {
    if (s.const !== undefined) return fc.constant(s.const);
    if (s.enum) return fc.constantFrom(...s.enum);
    const alternatives = s.anyOf ?? s.oneOf;
    if (alternatives) return fc.oneof(...alternatives.map((a) => this.of(a, name, depth + 1, 0)));
    if (s.allOf?.length) return this.of(s.allOf[0]!, name, depth + 1, 0);
    const types = Array.isArray(s.type) ? s.type : s.type ? [s.type] : [];
    if (types.length > 1) return fc.oneof(...types.map((t) => this.valid({ ...s, type: t }, name, depth)));
    switch (types[0]) {
      case 'null':
        return fc.constant(null);
      case 'boolean':
        return fc.boolean();
      case 'integer': {
        const min = s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : -1_000_000);
        const max = s.maximum ?? (s.exclusiveMaximum !== undefined ? s.exclusiveMaximum - 1 : 1_000_000);
        return fc.integer({ min: Math.max(min, Number.MIN_SAFE_INTEGER), max: Math.min(max, Number.MAX_SAFE_INTEGER) });
      }
      case 'number':
        return fc.double({ min: s.minimum ?? s.exclusiveMinimum ?? -1e6, max: s.maximum ?? s.exclusiveMaximum ?? 1e6, noNaN: true, noDefaultInfinity: true });
      case 'array': {
        if (depth > 4) return fc.constant([]);
        return fc.array(this.of(s.items ?? {}, undefined, depth + 1, 0), { minLength: s.minItems ?? 0, maxLength: Math.min(s.maxItems ?? 4, Math.max(4, s.minItems ?? 0)) });
      }
      case 'object':
        return this.object(s, depth);
      case 'string':
        return this.string(s);
      default:
        return s.properties ? this.object(s, depth) : fc.jsonValue({ maxDepth: 2 });
    }
  }

  private object(s: JsonSchema, depth: number): fc.Arbitrary<unknown> {
    if (depth > 5) return fc.constant({});
    const props = s.properties ?? {};
    const required = new Set(s.required ?? []);
    const record: Record<string, fc.Arbitrary<unknown>> = {};
    for (const [key, sub] of Object.entries(props)) record[key] = this.of(sub, key, depth + 1, 1);
    return fc.record(record, { requiredKeys: [...required].filter((k) => k in props) });
  }

  private string(s: JsonSchema): fc.Arbitrary<unknown> {
    const minLength = s.minLength ?? 0;
    const maxLength = Math.min(s.maxLength ?? 40, Math.max(40, minLength));
    switch (s.format) {
      case 'uuid':
        return fc.uuid();
      case 'email':
        return fc.emailAddress().filter((e) => e.length <= (s.maxLength ?? 254));
      case 'date-time':
        return fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString());
      case 'date':
        return fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
      case 'uri':
        return fc.webUrl();
      default:
        break;
    }
    // The document's "no NUL" pattern: plain strings of the right length (fast-check's default units hold no NUL).
    if (s.pattern && s.pattern !== NO_NUL) {
      try {
        const regex = new RegExp(s.pattern, 'u');
        // Never a filter (it can spin on a pattern that rarely fits the lengths): generated values
        // may break minLength/maxLength now and then, which the server must answer with a 422.
        return fc.stringMatching(regex, { size: 'small' });
      } catch {
        /* a pattern fast-check cannot generate from: plain strings below */
      }
    }
    return fc.string({ minLength, maxLength });
  }
}
