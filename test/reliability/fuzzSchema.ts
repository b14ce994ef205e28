// JSON Schema (as TypeBox emits it and @fastify/swagger publishes it) -> fast-check
// arbitraries of values that mostly satisfy the schema. "Mostly": strings under a
// pattern come from the pattern itself, lengths and bounds are honoured, but formats we
// do not model fall back to plain strings. The fuzzer's hostile cases start from these
// values and break them on purpose (fuzzMutations.ts), so a value that is valid except
// for one field is the interesting input, not a purely random one.
import fc from 'fast-check';

export type JsonSchema = {
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  patternProperties?: Record<string, JsonSchema>;
  minProperties?: number;
  maxProperties?: number;
  items?: JsonSchema | JsonSchema[];
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  default?: unknown;
};

/** Arrays and maps stay small: the point is shape, and big inputs are a mutation of their own. */
const MAX_ITEMS = 4;
const MAX_STRING = 40;

function stringArb(s: JsonSchema): fc.Arbitrary<string> {
  const min = s.minLength ?? 0;
  const max = s.maxLength ?? Number.POSITIVE_INFINITY;
  const fits = (v: string) => v.length >= min && v.length <= max;
  if (s.format === 'uuid') return fc.uuid();
  if (s.format === 'uri' || s.format === 'url') {
    const urls = fc.webUrl({ withQueryParameters: true, withFragments: false }).filter(fits);
    return s.pattern ? urls.filter((v) => new RegExp(s.pattern!, 'u').test(v)) : urls;
  }
  if (s.format === 'date-time') return fc.date({ noInvalidDate: true }).map((d) => d.toISOString());
  if (s.pattern !== undefined) {
    const re = new RegExp(s.pattern, 'u');
    // Unanchored patterns accept anything containing a match; generate the match itself.
    return fc.stringMatching(re).filter(fits);
  }
  const cap = Math.min(max, Math.max(min, MAX_STRING));
  return fc.oneof(
    { weight: 3, arbitrary: fc.string({ minLength: min, maxLength: cap }) },
    { weight: 1, arbitrary: fc.string({ minLength: min, maxLength: cap, unit: 'grapheme' }) },
  );
}

function numberArb(s: JsonSchema, integer: boolean): fc.Arbitrary<number> {
  const lo = s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : undefined);
  const hi = s.maximum ?? (s.exclusiveMaximum !== undefined ? s.exclusiveMaximum - 1 : undefined);
  if (integer) {
    const min = Math.max(lo ?? -1_000_000, Number.MIN_SAFE_INTEGER);
    const max = Math.min(hi ?? 1_000_000, Number.MAX_SAFE_INTEGER);
    return fc.integer({ min: Math.ceil(min), max: Math.floor(max) });
  }
  return fc.double({ min: lo ?? -1e9, max: hi ?? 1e9, noNaN: true, noDefaultInfinity: true });
}

function objectArb(s: JsonSchema): fc.Arbitrary<Record<string, unknown>> {
  const props = s.properties ?? {};
  const required = new Set(s.required ?? []);
  const fixed = fc.record(
    Object.fromEntries(Object.entries(props).map(([k, v]) => [k, arbitraryFor(v)])),
    { requiredKeys: Object.keys(props).filter((k) => required.has(k)) },
  );
  // Type.Record(...) publishes as patternProperties; additionalProperties: schema as a map too.
  const extraSchemas: [string, JsonSchema][] = Object.entries(s.patternProperties ?? {});
  if (typeof s.additionalProperties === 'object') extraSchemas.push(['', s.additionalProperties]);
  const maxExtra = Math.min(s.maxProperties ?? MAX_ITEMS, MAX_ITEMS);
  const extras =
    extraSchemas.length === 0 || maxExtra === 0
      ? fc.constant({})
      : fc.oneof(
          ...extraSchemas.map(([pattern, value]) =>
            fc.dictionary(pattern === '' || pattern === '^(.*)$' ? fc.string({ minLength: 1, maxLength: 12 }) : fc.stringMatching(new RegExp(pattern, 'u')), arbitraryFor(value), {
              maxKeys: maxExtra,
            }),
          ),
        );
  return fc.tuple(fixed, extras).map(([a, b]) => ({ ...b, ...a }));
}

/** Values shaped by `schema`; `{}` (TypeBox Unknown) is any JSON value. */
export function arbitraryFor(schema: JsonSchema): fc.Arbitrary<unknown> {
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const union = schema.anyOf ?? schema.oneOf;
  if (union) return fc.oneof(...union.map(arbitraryFor));
  if (schema.allOf && schema.allOf.length > 0) return arbitraryFor(Object.assign({}, ...schema.allOf) as JsonSchema);
  const type = schema.type;
  if (Array.isArray(type)) return fc.oneof(...type.map((t) => arbitraryFor({ ...schema, type: t })));
  switch (type) {
    case 'string':
      return stringArb(schema);
    case 'integer':
      return numberArb(schema, true);
    case 'number':
      return numberArb(schema, false);
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const item = Array.isArray(schema.items) ? fc.oneof(...schema.items.map(arbitraryFor)) : arbitraryFor(schema.items ?? {});
      const minLength = schema.minItems ?? 0;
      return fc.array(item, { minLength, maxLength: Math.max(minLength, Math.min(schema.maxItems ?? MAX_ITEMS, MAX_ITEMS)) });
    }
    case 'object':
      return objectArb(schema);
    default:
      return schema.properties ? objectArb(schema) : fc.jsonValue({ maxDepth: 3 });
  }
}
