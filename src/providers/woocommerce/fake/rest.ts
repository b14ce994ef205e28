// The fake's REST v3 handlers: Basic-auth keys, schema validation of every request
// (query args and body, see schema.ts), products with variations, the batch endpoints
// (per-item errors in a 200, 413 over 100 objects), orders and webhooks.
import { timingSafeEqual } from 'node:crypto';
import { applyCategories, applyImages, dupGtin, gtinTaken, handleCategories } from './catalogTerms.ts';
import { describeErrors, type LoadedContract } from './schema.ts';
import { nowGmt, type FakeProduct, type HttpAnswer, type FakeStoreData, type FakeVariation, type FakeWebhook, type FakeWorld } from './state.ts';

export interface RestDeps {
  world: FakeWorld;
  contract: LoadedContract | null;
  storeUrl(name: string): string;
  /** Fire-and-forget webhook delivery (tracked by the server so close() can wait for it). */
  emit(store: FakeStoreData, topic: string, payload: unknown): void;
  /** Creation ping of a new webhook. */
  ping(hook: FakeWebhook): void;
}

type Json = Record<string, unknown>;
const wcError = (status: number, code: string, message: string, extra: Json = {}): HttpAnswer => ({ status, body: { code, message, data: { status, ...extra } } });
const BATCH_LIMIT = 100;
const VALID_TOPIC = /^(coupon|customer|order|product|action)\.(created|updated|deleted|restored)$/;

function authenticate(store: FakeStoreData, authorization: string | undefined): boolean {
  const m = /^Basic ([A-Za-z0-9+/=]+)$/.exec(authorization ?? '');
  if (!m) return false;
  const [ck, cs] = Buffer.from(m[1]!, 'base64').toString('utf8').split(':');
  const key = store.keys.find((k) => k.consumerKey === ck && !k.revoked);
  if (!key || cs === undefined || cs.length !== key.consumerSecret.length) return false;
  return timingSafeEqual(Buffer.from(cs), Buffer.from(key.consumerSecret));
}

function productJson(store: FakeStoreData, p: FakeProduct): Json {
  return { ...p, price: p.regular_price, permalink: `${store.name}/product/${p.slug}` };
}

function variationJson(v: FakeVariation): Json {
  return { ...v, price: v.regular_price };
}

/** SKUs are unique across products and variations of a store. */
function skuTaken(store: FakeStoreData, sku: string, ownId: number | null): boolean {
  if (sku === '') return false;
  const id = store.skuOwners.get(sku);
  if (id === undefined || id === ownId) return false;
  return (store.products.get(id) ?? store.variations.get(id))?.sku === sku;
}

function countCreate(store: FakeStoreData, sku: string): void {
  store.createRequestsBySku.set(sku, (store.createRequestsBySku.get(sku) ?? 0) + 1);
}

const dupSku = () => wcError(400, 'product_invalid_sku', 'Invalid or duplicated SKU.', { resource_id: 0, unique_sku: '' });

function applyProduct(deps: RestDeps, store: FakeStoreData, body: Json, existing: FakeProduct | null): FakeProduct | HttpAnswer {
  const sku = typeof body.sku === 'string' ? body.sku : (existing?.sku ?? '');
  if (existing === null && sku !== '') countCreate(store, sku);
  if (skuTaken(store, sku, existing?.id ?? null)) return dupSku();
  const gtin = typeof body.global_unique_id === 'string' ? body.global_unique_id : (existing?.global_unique_id ?? '');
  if (gtinTaken(store, gtin, existing?.id ?? null)) return dupGtin();
  const images = applyImages(store, deps.storeUrl(store.name), deps.world.stats, body, existing);
  if (isAnswer(images)) return images;
  const now = nowGmt();
  const id = existing?.id ?? store.nextId++;
  const name = typeof body.name === 'string' ? body.name : (existing?.name ?? '');
  const p: FakeProduct = {
    id,
    name,
    slug: typeof body.slug === 'string' ? body.slug : (existing?.slug ?? (name.toLowerCase().replace(/[^a-z0-9]+/g, '-') || `product-${id}`)),
    type: typeof body.type === 'string' ? body.type : (existing?.type ?? 'simple'),
    status: typeof body.status === 'string' ? body.status : (existing?.status ?? 'publish'),
    description: typeof body.description === 'string' ? body.description : (existing?.description ?? ''),
    sku,
    regular_price: typeof body.regular_price === 'string' ? body.regular_price : (existing?.regular_price ?? ''),
    manage_stock: typeof body.manage_stock === 'boolean' ? body.manage_stock : (existing?.manage_stock ?? false),
    stock_quantity: typeof body.stock_quantity === 'number' ? body.stock_quantity : (existing?.stock_quantity ?? null),
    attributes: Array.isArray(body.attributes) ? (body.attributes as FakeProduct['attributes']) : (existing?.attributes ?? []),
    global_unique_id: gtin,
    categories: applyCategories(store, body, existing),
    images,
    variations: existing?.variations ?? [],
    date_created_gmt: existing?.date_created_gmt ?? now,
    date_modified_gmt: now,
  };
  store.products.set(id, p);
  if (sku !== '') store.skuOwners.set(sku, id);
  return p;
}

function applyVariation(store: FakeStoreData, parent: FakeProduct, body: Json, existing: FakeVariation | null): FakeVariation | HttpAnswer {
  const sku = typeof body.sku === 'string' ? body.sku : (existing?.sku ?? '');
  if (existing === null && sku !== '') countCreate(store, sku);
  if (skuTaken(store, sku, existing?.id ?? null)) return dupSku();
  const gtin = typeof body.global_unique_id === 'string' ? body.global_unique_id : (existing?.global_unique_id ?? '');
  if (gtinTaken(store, gtin, existing?.id ?? null)) return dupGtin();
  const now = nowGmt();
  const id = existing?.id ?? store.nextId++;
  const v: FakeVariation = {
    id,
    parent_id: parent.id,
    sku,
    regular_price: typeof body.regular_price === 'string' ? body.regular_price : (existing?.regular_price ?? ''),
    manage_stock: typeof body.manage_stock === 'boolean' ? body.manage_stock : (existing?.manage_stock ?? false),
    stock_quantity: typeof body.stock_quantity === 'number' ? body.stock_quantity : (existing?.stock_quantity ?? null),
    attributes: Array.isArray(body.attributes) ? (body.attributes as FakeVariation['attributes']) : (existing?.attributes ?? []),
    global_unique_id: gtin,
    date_created_gmt: existing?.date_created_gmt ?? now,
    date_modified_gmt: now,
  };
  store.variations.set(id, v);
  if (sku !== '') store.skuOwners.set(sku, id);
  if (!parent.variations.includes(id)) parent.variations.push(id);
  return v;
}

function deleteProduct(store: FakeStoreData, id: number): FakeProduct | null {
  const p = store.products.get(id);
  if (!p) return null;
  for (const vid of p.variations) store.variations.delete(vid);
  store.products.delete(id);
  return p;
}

const isAnswer = (v: unknown): v is HttpAnswer => typeof v === 'object' && v !== null && 'status' in v && typeof (v as { status: unknown }).status === 'number' && !('id' in v);
const asItemError = (a: HttpAnswer, id: number) => {
  const b = a.body as { code: string; message: string; data: Json };
  return { id, error: { code: b.code, message: b.message, data: b.data } };
};

function paginate<T>(items: T[], query: Json): HttpAnswer {
  const perPage = typeof query.per_page === 'number' ? query.per_page : 10;
  const page = typeof query.page === 'number' ? query.page : 1;
  if (perPage < 1 || perPage > 100) return wcError(400, 'rest_invalid_param', 'Invalid parameter(s): per_page', { params: { per_page: 'per_page must be between 1 (inclusive) and 100 (inclusive)' } });
  const totalPages = Math.max(1, Math.ceil(items.length / perPage));
  return {
    status: 200,
    headers: { 'x-wp-total': String(items.length), 'x-wp-totalpages': String(totalPages) },
    body: items.slice((page - 1) * perPage, page * perPage),
  };
}

/** Validates query and body against the contract; null when the request may proceed. */
function validate(deps: RestDeps, route: string, method: string, query: Json, body: unknown): { answer: HttpAnswer | null; route: string | null } {
  // The 413 is the store's own limit, not the contract's: a fake without the contract keeps it.
  const tooLarge = (): HttpAnswer | null => {
    if (!route.endsWith('/batch') || typeof body !== 'object' || body === null) return null;
    const b = body as Json;
    const count = ['create', 'update', 'delete'].reduce((n, k) => n + (Array.isArray(b[k]) ? (b[k] as unknown[]).length : 0), 0);
    if (count <= BATCH_LIMIT) return null;
    deps.world.stats.batchTooLarge += 1;
    return wcError(413, 'woocommerce_rest_request_entity_too_large', `Unable to accept more than ${BATCH_LIMIT} items for this request.`);
  };
  if (deps.contract === null) {
    deps.world.stats.unvalidatedRequests += 1;
    return { answer: tooLarge(), route: null };
  }
  const r = deps.contract.routes.find((x) => x.pattern.test(route) && x.methods.has(method));
  if (!r) return { answer: wcError(404, 'rest_no_route', 'No route was found matching the URL and request method.'), route: null };
  const big = r.batch ? tooLarge() : null;
  if (big) {
    deps.world.stats.validatedRequests += 1;
    return { answer: big, route: r.route };
  }
  const okQuery = r.query(query);
  const okBody = r.body === null ? true : r.body(body);
  deps.world.stats.validatedRequests += 1;
  if (!okQuery || !okBody) {
    deps.world.stats.invalidRequests += 1;
    const d = describeErrors([...(okQuery ? [] : (r.query.errors ?? [])), ...(okBody || r.body === null ? [] : (r.body.errors ?? []))]);
    return { answer: wcError(400, d.code, d.message, { params: d.params }), route: r.route };
  }
  return { answer: null, route: r.route };
}

export function handleRest(deps: RestDeps, store: FakeStoreData, method: string, path: string, rawQuery: URLSearchParams, authorization: string | undefined, rawBody: string): HttpAnswer {
  if (!authenticate(store, authorization)) return wcError(401, 'woocommerce_rest_authentication_error', 'Consumer key is invalid.');
  const failure = deps.world.takeFailure(store.name);
  if (failure?.kind === 'http429') return { status: 429, headers: { 'retry-after': String(failure.retryAfterSeconds ?? 1) }, body: { code: 'too_many_requests', message: 'Too many requests', data: { status: 429 } } };
  if (failure?.kind === 'http500') return wcError(500, 'internal_server_error', 'There has been a critical error on this website.');

  let body: unknown = undefined;
  if (method !== 'GET' && method !== 'DELETE') {
    try {
      body = rawBody.trim() === '' ? {} : (JSON.parse(rawBody) as unknown);
    } catch {
      return wcError(400, 'rest_invalid_json', 'Invalid JSON body passed.');
    }
  }
  const query: Json = Object.fromEntries(rawQuery);
  const route = `/wc/v3${path}`;
  const checked = validate(deps, route, method, query, body);
  if (checked.answer) return checked.answer;
  const b = (body ?? {}) as Json;
  const parts = path.split('/').filter(Boolean);
  const num = (s: string | undefined) => (s !== undefined && /^\d+$/.test(s) ? Number(s) : NaN);

  // --- products ---
  if (parts[0] === 'products' && parts.length === 1) {
    if (method === 'GET') {
      const skus = typeof query.sku === 'string' ? query.sku.split(',').map((s) => s.trim()).filter(Boolean) : null;
      const list = [...store.products.values()].filter((p) => skus === null || skus.includes(p.sku)).map((p) => productJson(store, p));
      return paginate(list, query);
    }
    const p = applyProduct(deps, store, b, null);
    if (isAnswer(p)) return p;
    deps.emit(store, 'product.created', productJson(store, p));
    return { status: 201, body: productJson(store, p) };
  }
  if (parts[0] === 'products' && parts[1] === 'batch') {
    const out: Json = {};
    if (Array.isArray(b.create)) out.create = (b.create as Json[]).map((item) => { const r = applyProduct(deps, store, item, null); return isAnswer(r) ? asItemError(r, 0) : productJson(store, r); });
    if (Array.isArray(b.update)) {
      out.update = (b.update as Json[]).map((item) => {
        const existing = store.products.get(Number(item.id));
        if (!existing) return asItemError(wcError(400, 'woocommerce_rest_product_invalid_id', 'Invalid ID.'), Number(item.id));
        const r = applyProduct(deps, store, item, existing);
        return isAnswer(r) ? asItemError(r, existing.id) : productJson(store, r);
      });
    }
    if (Array.isArray(b.delete)) out.delete = (b.delete as number[]).map((id) => { const p = deleteProduct(store, id); return p ? productJson(store, p) : asItemError(wcError(404, 'woocommerce_rest_product_invalid_id', 'Invalid ID.'), id); });
    return { status: 200, body: out };
  }
  if (parts[0] === 'products' && parts.length >= 2 && !Number.isNaN(num(parts[1]))) {
    const product = store.products.get(num(parts[1]));
    if (!product) return wcError(404, 'woocommerce_rest_product_invalid_id', 'Invalid ID.');
    if (parts.length === 2) {
      if (method === 'GET') return { status: 200, body: productJson(store, product) };
      if (method === 'DELETE') {
        if (query.force !== true) return wcError(501, 'woocommerce_rest_trash_not_supported', 'The product is moved to the trash; Synq always deletes with force=true.');
        deleteProduct(store, product.id);
        deps.emit(store, 'product.deleted', { id: product.id });
        return { status: 200, body: productJson(store, product) };
      }
      const p = applyProduct(deps, store, b, product);
      if (isAnswer(p)) return p;
      deps.emit(store, 'product.updated', productJson(store, p));
      return { status: 200, body: productJson(store, p) };
    }
    if (parts[2] === 'variations' && parts.length === 3) {
      if (method === 'GET') return paginate(product.variations.map((id) => store.variations.get(id)).filter((v): v is FakeVariation => v !== undefined).map(variationJson), query);
      const v = applyVariation(store, product, b, null);
      return isAnswer(v) ? v : { status: 201, body: variationJson(v) };
    }
    if (parts[2] === 'variations' && parts[3] === 'batch') {
      if (product.type !== 'variable') return wcError(400, 'woocommerce_rest_product_variation_invalid_parent', 'Parent is not a variable product.');
      const out: Json = {};
      if (Array.isArray(b.create)) out.create = (b.create as Json[]).map((item) => { const r = applyVariation(store, product, item, null); return isAnswer(r) ? asItemError(r, 0) : variationJson(r); });
      if (Array.isArray(b.update)) {
        out.update = (b.update as Json[]).map((item) => {
          const existing = store.variations.get(Number(item.id));
          if (!existing || existing.parent_id !== product.id) return asItemError(wcError(400, 'woocommerce_rest_product_variation_invalid_id', 'Invalid ID.'), Number(item.id));
          const r = applyVariation(store, product, item, existing);
          return isAnswer(r) ? asItemError(r, existing.id) : variationJson(r);
        });
      }
      if (Array.isArray(b.delete)) {
        out.delete = (b.delete as number[]).map((id) => {
          const v = store.variations.get(id);
          if (!v || v.parent_id !== product.id) return asItemError(wcError(404, 'woocommerce_rest_product_variation_invalid_id', 'Invalid ID.'), id);
          store.variations.delete(id);
          product.variations = product.variations.filter((x) => x !== id);
          return variationJson(v);
        });
      }
      product.date_modified_gmt = nowGmt();
      return { status: 200, body: out };
    }
  }

  // --- categories ---
  if (parts[0] === 'products' && parts[1] === 'categories' && parts.length === 2) {
    const answer = handleCategories(store, method, query, b, paginate);
    if (answer) return answer;
  }

  // --- orders ---
  if (parts[0] === 'orders' && parts.length === 1 && method === 'GET') {
    const after = typeof query.modified_after === 'string' ? query.modified_after : null;
    const list = [...store.orders.values()].filter((o) => after === null || o.date_modified_gmt > after.replace(/Z$/, '').slice(0, 19)).sort((a, c) => a.id - c.id);
    return paginate(query.order === 'desc' ? list.reverse() : list, query);
  }

  // --- webhooks ---
  if (parts[0] === 'webhooks' && parts.length === 1) {
    if (method === 'GET') {
      const status = typeof query.status === 'string' ? query.status : 'all';
      return paginate([...store.webhooks.values()].filter((w) => status === 'all' || w.status === status).map(({ secret: _s, ...w }) => w), query);
    }
    const topic = String(b.topic);
    if (!VALID_TOPIC.test(topic)) return wcError(400, 'woocommerce_rest_webhook_invalid_topic', 'Webhook topic is required and must be valid.');
    try {
      const u = new URL(String(b.delivery_url));
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
    } catch {
      return wcError(400, 'woocommerce_rest_webhook_invalid_delivery_url', 'Webhook delivery URL must be a valid URL starting with http:// or https://.');
    }
    const hook: FakeWebhook = {
      id: store.nextId++,
      name: typeof b.name === 'string' ? b.name : `Webhook created on ${nowGmt()}`,
      status: (b.status as FakeWebhook['status'] | undefined) ?? 'active',
      topic,
      delivery_url: String(b.delivery_url),
      secret: String(b.secret),
      failure_count: 0,
      date_created_gmt: nowGmt(),
    };
    store.webhooks.set(hook.id, hook);
    if (hook.status === 'active') deps.ping(hook);
    const { secret: _secret, ...shown } = hook;
    return { status: 201, body: shown };
  }
  if (parts[0] === 'webhooks' && parts.length === 2 && !Number.isNaN(num(parts[1]))) {
    const hook = store.webhooks.get(num(parts[1]));
    if (!hook) return wcError(404, 'woocommerce_rest_webhook_invalid_id', 'Invalid ID.');
    if (method === 'DELETE') {
      if (query.force !== true) return wcError(501, 'woocommerce_rest_trash_not_supported', 'Webhooks do not support trashing.');
      store.webhooks.delete(hook.id);
    }
    const { secret: _secret, ...shown } = hook;
    return { status: 200, body: shown };
  }
  // A route the contract has but the fake does not implement: say so instead of pretending.
  return wcError(501, 'fake_not_implemented', `The WooCommerce fake does not implement ${method} ${route}`);
}
