// Many products through POST /products/batch (≤100 objects per call, 413 above): linked
// products are updated by id, the rest created; per-item errors become per-product outcomes.
// Two repairs run as a second batch round instead of failing the product:
//   - create refused for a duplicate SKU: an earlier attempt created it and died before it was
//     recorded (or the store already had it) → look it up by SKU and update it;
//   - update refused for an unknown id: deleted in the store since it was linked → create it.
// Variable products then get their variations synced one product at a time (the variations
// batch endpoint is per parent).
import { inOrder, itemError } from '../../domain/pushOutcome.ts';
import { ProviderError, type BulkItemOutcome, type ConnectionContext, type PushProduct, type PushResult } from '../types.ts';
import { resolveCategory, resolveImages } from './catalogExtras.ts';
import type { WooRestClient } from './http.ts';
import { toWooShape, type WooProductBody, type WooShape } from './mapping.ts';
import { batchProducts, findRemoteProduct, syncVariations, type BatchItemResult } from './products.ts';

type Answer = { ok: true; result: PushResult } | { ok: false; error: ProviderError };
interface Planned {
  product: PushProduct;
  shape: WooShape;
}

const fail = (e: unknown): Answer => {
  if (e instanceof ProviderError) return { ok: false, error: e };
  throw e;
};

async function resolveCategories(client: WooRestClient, ctx: ConnectionContext, products: readonly PushProduct[]): Promise<Map<string, number | null | ProviderError>> {
  const out = new Map<string, number | null | ProviderError>();
  for (const p of products) {
    if (p.category === null || out.has(p.category)) continue;
    try {
      out.set(p.category, await resolveCategory(client, ctx, p.category));
    } catch (err) {
      // A category the store refuses fails the products that name it, not the batch.
      if (!(err instanceof ProviderError) || err.retryable) throw err;
      out.set(p.category, err);
    }
  }
  return out;
}

/** Runs one batch round and sorts each item's answer into ok, a repair for the next round, or a failure. */
async function round(
  client: WooRestClient,
  ctx: ConnectionContext,
  creates: Planned[],
  updates: (Planned & { id: number })[],
): Promise<{ done: Map<string, { planned: Planned; id: number }>; failed: Map<string, ProviderError>; recreate: Planned[]; relink: Planned[] }> {
  const res = await batchProducts(client, ctx, { create: creates.map((c) => c.shape.product), update: updates.map((u) => ({ ...u.shape.product, id: u.id })) });
  const done = new Map<string, { planned: Planned; id: number }>();
  const failed = new Map<string, ProviderError>();
  const recreate: Planned[] = [];
  const relink: Planned[] = [];
  const take = (planned: Planned, r: BatchItemResult | undefined, onFail: (code: string) => boolean) => {
    if (r === undefined) failed.set(planned.product.id, new ProviderError('PROTOCOL', 'WooCommerce batch answered fewer items than sent', { retryable: true }));
    else if (r.ok) done.set(planned.product.id, { planned, id: r.id });
    else if (!onFail(r.code)) failed.set(planned.product.id, itemError('WooCommerce', { code: r.code, message: r.message }));
  };
  creates.forEach((c, i) => take(c, res.create[i], (code) => code === 'product_invalid_sku' && (relink.push(c), true)));
  updates.forEach((u, i) => take(u, res.update[i], (code) => code === 'woocommerce_rest_product_invalid_id' && (recreate.push(u), true)));
  return { done, failed, recreate, relink };
}

export async function bulkUpsertProducts(client: WooRestClient, ctx: ConnectionContext, products: readonly PushProduct[], known: ReadonlyMap<string, string>): Promise<BulkItemOutcome[]> {
  const answers = new Map<string, Answer>();
  const categories = await resolveCategories(client, ctx, products);
  const creates: Planned[] = [];
  const updates: (Planned & { id: number })[] = [];
  for (const product of products) {
    const remote = known.get(product.id) ?? null;
    try {
      if (remote !== null && !/^\d+$/.test(remote)) throw new ProviderError('VALIDATION', 'Stored WooCommerce product id is not numeric');
      const category = product.category === null ? null : categories.get(product.category);
      if (category instanceof ProviderError) throw category;
      const images = await resolveImages(client, ctx, product, remote);
      const shape = toWooShape(product, { ...(category !== null && category !== undefined ? { categoryIds: [category] } : {}), ...(images !== undefined ? { images } : {}) });
      if (remote !== null) updates.push({ product, shape, id: Number(remote) });
      else creates.push({ product, shape });
    } catch (err) {
      answers.set(product.id, fail(err));
    }
  }

  const first = await round(client, ctx, creates, updates);
  const done = new Map(first.done);
  for (const [id, e] of first.failed) answers.set(id, { ok: false, error: e });
  const again: (Planned & { id: number })[] = [];
  for (const planned of first.relink) {
    const found = await findRemoteProduct(client, ctx, planned.product.variants.map((v) => v.sku));
    if (found === null) answers.set(planned.product.id, { ok: false, error: itemError('WooCommerce', { code: 'product_invalid_sku', message: 'Invalid or duplicated SKU.' }) });
    else again.push({ ...planned, id: Number(found) });
  }
  if (again.length > 0 || first.recreate.length > 0) {
    const second = await round(client, ctx, first.recreate, again);
    for (const [id, d] of second.done) done.set(id, d);
    for (const [id, e] of second.failed) answers.set(id, { ok: false, error: e });
    // Still refused after the repair: a real conflict (another product holds the SKU).
    for (const p of [...second.recreate, ...second.relink]) answers.set(p.product.id, { ok: false, error: itemError('WooCommerce', { code: 'product_invalid_sku', message: 'SKU held by another product' }) });
  }

  for (const [productId, { planned, id }] of done) {
    const { shape } = planned;
    if (shape.variations === null) {
      answers.set(productId, { ok: true, result: { remoteId: String(id), variantIds: { [(shape.product as WooProductBody).sku]: String(id) } } });
      continue;
    }
    try {
      const variantIds = await syncVariations(client, ctx, id, shape.variations);
      answers.set(productId, { ok: true, result: { remoteId: String(id), variantIds } });
    } catch (err) {
      answers.set(productId, fail(err));
    }
  }
  return inOrder(products.map((p) => p.id), answers, 'WooCommerce');
}
