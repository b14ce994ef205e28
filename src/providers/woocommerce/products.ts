// Product push over REST v3: upsert by SKU (find, then create or update; variations
// through /variations/batch), delete with force=true, and the products batch endpoint
// for many products at once.
import { isRecord } from '../transport.ts';
import { ProviderError, type ConnectionContext, type PushProduct, type PushResult } from '../types.ts';
import { BATCH_LIMIT, PAGE_SIZE } from './facts.ts';
import type { WooRestClient } from './http.ts';
import { resolveCategory, resolveImages } from './catalogExtras.ts';
import { parentSku, toWooShape, type WooProductBody, type WooVariationBody } from './mapping.ts';

interface WooObject {
  id: number;
  sku?: string;
  type?: string;
}

/** One item's outcome inside a batch answer: WooCommerce answers 200 with per-item errors. */
export type BatchItemResult = { ok: true; id: number; sku: string | null } | { ok: false; id: number | null; code: string; message: string };

export interface BatchResult {
  create: BatchItemResult[];
  update: BatchItemResult[];
  delete: BatchItemResult[];
}

export interface BatchOps<C, U> {
  create?: C[];
  update?: U[];
  delete?: number[];
}

function itemResult(raw: unknown): BatchItemResult {
  if (!isRecord(raw)) return { ok: false, id: null, code: 'protocol', message: 'batch item is not an object' };
  const id = typeof raw.id === 'number' ? raw.id : null;
  if (isRecord(raw.error)) {
    const code = typeof raw.error.code === 'string' ? raw.error.code : 'error';
    const message = typeof raw.error.message === 'string' ? raw.error.message.slice(0, 300) : '';
    return { ok: false, id: id !== 0 ? id : null, code, message };
  }
  if (id === null) return { ok: false, id: null, code: 'protocol', message: 'batch item has no id' };
  return { ok: true, id, sku: typeof raw.sku === 'string' ? raw.sku : null };
}

const results = (v: unknown): BatchItemResult[] => (Array.isArray(v) ? v.map(itemResult) : []);

/**
 * POSTs create/update/delete to a batch endpoint in chunks of at most 100 objects in all
 * (WooCommerce answers 413 above that). Per-item failures come back as values; a failed
 * call (401, 5xx, …) throws.
 */
export async function runBatch<C, U>(client: WooRestClient, ctx: ConnectionContext, path: string, what: string, ops: BatchOps<C, U>): Promise<BatchResult> {
  const queue: ({ k: 'create'; v: C } | { k: 'update'; v: U } | { k: 'delete'; v: number })[] = [
    ...(ops.create ?? []).map((v) => ({ k: 'create' as const, v })),
    ...(ops.update ?? []).map((v) => ({ k: 'update' as const, v })),
    ...(ops.delete ?? []).map((v) => ({ k: 'delete' as const, v })),
  ];
  const out: BatchResult = { create: [], update: [], delete: [] };
  for (let i = 0; i < queue.length; i += BATCH_LIMIT) {
    const chunk = queue.slice(i, i + BATCH_LIMIT);
    const body: { create?: C[]; update?: U[]; delete?: number[] } = {};
    for (const op of chunk) {
      if (op.k === 'create') (body.create ??= []).push(op.v);
      else if (op.k === 'update') (body.update ??= []).push(op.v);
      else (body.delete ??= []).push(op.v);
    }
    const { data } = await client.request<Record<string, unknown>>(ctx, { what, method: 'POST', path, body });
    if (!isRecord(data)) throw new ProviderError('PROTOCOL', `WooCommerce ${what} answered something that is not an object`);
    out.create.push(...results(data.create));
    out.update.push(...results(data.update));
    out.delete.push(...results(data.delete));
  }
  return out;
}

/** Many products in as few calls as the 100-object limit allows; outcomes per item, in request order. */
export function batchProducts(client: WooRestClient, ctx: ConnectionContext, ops: BatchOps<WooProductBody, WooProductBody & { id: number }>): Promise<BatchResult> {
  return runBatch(client, ctx, '/products/batch', 'products batch', ops);
}

export async function findRemoteProduct(client: WooRestClient, ctx: ConnectionContext, skus: string[]): Promise<string | null> {
  if (skus.length === 0) return null;
  const terms = [...skus, parentSku(skus)];
  // WooCommerce splits `sku` on commas; 20 terms keep the query string short.
  for (let i = 0; i < terms.length; i += 20) {
    const { data } = await client.request<WooObject[]>(ctx, {
      what: 'products by SKU',
      method: 'GET',
      path: '/products',
      query: { sku: terms.slice(i, i + 20).join(','), per_page: 1 },
    });
    const hit = Array.isArray(data) ? data[0] : undefined;
    if (hit !== undefined) return String(hit.id);
  }
  return null;
}

async function listVariations(client: WooRestClient, ctx: ConnectionContext, productId: number): Promise<WooObject[]> {
  const all: WooObject[] = [];
  for (let page = 1; ; page++) {
    const { data, totalPages } = await client.request<WooObject[]>(ctx, {
      what: 'variations',
      method: 'GET',
      path: `/products/${productId}/variations`,
      query: { per_page: PAGE_SIZE, page },
    });
    all.push(...data);
    if (page >= totalPages) return all;
  }
}

export async function syncVariations(client: WooRestClient, ctx: ConnectionContext, productId: number, wanted: WooVariationBody[]): Promise<Record<string, string>> {
  const existing = await listVariations(client, ctx, productId);
  const bySku = new Map(existing.filter((v) => v.sku).map((v) => [v.sku!, v.id]));
  const create = wanted.filter((v) => !bySku.has(v.sku));
  const update = wanted.filter((v) => bySku.has(v.sku)).map((v) => ({ ...v, id: bySku.get(v.sku)! }));
  const keep = new Set(wanted.map((v) => v.sku));
  const remove = existing.filter((v) => !v.sku || !keep.has(v.sku)).map((v) => v.id);
  const res = await runBatch(client, ctx, `/products/${productId}/variations/batch`, 'variations batch', { create, update, delete: remove });
  const failed = [...res.create, ...res.update].find((r) => !r.ok);
  if (failed && !failed.ok) throw new ProviderError('VALIDATION', `WooCommerce refused a variation (${failed.code}): ${failed.message}`);
  const ids: Record<string, string> = {};
  for (const v of update) ids[v.sku] = String(v.id);
  res.create.forEach((r, i) => {
    const sku = create[i]?.sku;
    if (r.ok && sku !== undefined) ids[sku] = String(r.id);
  });
  return ids;
}

export async function upsertProduct(client: WooRestClient, ctx: ConnectionContext, product: PushProduct, remoteId: string | null): Promise<PushResult> {
  const known = remoteId ?? (await findRemoteProduct(client, ctx, product.variants.map((v) => v.sku)));
  if (known !== null && !/^\d+$/.test(known)) throw new ProviderError('VALIDATION', 'Stored WooCommerce product id is not numeric');
  const categoryId = product.category !== null ? await resolveCategory(client, ctx, product.category) : null;
  const images = await resolveImages(client, ctx, product, known);
  const shape = toWooShape(product, { ...(categoryId !== null ? { categoryIds: [categoryId] } : {}), ...(images !== undefined ? { images } : {}) });
  let saved: WooObject | null = null;
  if (known !== null) {
    try {
      saved = (await client.request<WooObject>(ctx, { what: 'product update', method: 'PUT', path: `/products/${known}`, body: shape.product })).data;
    } catch (err) {
      // Deleted in the store since we linked it: create it again rather than fail for ever.
      if (!(err instanceof ProviderError && err.code === 'NOT_FOUND')) throw err;
    }
  }
  saved ??= (await client.request<WooObject>(ctx, { what: 'product create', method: 'POST', path: '/products', body: shape.product })).data;
  if (!isRecord(saved) || typeof saved.id !== 'number') throw new ProviderError('PROTOCOL', 'WooCommerce product answer has no id');
  const variantIds = shape.variations === null ? { [shape.product.sku]: String(saved.id) } : await syncVariations(client, ctx, saved.id, shape.variations);
  return { remoteId: String(saved.id), variantIds };
}

export async function deleteProduct(client: WooRestClient, ctx: ConnectionContext, remoteId: string): Promise<void> {
  if (!/^\d+$/.test(remoteId)) throw new ProviderError('VALIDATION', 'Stored WooCommerce product id is not numeric');
  try {
    // force=true deletes for good; without it the product only moves to the trash and keeps its SKUs.
    await client.request(ctx, { what: 'product delete', method: 'DELETE', path: `/products/${remoteId}`, query: { force: true } });
  } catch (err) {
    if (err instanceof ProviderError && err.code === 'NOT_FOUND') return; // deleting twice is success
    throw err;
  }
}
