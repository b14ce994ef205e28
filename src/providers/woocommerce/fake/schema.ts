// The fake's request validator, derived at load time from WooCommerce's published REST
// index (../shared/contracts/woocommerce/wc-v3-index.json, the `routes` of GET /wp-json/wc/v3):
// every route's args become a JSON Schema per method (types, enums, required, nested
// properties) and ajv checks query strings and bodies against it. Nothing is written by hand
// except the three corrections listed in CONTRACT_OVERLAY, each with its reason.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

/** src/providers/woocommerce/fake -> the repository root is four levels up. */
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
export const DEFAULT_INDEX_PATH = resolve(REPO_ROOT, '..', 'shared', 'contracts', 'woocommerce', 'wc-v3-index.json');

type JsonSchema = Record<string, unknown>;
interface WpArg {
  type?: string | string[];
  enum?: unknown[];
  items?: WpArg;
  properties?: Record<string, WpArg>;
  required?: boolean;
}

/**
 * Corrections to the contract, applied after derivation:
 * - `modified_after`, `modified_before`, `dates_are_gmt` on collections: added in WooCommerce 5.8,
 *   after the docs snapshot the index was taken from (Synq's incremental order sync uses them).
 * - `images` on products is documented as "object" with `items`; the real endpoint takes and
 *   returns an array of images. An "object" with `items` is read as an array.
 * - `global_unique_id` (GTIN, UPC, EAN or ISBN) on products and variations: added in
 *   WooCommerce 9.2 (2024-08), after the snapshot; Synq sends barcodes in it.
 */
const NEWER_COLLECTION_ARGS: Record<string, JsonSchema> = {
  modified_after: { type: 'string' },
  modified_before: { type: 'string' },
  dates_are_gmt: { type: 'boolean' },
};

const NEWER_ITEM_ARGS: Record<string, JsonSchema> = { global_unique_id: { type: 'string' } };
/** Product and variation writes (single and batch): where NEWER_ITEM_ARGS apply. */
const PRODUCT_ITEM_ROUTE = /^\/wc\/v3\/products(\/\(\?P<id>[^)]*\))?(\/batch)?$|\/variations(\/\(\?P<id>[^)]*\))?(\/batch)?$/;

function convert(arg: WpArg): JsonSchema {
  const out: JsonSchema = {};
  let type = Array.isArray(arg.type) ? arg.type : arg.type === undefined ? [] : [arg.type];
  if (type.includes('object') && arg.items !== undefined) type = type.map((t) => (t === 'object' ? 'array' : t));
  // WordPress types: "date-time" is a string in the site's format (no zone required); "mixed" is anything.
  const mapped = type.filter((t) => t !== 'mixed').map((t) => (t === 'date-time' ? 'string' : t));
  if (mapped.length === 1) out.type = mapped[0];
  else if (mapped.length > 1 && !type.includes('mixed')) out.type = [...new Set(mapped)];
  if (arg.enum !== undefined) out.enum = arg.enum;
  if (arg.items !== undefined && (out.type === 'array' || (Array.isArray(out.type) && out.type.includes('array')))) out.items = convert(arg.items);
  if (arg.properties !== undefined) out.properties = Object.fromEntries(Object.entries(arg.properties).map(([k, v]) => [k, convert(v)]));
  return out;
}

export interface RouteSchema {
  /** The route as WordPress registers it, e.g. /wc/v3/products/(?P<id>[\d]+). */
  route: string;
  pattern: RegExp;
  methods: Set<string>;
  query: ValidateFunction;
  body: ValidateFunction | null;
  batch: boolean;
}

export interface LoadedContract {
  routes: RouteSchema[];
  source: string;
}

/**
 * Top-level unknown keys are refused (stricter than WordPress, which ignores them: here they
 * are our own typos). Nested objects stay open, as WordPress leaves them.
 */
function objectSchema(args: Record<string, WpArg>, exclude: Set<string>, extra: Record<string, JsonSchema> = {}): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const [name, arg] of Object.entries(args)) {
    if (exclude.has(name)) continue;
    properties[name] = convert(arg);
    if (arg.required === true) required.push(name);
  }
  Object.assign(properties, extra);
  return { type: 'object', properties, required, additionalProperties: false };
}

export function loadContract(path: string = DEFAULT_INDEX_PATH): LoadedContract | null {
  if (!existsSync(path)) return null;
  const index = JSON.parse(readFileSync(path, 'utf8')) as { routes: Record<string, { endpoints: { methods: string[]; args: Record<string, WpArg> }[] }> };
  // Query strings are text: coerce like WordPress does ("1" is an integer, "true" a boolean).
  const queryAjv = new Ajv({ coerceTypes: 'array', allErrors: true, strict: false });
  const bodyAjv = new Ajv({ coerceTypes: false, allErrors: true, strict: false });
  const routes: RouteSchema[] = [];
  for (const [route, def] of Object.entries(index.routes)) {
    const params = new Set([...route.matchAll(/\(\?P<(\w+)>/g)].map((m) => m[1]!));
    const pattern = new RegExp(`^${route.replace(/\(\?P<(\w+)>/g, '(?<$1>')}$`);
    const batch = route.endsWith('/batch');
    const isCollection = !batch && params.size === 0 ? true : /\/(variations)$/.test(route);
    for (const ep of def.endpoints) {
      const methods = new Set(ep.methods);
      const reads = methods.has('GET') || methods.has('DELETE');
      const extra = reads && methods.has('GET') && isCollection ? NEWER_COLLECTION_ARGS : {};
      const querySchema = reads ? objectSchema(ep.args, params, extra) : { type: 'object', properties: {}, additionalProperties: false };
      let body: ValidateFunction | null = null;
      if (!reads) {
        const item = objectSchema(ep.args, params, PRODUCT_ITEM_ROUTE.test(route) ? NEWER_ITEM_ARGS : {});
        const schema = batch
          ? {
              type: 'object',
              properties: {
                create: { type: 'array', items: item },
                update: { type: 'array', items: { ...item, properties: { ...(item.properties as object), id: { type: 'integer' } }, required: ['id'] } },
                delete: { type: 'array', items: { type: 'integer' } },
              },
              additionalProperties: false,
            }
          : item;
        body = bodyAjv.compile(schema);
      }
      routes.push({ route, pattern, methods, query: queryAjv.compile(querySchema), body, batch });
    }
  }
  return { routes, source: path };
}

/** WordPress's wording for invalid and missing parameters: rest_invalid_param / rest_missing_callback_param. */
export function describeErrors(errors: ErrorObject[] | null | undefined): { code: string; message: string; params: Record<string, string> } {
  const params: Record<string, string> = {};
  let missing = false;
  for (const e of errors ?? []) {
    if (e.keyword === 'required') {
      missing = true;
      params[String((e.params as { missingProperty: string }).missingProperty)] = 'required';
      continue;
    }
    const where = e.instancePath.slice(1).split('/')[0] || String((e.params as { additionalProperty?: string }).additionalProperty ?? 'body');
    params[where] = e.keyword === 'additionalProperties' ? `${where} is not a known parameter.` : `${e.instancePath.slice(1).replace(/\//g, '[') || where} ${e.message ?? 'is invalid'}.`;
  }
  const names = Object.keys(params).join(', ');
  return missing
    ? { code: 'rest_missing_callback_param', message: `Missing parameter(s): ${names}`, params }
    : { code: 'rest_invalid_param', message: `Invalid parameter(s): ${names}`, params };
}
