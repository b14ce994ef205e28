// The fake's validator, derived at load time from Amazon's published Swagger 2.0 model
// (../shared/contracts/amazon/listingsItems_2021-08-01.json): each operation's path and
// query parameters become one JSON Schema (csv arrays split first, integers read as
// numbers, unknown parameters refused), its body parameter and its responses are checked
// against the model's `definitions` with ajv. The model's sandbox examples
// (x-amzn-api-sandbox) are kept as fixtures. Nothing here is written by hand.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** src/providers/amazon/fake -> the repository root is four levels up. */
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
export const DEFAULT_CONTRACT_PATH = resolve(REPO_ROOT, '..', 'shared', 'contracts', 'amazon', 'listingsItems_2021-08-01.json');

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

interface SwaggerParam {
  name: string;
  in: 'path' | 'query' | 'body' | 'header';
  required?: boolean;
  type?: string;
  items?: Json;
  collectionFormat?: string;
  schema?: Json;
  [k: string]: unknown;
}

export interface SandboxFixture {
  /** Request parameter values the example applies to (sku, mode, …). */
  when: Record<string, unknown>;
  response: unknown;
}

export interface Operation {
  method: string;
  /** The model's path template, e.g. /listings/2021-08-01/items/{sellerId}/{sku}. */
  template: string;
  pattern: RegExp;
  pathNames: string[];
  arrayParams: Set<string>;
  integerParams: Set<string>;
  params: ValidateFunction;
  body: ValidateFunction | null;
  responses: Map<number, ValidateFunction>;
  fixtures: SandboxFixture[];
}

export interface ListingsContract {
  source: string;
  operations: Operation[];
}

const PARAM_KEYWORDS = ['type', 'enum', 'maxItems', 'minItems', 'maxLength', 'minLength', 'pattern', 'minimum', 'maximum', 'format'];

function paramSchema(p: SwaggerParam): Json {
  const out: Json = {};
  for (const k of PARAM_KEYWORDS) if (p[k] !== undefined) out[k] = p[k];
  if (p.items) out.items = Object.fromEntries(Object.entries(p.items).filter(([k]) => PARAM_KEYWORDS.includes(k)));
  return out;
}

/** Swagger 2 `$ref: #/definitions/X` -> the added schema `listings#/definitions/X`. */
function rebase(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(rebase);
  if (!isObj(v)) return v;
  return Object.fromEntries(
    Object.entries(v).map(([k, x]) => [k, k === '$ref' && typeof x === 'string' && x.startsWith('#/definitions/') ? `listings${x}` : rebase(x)]),
  );
}

export function loadListingsContract(path: string): ListingsContract | null {
  if (!existsSync(path)) return null;
  const doc = JSON.parse(readFileSync(path, 'utf8')) as { paths: Record<string, Record<string, unknown>>; definitions: Json };
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ $id: 'listings', definitions: rebase(doc.definitions) as Json });
  const operations: Operation[] = [];
  for (const [template, item] of Object.entries(doc.paths)) {
    const shared = (Array.isArray(item.parameters) ? item.parameters : []) as SwaggerParam[];
    for (const [method, opRaw] of Object.entries(item)) {
      if (method === 'parameters' || !isObj(opRaw)) continue;
      const params = [...shared, ...((Array.isArray(opRaw.parameters) ? opRaw.parameters : []) as SwaggerParam[])];
      const properties: Json = {};
      const required: string[] = [];
      let body: ValidateFunction | null = null;
      const arrayParams = new Set<string>();
      const integerParams = new Set<string>();
      for (const p of params) {
        if (p.in === 'body') {
          body = p.schema ? ajv.compile(rebase(p.schema) as Json) : null;
          continue;
        }
        if (p.in !== 'path' && p.in !== 'query') continue;
        properties[p.name] = paramSchema(p);
        if (p.required) required.push(p.name);
        if (p.type === 'array') arrayParams.add(p.name);
        if (p.type === 'integer') integerParams.add(p.name);
      }
      const responses = new Map<number, ValidateFunction>();
      const fixtures: SandboxFixture[] = [];
      for (const [status, r] of Object.entries(isObj(opRaw.responses) ? opRaw.responses : {})) {
        if (!isObj(r)) continue;
        if (isObj(r.schema)) responses.set(Number(status), ajv.compile(rebase(r.schema) as Json));
        const sandbox = isObj(r['x-amzn-api-sandbox']) ? r['x-amzn-api-sandbox'] : null;
        for (const s of Array.isArray(sandbox?.static) ? sandbox.static : []) {
          if (!isObj(s) || !isObj(s.request) || !isObj(s.request.parameters) || Number(status) !== 200) continue;
          const when = Object.fromEntries(Object.entries(s.request.parameters).filter(([, v]) => isObj(v) && 'value' in v).map(([k, v]) => [k, (v as Json).value]));
          if (Object.keys(when).length > 0) fixtures.push({ when, response: s.response });
        }
      }
      const pathNames = [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
      operations.push({
        method: method.toUpperCase(),
        template,
        pattern: new RegExp(`^${template.replace(/\{\w+\}/g, '([^/]+)')}$`),
        pathNames,
        arrayParams,
        integerParams,
        params: ajv.compile({ type: 'object', properties, required, additionalProperties: false }),
        body,
        responses,
        fixtures,
      });
    }
  }
  return { source: path, operations };
}

export interface MatchedRequest {
  op: Operation;
  /** Path and query parameters after csv/integer decoding. */
  params: Record<string, unknown>;
}

/** The operation a request is for, with its decoded parameters; null when the model has no such route. */
export function matchOperation(contract: ListingsContract, method: string, pathname: string, query: URLSearchParams): MatchedRequest | null {
  for (const op of contract.operations) {
    if (op.method !== method) continue;
    const m = op.pattern.exec(pathname);
    if (!m) continue;
    const params: Record<string, unknown> = {};
    op.pathNames.forEach((n, i) => (params[n] = decodeURIComponent(m[i + 1]!)));
    for (const [k, v] of query) {
      if (op.arrayParams.has(k)) params[k] = v.split(',');
      else if (op.integerParams.has(k) && /^-?\d+$/.test(v)) params[k] = Number(v);
      else params[k] = v;
    }
    return { op, params };
  }
  return null;
}

export const describeErrors = (v: ValidateFunction): string =>
  (v.errors ?? []).slice(0, 5).map((e) => `${e.instancePath || '/'} ${e.message ?? 'invalid'}`).join('; ');
