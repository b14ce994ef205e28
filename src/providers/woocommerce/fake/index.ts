// startWooCommerceFake: an HTTP server (plain http on 127.0.0.1) that speaks
// WooCommerce's app key flow, REST v3 (validated against the published route index)
// and webhooks over in-memory stores, plus a JSON control API under /_control for tests
// and `synq sandbox woocommerce`. A store lives at <url>/stores/<name>.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleAuthorize, type KeyFlowDeps } from './keyFlow.ts';
import { handleRest, type RestDeps } from './rest.ts';
import { DEFAULT_INDEX_PATH, loadContract } from './schema.ts';
import { FakeWorld, isStoreName, nowGmt, type FailureInjection, type FakeOrder, type FakeStats, type FakeStoreData, type HttpAnswer } from './state.ts';
import { deliver, deliverPing, type DeliveryResult } from './webhooksOut.ts';
import { jsonObject as jsonBody, readBody } from '../../fakeHttp.ts';

export type { DeliveryResult } from './webhooksOut.ts';
export type { FailureInjection, FakeStats } from './state.ts';

export interface WooFakeOptions {
  port?: number;
  host?: string;
  /** The REST index (wc-v3-index.json). Default: ../shared/contracts/woocommerce; null: run unvalidated. */
  indexPath?: string | null;
  autoApprove?: boolean;
  /** Real stores insist on an https callback_url; Synq in tests and the sandbox is plain http. */
  allowHttpCallback?: boolean;
  /**
   * Store-side time per object of a batch call, answered after it (0 by default). WooCommerce
   * publishes no rate limit; what bounds a batch push is how long the store takes per product,
   * which the bench models with this.
   */
  batchItemMs?: number;
  log?: (line: string) => void;
}

export interface OrderInput {
  status?: string;
  currency?: string;
  lineItems?: { sku?: string; name?: string; quantity?: number; price?: string }[];
}

export interface StoreSnapshot {
  name: string;
  products: unknown[];
  orders: FakeOrder[];
  webhooks: unknown[];
  keys: { keyId: number; permissions: string; appName: string; revoked: boolean }[];
  categories: { id: number; name: string; parent: number }[];
  /** Create requests per SKU (products and variations), refused duplicates included: above 1 is a double create. */
  createRequestsBySku: Record<string, number>;
}

export interface WooCommerceFake {
  url: string;
  /** False when the contract file was missing and requests run unvalidated. */
  schemaValidated: boolean;
  readonly stats: FakeStats;
  storeUrl(name: string): string;
  store(name: string): StoreSnapshot;
  createOrder(store: string, input?: OrderInput): Promise<{ order: FakeOrder; deliveries: DeliveryResult[] }>;
  updateOrder(store: string, id: number, status: string): Promise<{ order: FakeOrder; deliveries: DeliveryResult[] }>;
  sendWebhook(store: string, topic: string, payload: unknown, opts?: { deliveryId?: string }): Promise<DeliveryResult[]>;
  revokeKeys(store: string): void;
  /** REST keys for a store without the browser flow (benchmarks): what the key flow would POST. */
  issueKeys(store: string, appName: string): { consumerKey: string; consumerSecret: string };
  injectFailure(failure: FailureInjection): void;
  /** Resolves once every webhook delivery started so far has finished. */
  idle(): Promise<void>;
  reset(): void;
  close(): Promise<void>;
}

export async function startWooCommerceFake(opts: WooFakeOptions = {}): Promise<WooCommerceFake> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const indexPath = opts.indexPath === undefined ? DEFAULT_INDEX_PATH : opts.indexPath;
  const contract = indexPath === null ? null : loadContract(indexPath);
  if (contract === null) log('!!! woocommerce fake: wc-v3-index.json not found. Running WITHOUT request validation.');
  const world = new FakeWorld();
  const pending = new Set<Promise<unknown>>();
  let baseUrl = '';
  const storeUrl = (name: string) => `${baseUrl}/stores/${name}`;
  const track = <T>(p: Promise<T>): Promise<T> => {
    pending.add(p);
    void p.finally(() => pending.delete(p));
    return p;
  };

  const restDeps: RestDeps = {
    world,
    contract,
    storeUrl,
    emit: (store, topic, payload) => void track(deliver(world, store, storeUrl(store.name), topic, payload)),
    ping: (hook) => void track(deliverPing(world, hook)),
  };
  const keyDeps: KeyFlowDeps = { world, autoApprove: opts.autoApprove ?? false, allowHttpCallback: opts.allowHttpCallback ?? false };

  const orderJson = (o: FakeOrder) => ({ ...o, line_items: o.line_items.map((li) => ({ ...li })) });
  const snapshot = (name: string): StoreSnapshot => {
    const s = world.store(name);
    return {
      name,
      products: [...s.products.values()].map((p) => ({ ...p, variations: p.variations.map((id) => s.variations.get(id)).filter(Boolean) })),
      orders: [...s.orders.values()].map(orderJson),
      webhooks: [...s.webhooks.values()].map(({ secret: _s, ...w }) => w),
      keys: s.keys.map((k) => ({ keyId: k.keyId, permissions: k.permissions, appName: k.appName, revoked: k.revoked })),
      categories: [...s.categories.values()].map((c) => ({ id: c.id, name: c.name, parent: c.parent })),
      createRequestsBySku: Object.fromEntries(s.createRequestsBySku),
    };
  };
  const createOrder = async (name: string, input: OrderInput = {}) => {
    const s = world.store(name);
    const now = nowGmt();
    const id = s.nextId++;
    const lines = (input.lineItems ?? [{ sku: 'SKU-1', name: 'Item', quantity: 1, price: '10.00' }]).map((li, i) => {
      const quantity = li.quantity ?? 1;
      const cents = Math.round(Number(li.price ?? '0') * 100) * quantity;
      return { id: id * 100 + i, name: li.name ?? 'Item', sku: li.sku ?? '', quantity, price: Number(li.price ?? '0'), subtotal: (cents / 100).toFixed(2), total: (cents / 100).toFixed(2) };
    });
    const totalCents = lines.reduce((n, li) => n + Math.round(Number(li.total) * 100), 0);
    const order: FakeOrder = { id, number: String(id), status: input.status ?? 'processing', currency: input.currency ?? 'USD', total: (totalCents / 100).toFixed(2), date_created_gmt: now, date_modified_gmt: now, line_items: lines };
    s.orders.set(id, order);
    return { order, deliveries: await track(deliver(world, s, storeUrl(name), 'order.created', orderJson(order))) };
  };
  const updateOrder = async (name: string, id: number, status: string) => {
    const s = world.store(name);
    const order = s.orders.get(id);
    if (!order) throw new Error(`no order ${id}`);
    order.status = status;
    order.date_modified_gmt = nowGmt();
    return { order, deliveries: await track(deliver(world, s, storeUrl(name), 'order.updated', orderJson(order))) };
  };
  const sendWebhook = (name: string, topic: string, payload: unknown, o: { deliveryId?: string } = {}) => track(deliver(world, world.store(name), storeUrl(name), topic, payload, o));
  const revokeKeys = (name: string) => {
    for (const k of world.store(name).keys) k.revoked = true;
  };

  async function control(method: string, parts: string[], raw: string): Promise<HttpAnswer> {
    const [area, name, sub, id] = parts;
    if (area === 'stats' && method === 'GET') return { status: 200, body: { ...world.stats, schemaValidated: contract !== null } };
    if (area === 'reset' && method === 'POST') {
      world.reset();
      return { status: 200, body: { ok: true } };
    }
    if (area === 'failures' && method === 'POST') {
      const b = jsonBody(raw);
      if (b.kind !== 'http429' && b.kind !== 'http500') return { status: 400, body: { error: 'kind must be http429 or http500' } };
      const f: FailureInjection = { kind: b.kind, count: typeof b.count === 'number' ? b.count : 1 };
      if (typeof b.store === 'string') f.store = b.store;
      if (typeof b.retryAfterSeconds === 'number') f.retryAfterSeconds = b.retryAfterSeconds;
      world.failures.push(f);
      return { status: 200, body: world.failures };
    }
    if (area === 'stores' && name === undefined && method === 'GET') return { status: 200, body: [...world.stores.keys()] };
    if (area === 'stores' && name !== undefined) {
      if (!isStoreName(name)) return { status: 400, body: { error: 'store names are [a-z0-9-]' } };
      if (sub === undefined && method === 'GET') return { status: 200, body: snapshot(name) };
      if (sub === 'orders' && id === undefined && method === 'POST') return { status: 201, body: await createOrder(name, jsonBody(raw) as OrderInput) };
      if (sub === 'orders' && id !== undefined && method === 'POST') {
        const b = jsonBody(raw);
        if (!world.store(name).orders.has(Number(id))) return { status: 404, body: { error: 'no such order' } };
        return { status: 200, body: await updateOrder(name, Number(id), typeof b.status === 'string' ? b.status : 'completed') };
      }
      if (sub === 'webhooks' && id === 'send' && method === 'POST') {
        const b = jsonBody(raw);
        if (typeof b.topic !== 'string') return { status: 400, body: { error: 'topic is required' } };
        return { status: 200, body: await sendWebhook(name, b.topic, b.payload ?? {}, typeof b.deliveryId === 'string' ? { deliveryId: b.deliveryId } : {}) };
      }
      if (sub === 'revoke-keys' && method === 'POST') {
        revokeKeys(name);
        return { status: 200, body: { ok: true } };
      }
    }
    return { status: 404, body: { error: 'no such control route' } };
  }

  /** Per store: when its batch worker is free again (batchItemMs). */
  const batchBusyUntil = new Map<string, number>();

  async function route(req: IncomingMessage, url: URL, raw: string): Promise<HttpAnswer> {
    const method = req.method ?? 'GET';
    const parts = url.pathname.split('/').filter(Boolean);
    if (parts[0] === '_control') return control(method, parts.slice(1).map(decodeURIComponent), raw);
    const name = parts[1];
    if (parts[0] !== 'stores' || name === undefined || !isStoreName(name)) return { status: 404, body: { code: 'rest_no_route', message: 'Not found', data: { status: 404 } } };
    const store: FakeStoreData = world.store(name);
    const rest = `/${parts.slice(2).join('/')}`;
    if (rest === '/wc-auth/v1/authorize' && (method === 'GET' || method === 'POST')) {
      return handleAuthorize(keyDeps, store, method, method === 'GET' ? url.searchParams : new URLSearchParams(raw), url.pathname);
    }
    if (rest.startsWith('/wp-json/wc/v3/')) {
      const auth = req.headers.authorization;
      const answer = handleRest(restDeps, store, method, rest.slice('/wp-json/wc/v3'.length), url.searchParams, typeof auth === 'string' ? auth : undefined, raw);
      const itemMs = opts.batchItemMs ?? 0;
      if (itemMs > 0 && answer.status === 200 && rest.endsWith('/batch') && typeof answer.body === 'object' && answer.body !== null) {
        const b = answer.body as Record<string, unknown>;
        const items = ['create', 'update', 'delete'].reduce((n, k) => n + (Array.isArray(b[k]) ? (b[k] as unknown[]).length : 0), 0);
        // One worker saves a store's batches, one after another: calls sent together queue here,
        // so concurrency cannot beat the modelled store time (the bench's floor).
        const now = Date.now();
        const start = Math.max(now, batchBusyUntil.get(name) ?? 0);
        batchBusyUntil.set(name, start + items * itemMs);
        await new Promise((r) => setTimeout(r, start + items * itemMs - now));
      }
      return answer;
    }
    return { status: 404, body: { code: 'rest_no_route', message: 'No route was found matching the URL and request method.', data: { status: 404 } } };
  }

  const server = createServer((req, res) => {
    void (async () => {
      let answer: HttpAnswer;
      try {
        const url = new URL(req.url ?? '/', 'http://fake.invalid');
        answer = await route(req, url, await readBody(req));
      } catch (err) {
        answer = { status: 400, body: { code: 'rest_invalid_request', message: err instanceof Error ? err.message : 'Bad Request', data: { status: 400 } } };
      }
      const isText = typeof answer.body === 'string';
      res.writeHead(answer.status, { 'content-type': isText ? 'text/html; charset=utf-8' : 'application/json; charset=utf-8', ...answer.headers });
      res.end(answer.body === undefined ? '' : isText ? (answer.body as string) : JSON.stringify(answer.body));
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address() as AddressInfo;
  baseUrl = `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`;
  log(`woocommerce fake listening on ${baseUrl} (contract: ${contract ? contract.source : 'NOT VALIDATED'})`);

  return {
    url: baseUrl,
    schemaValidated: contract !== null,
    get stats() {
      return { ...world.stats };
    },
    storeUrl,
    store: snapshot,
    createOrder,
    updateOrder,
    sendWebhook,
    revokeKeys,
    issueKeys: (name, appName) => {
      const key = world.issueKey(name, appName, 'read_write');
      return { consumerKey: key.consumerKey, consumerSecret: key.consumerSecret };
    },
    injectFailure: (f) => {
      world.failures.push({ ...f });
    },
    idle: async () => {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
    reset: () => world.reset(),
    close: async () => {
      await Promise.allSettled([...pending]);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
