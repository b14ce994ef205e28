// The fake's validators, derived at load time from Xero's published OpenAPI documents in
// ../shared/contracts/xero: xero_accounting.yaml (the Items operations: parameters and the
// Items/Item/Purchase request body), xero-identity.yaml (GET /Connections) and
// xero-webhooks.yaml (the WebhookEvent the fake sends). Nothing is restated by hand except
// the corrections in OVERLAY comments below, each with its reason.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsImport from 'ajv-formats';
// `yaml` is already installed (a dependency of @fastify/swagger); no new package.
import { parse as parseYaml } from 'yaml';

const addFormats = addFormatsImport as unknown as (ajv: Ajv) => Ajv;

/** src/providers/xero/fake -> the repository root is four levels up. */
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
export const DEFAULT_CONTRACT_DIR = resolve(REPO_ROOT, '..', 'shared', 'contracts', 'xero');

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface OperationValidator {
  /** Query string as an object of strings (coerced to the declared types). */
  query: ValidateFunction;
  /** Headers, lower-cased names; only declared ones are checked, required ones must be present. */
  headers: ValidateFunction;
  /** Path parameters by name. */
  params: ValidateFunction;
  /** The JSON body, or null when the operation takes none. */
  body: ValidateFunction | null;
}

export interface XeroContract {
  source: string;
  /** Keyed "METHOD /path" exactly as the contract spells the path, e.g. "POST /Items". */
  operations: Map<string, OperationValidator>;
  webhookEvent: ValidateFunction;
}

function newAjv(coerce: boolean): Ajv {
  const ajv = addFormats(new Ajv({ coerceTypes: coerce, allErrors: true, strict: false, validateSchema: false }));
  // OVERLAY: Xero's own payloads write date-times without a zone ("2024-06-21T01:15:39.902",
  // the webhooks contract's example), which the strict RFC 3339 format refuses.
  ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/i);
  return ajv;
}

function deref(doc: Json, v: unknown): Json {
  if (isObj(v) && typeof v.$ref === 'string' && v.$ref.startsWith('#/')) {
    let cur: unknown = doc;
    for (const part of v.$ref.slice(2).split('/')) cur = isObj(cur) ? cur[part] : undefined;
    if (!isObj(cur)) throw new Error(`unresolved ${v.$ref}`);
    return cur;
  }
  if (!isObj(v)) throw new Error('not an object');
  return v;
}

/** OpenAPI parameters of one operation (path-level then operation-level) as three object schemas. */
function parameterSchemas(doc: Json, pathItem: Json, op: Json, docId: string): { query: Json; headers: Json; params: Json } {
  const out = {
    query: { type: 'object', properties: {} as Json, required: [] as string[], additionalProperties: false },
    headers: { type: 'object', properties: {} as Json, required: [] as string[] },
    params: { type: 'object', properties: {} as Json, required: [] as string[], additionalProperties: false },
  };
  const all = [...(Array.isArray(pathItem.parameters) ? pathItem.parameters : []), ...(Array.isArray(op.parameters) ? op.parameters : [])];
  for (const raw of all) {
    const p = deref(doc, raw);
    const name = String(p.name);
    const target = p.in === 'query' ? out.query : p.in === 'header' ? out.headers : p.in === 'path' ? out.params : null;
    if (target === null) continue;
    const key = p.in === 'header' ? name.toLowerCase() : name;
    // Refs inside a parameter schema point into the same document.
    target.properties[key] = rebase(p.schema ?? {}, docId);
    if (p.required === true || p.in === 'path') target.required.push(key);
  }
  return out;
}

/** Rewrites local "#/..." refs to "<docId>#/..." so a schema compiled on its own still resolves them. */
function rebase(schema: unknown, docId: string): unknown {
  if (Array.isArray(schema)) return schema.map((s) => rebase(s, docId));
  if (!isObj(schema)) return schema;
  const out: Json = {};
  for (const [k, v] of Object.entries(schema)) out[k] = k === '$ref' && typeof v === 'string' && v.startsWith('#/') ? `${docId}${v}` : rebase(v, docId);
  return out;
}

function loadYaml(path: string): Json {
  const doc = parseYaml(readFileSync(path, 'utf8'), { maxAliasCount: -1 }) as unknown;
  if (!isObj(doc)) throw new Error(`${path} is not an OpenAPI document`);
  return doc;
}

/** The operations the fake serves, as the contracts spell them. */
const ACCOUNTING_OPERATIONS: [string, string][] = [
  ['GET', '/Items'],
  ['POST', '/Items'],
  ['GET', '/Items/{ItemID}'],
  ['DELETE', '/Items/{ItemID}'],
];
const IDENTITY_OPERATIONS: [string, string][] = [
  ['GET', '/Connections'],
  ['DELETE', '/Connections/{id}'],
];

function addOperations(target: Map<string, OperationValidator>, doc: Json, docId: string, ops: [string, string][], queryAjv: Ajv, bodyAjv: Ajv): void {
  const paths = doc.paths;
  if (!isObj(paths)) throw new Error(`${docId} has no paths`);
  for (const [method, path] of ops) {
    const pathItem = paths[path];
    if (!isObj(pathItem)) throw new Error(`${docId} has no ${path}`);
    const op = pathItem[method.toLowerCase()];
    if (!isObj(op)) throw new Error(`${docId} has no ${method} ${path}`);
    const { query, headers, params } = parameterSchemas(doc, pathItem, op, docId);
    let body: ValidateFunction | null = null;
    const content = isObj(op.requestBody) && isObj(op.requestBody.content) ? op.requestBody.content['application/json'] : undefined;
    if (isObj(content) && content.schema !== undefined) body = bodyAjv.compile(rebase(content.schema, docId) as Json);
    target.set(`${method} ${path}`, { query: queryAjv.compile(query), headers: queryAjv.compile(headers), params: queryAjv.compile(params), body });
  }
}

let cached: { dir: string; contract: XeroContract | null } | null = null;

/** Null when the contract files are missing (the fake then runs unvalidated and says so). */
export function loadXeroContract(dir: string = DEFAULT_CONTRACT_DIR): XeroContract | null {
  if (cached?.dir === dir) return cached.contract;
  const files = { accounting: resolve(dir, 'xero_accounting.yaml'), identity: resolve(dir, 'xero-identity.yaml'), webhooks: resolve(dir, 'xero-webhooks.yaml') };
  if (!Object.values(files).every((f) => existsSync(f))) {
    cached = { dir, contract: null };
    return null;
  }
  const accounting = loadYaml(files.accounting);
  const schemas = isObj(accounting.components) && isObj(accounting.components.schemas) ? accounting.components.schemas : {};
  // OVERLAY: the contract leaves Item and Purchase open; the fake refuses unknown fields,
  // which here are Synq's own typos (Xero would silently ignore them).
  for (const name of ['Item', 'Purchase']) if (isObj(schemas[name])) schemas[name] = { ...schemas[name], additionalProperties: false };
  const identity = loadYaml(files.identity);
  const webhooks = loadYaml(files.webhooks);

  // Query strings and headers are text: coerce like an HTTP framework would ("4" is an integer).
  const queryAjv = newAjv(true);
  const bodyAjv = newAjv(false);
  for (const ajv of [queryAjv, bodyAjv]) {
    ajv.addSchema(accounting, 'xero-accounting');
    ajv.addSchema(identity, 'xero-identity');
  }
  const operations = new Map<string, OperationValidator>();
  addOperations(operations, accounting, 'xero-accounting', ACCOUNTING_OPERATIONS, queryAjv, bodyAjv);
  addOperations(operations, identity, 'xero-identity', IDENTITY_OPERATIONS, queryAjv, bodyAjv);

  const webhookSchemas = isObj(webhooks.components) && isObj(webhooks.components.schemas) ? webhooks.components.schemas : {};
  const event = webhookSchemas.WebhookEvent;
  if (!isObj(event) || !isObj(event.properties)) throw new Error('xero-webhooks.yaml has no WebhookEvent');
  // OVERLAY: the Intent to Receive deliveries carry firstEventSequence/lastEventSequence 0
  // (developer.xero.com, "Intent to receive"), below the contract's minimum of 1.
  const seq = (s: unknown) => (isObj(s) ? { ...s, minimum: 0 } : s);
  const eventSchema = { ...event, properties: { ...event.properties, firstEventSequence: seq(event.properties.firstEventSequence), lastEventSequence: seq(event.properties.lastEventSequence) } };
  const webhookEvent = bodyAjv.compile(eventSchema);

  const contract: XeroContract = { source: dir, operations, webhookEvent };
  cached = { dir, contract };
  return contract;
}

/** Xero's ValidationErrors wording for ajv errors: "<where> <what>". */
export function describeErrors(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).slice(0, 10).map((e) => {
    const where = e.instancePath === '' ? '' : e.instancePath.slice(1).replace(/\//g, '.');
    const extra = e.keyword === 'additionalProperties' ? ` (${String((e.params as { additionalProperty?: string }).additionalProperty)})` : '';
    return `${where || 'request'} ${e.message ?? 'is invalid'}${extra}`;
  });
}
