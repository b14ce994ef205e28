// Many products through one bulk mutation (shopify.dev "Bulk import data"): the productSet
// variables of every product as one JSONL file, staged with stagedUploadsCreate and a multipart
// POST, run with bulkOperationRunMutation, polled until COMPLETED, and its result JSONL read back
// line by line (__lineNumber = the product's index). Shopify runs one bulk mutation per shop at a
// time, so a running one (another worker's, or ours before a crash) is waited for, not raced.
// Two outcomes are repaired one product at a time instead of failing: a linked product deleted in
// Shopify (create it again) and a create refused because the handle is taken (an earlier attempt
// created it and died before recording: find it by SKU and update it).
import { inOrder, itemError } from '../../domain/pushOutcome.ts';
import { ProviderError, type BulkItemOutcome, type ConnectionContext, type PushProduct, type PushResult } from '../types.ts';
import { SHOPIFY_BULK_LINES_PER_SECOND } from './facts.ts';
import type { ShopifyGraphqlClient } from './graphqlClient.ts';
import { isRecord, send, type HttpDeps } from './http.ts';
import { productNeedsLocation, toProductSetInput } from './mapping.ts';
import * as Q from './queries.ts';

export interface BulkDeps {
  gql: ShopifyGraphqlClient;
  http: HttpDeps;
  firstLocation(ctx: ConnectionContext): Promise<string | null>;
  upsertProduct(ctx: ConnectionContext, product: PushProduct, remoteId: string | null): Promise<PushResult>;
  findRemoteProduct(ctx: ConnectionContext, skus: string[]): Promise<string | null>;
  sleep?: (ms: number) => Promise<void>;
}

interface UserError {
  field?: string[] | null;
  message: string;
  code?: string | null;
}
type Answer = { ok: true; result: PushResult } | { ok: false; error: ProviderError };

const GONE = /does not exist|not found/i;
const TERMINAL = new Set(['COMPLETED', 'FAILED', 'CANCELED', 'EXPIRED']);

async function stage(deps: BulkDeps, ctx: ConnectionContext, jsonl: string): Promise<string> {
  const data = await deps.gql.request<{ stagedUploadsCreate: { stagedTargets: { url: string; parameters: { name: string; value: string }[] }[] | null; userErrors: UserError[] } }>(ctx, {
    what: 'stagedUploadsCreate',
    query: Q.STAGED_UPLOADS_CREATE.query,
    variables: { input: [{ resource: 'BULK_MUTATION_VARIABLES', filename: 'bulk_op_vars', mimeType: 'text/jsonl', httpMethod: 'POST' }] },
    estimatedCost: Q.STAGED_UPLOADS_CREATE.cost,
  });
  const target = data.stagedUploadsCreate.stagedTargets?.[0];
  const key = target?.parameters.find((p) => p.name === 'key')?.value;
  if (!target || key === undefined) throw new ProviderError('PROTOCOL', `Shopify stagedUploadsCreate gave no target: ${data.stagedUploadsCreate.userErrors.map((e) => e.message).join('; ')}`);
  // The storage bucket wants its form parameters first and the file last.
  const form = new FormData();
  for (const p of target.parameters) form.append(p.name, p.value);
  form.append('file', new Blob([jsonl], { type: 'text/jsonl' }), 'bulk_op_vars');
  const res = await send(deps.http, 'staged upload', target.url, { method: 'POST', body: form });
  await res.arrayBuffer().catch(() => null);
  if (res.status >= 500) throw new ProviderError('UNAVAILABLE', `Shopify staged upload answered HTTP ${res.status}`, { status: res.status });
  if (res.status < 200 || res.status >= 300) throw new ProviderError('PROTOCOL', `Shopify staged upload refused the file (HTTP ${res.status})`, { status: res.status });
  return key;
}

async function waitForOperation(deps: BulkDeps, ctx: ConnectionContext, id: string, lines: number, deadline: number): Promise<{ status: string; errorCode: string | null; url: string | null }> {
  const sleep = deps.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  for (;;) {
    const data = await deps.gql.request<{ node: { id: string; status: string; errorCode: string | null; objectCount: string; url: string | null } | null }>(ctx, {
      what: 'bulk operation status',
      query: Q.BULK_OPERATION_NODE.query,
      variables: { id },
      estimatedCost: Q.BULK_OPERATION_NODE.cost,
    });
    const op = data.node;
    if (op === null) throw new ProviderError('PROTOCOL', `Shopify does not know bulk operation ${id}`);
    if (TERMINAL.has(op.status)) return op;
    if (Date.now() > deadline) throw new ProviderError('TIMEOUT', `Shopify bulk operation ${id} still ${op.status} at the deadline`);
    // Poll about when the remaining lines should be done, between 0.2 and 1 s: the end of an
    // operation is noticed within 0.2 s, and a 10,000-line operation costs ~60 polls (2 points each).
    const remaining = Math.max(0, lines - Number(op.objectCount));
    await sleep(Math.min(1000, Math.max(200, (remaining / SHOPIFY_BULK_LINES_PER_SECOND) * 1000)));
  }
}

/** Starts the bulk mutation, waiting out a bulk mutation already running on the shop. */
async function start(deps: BulkDeps, ctx: ConnectionContext, stagedUploadPath: string, deadline: number): Promise<string> {
  for (;;) {
    const data = await deps.gql.request<{ bulkOperationRunMutation: { bulkOperation: { id: string } | null; userErrors: UserError[] } }>(ctx, {
      what: 'bulkOperationRunMutation',
      query: Q.BULK_OPERATION_RUN_MUTATION.query,
      variables: { mutation: Q.BULK_PRODUCT_SET_LINE, stagedUploadPath },
      estimatedCost: Q.BULK_OPERATION_RUN_MUTATION.cost,
    });
    const payload = data.bulkOperationRunMutation;
    if (payload.bulkOperation) return payload.bulkOperation.id;
    if (!payload.userErrors.some((e) => e.code === 'OPERATION_IN_PROGRESS')) {
      throw new ProviderError('PROTOCOL', `Shopify bulkOperationRunMutation refused: ${payload.userErrors.map((e) => `${e.code ?? ''} ${e.message}`).join('; ')}`);
    }
    const current = await deps.gql.request<{ currentBulkOperation: { id: string; status: string } | null }>(ctx, {
      what: 'current bulk operation',
      query: Q.CURRENT_BULK_MUTATION.query,
      estimatedCost: Q.CURRENT_BULK_MUTATION.cost,
    });
    if (current.currentBulkOperation) await waitForOperation(deps, ctx, current.currentBulkOperation.id, 0, deadline);
    if (Date.now() > deadline) throw new ProviderError('RATE_LIMITED', 'Another bulk mutation is still running on this shop', { retryAfterMs: 30_000 });
  }
}

function parseLine(line: string): { n: number; errors: string[]; payload: { product: { id: string; variants: { nodes: { id: string; sku: string | null }[] } } | null; userErrors: UserError[] } | null } | null {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return null;
  }
  if (!isRecord(v) || typeof v.__lineNumber !== 'number') return null;
  const errors = Array.isArray(v.errors) ? v.errors.map((e) => (isRecord(e) && typeof e.message === 'string' ? e.message : 'error')) : [];
  const data = isRecord(v.data) && isRecord(v.data.productSet) ? v.data.productSet : null;
  return { n: v.__lineNumber, errors, payload: data as never };
}

export async function bulkUpsertShopify(deps: BulkDeps, ctx: ConnectionContext, products: readonly PushProduct[], known: ReadonlyMap<string, string>): Promise<BulkItemOutcome[]> {
  if (products.length === 0) return [];
  const locationId = products.some(productNeedsLocation) ? await deps.firstLocation(ctx) : null;
  const jsonl = products.map((p) => JSON.stringify({ input: toProductSetInput(p, known.get(p.id) ?? null, locationId) })).join('\n');
  // Three times the modelled processing time plus two minutes before giving up (and retrying).
  const deadline = Date.now() + 120_000 + (3000 * products.length) / SHOPIFY_BULK_LINES_PER_SECOND;
  const path = await stage(deps, ctx, jsonl);
  const id = await start(deps, ctx, path, deadline);
  const op = await waitForOperation(deps, ctx, id, products.length, deadline);
  if (op.status !== 'COMPLETED' || op.url === null) {
    throw new ProviderError('UNAVAILABLE', `Shopify bulk operation ended ${op.status}${op.errorCode ? ` (${op.errorCode})` : ''}`);
  }
  const res = await send(deps.http, 'bulk result', op.url, { method: 'GET' });
  if (res.status < 200 || res.status >= 300) throw new ProviderError('UNAVAILABLE', `Shopify bulk result answered HTTP ${res.status}`, { status: res.status });
  const text = await res.text();

  const answers = new Map<string, Answer>();
  const repairs: { product: PushProduct; remoteId: string | null; lookUp: boolean }[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const parsed = parseLine(line);
    const product = parsed ? products[parsed.n] : undefined;
    if (!parsed || !product) continue; // a line we cannot place: its product is reported as unanswered
    const payload = parsed.payload;
    if (parsed.errors.length > 0 || payload === null) {
      answers.set(product.id, { ok: false, error: itemError('Shopify', { code: 'GRAPHQL', message: parsed.errors.join('; ').slice(0, 300) || 'no data' }) });
    } else if (payload.userErrors.length > 0) {
      const remote = known.get(product.id) ?? null;
      if (remote !== null && payload.userErrors.some((e) => GONE.test(e.message))) repairs.push({ product, remoteId: null, lookUp: false });
      else if (remote === null && payload.userErrors.some((e) => e.code === 'HANDLE_NOT_UNIQUE')) repairs.push({ product, remoteId: null, lookUp: true });
      else {
        const e = payload.userErrors[0]!;
        answers.set(product.id, { ok: false, error: itemError('Shopify', { code: e.code ?? 'USER_ERROR', message: payload.userErrors.map((u) => u.message).join('; ') }) });
      }
    } else if (payload.product) {
      const variantIds: Record<string, string> = {};
      for (const v of payload.product.variants.nodes) if (v.sku) variantIds[v.sku] = v.id;
      answers.set(product.id, { ok: true, result: { remoteId: payload.product.id, variantIds } });
    }
  }
  for (const r of repairs) {
    try {
      const remoteId = r.lookUp ? await deps.findRemoteProduct(ctx, r.product.variants.map((v) => v.sku)) : r.remoteId;
      answers.set(r.product.id, { ok: true, result: await deps.upsertProduct(ctx, r.product, remoteId) });
    } catch (err) {
      if (!(err instanceof ProviderError)) throw err;
      answers.set(r.product.id, { ok: false, error: err });
    }
  }
  return inOrder(products.map((p) => p.id), answers, 'Shopify');
}
