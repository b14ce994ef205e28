// startShopifyFake: an HTTP server that speaks Shopify's OAuth, Admin GraphQL
// and webhook protocols over in-memory state, plus a JSON control API under
// /_control for tests and `synq sandbox shopify`.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LeakyBucket } from './cost.ts';
import { handleGraphql, type HttpAnswer } from './graphqlEndpoint.ts';
import { handleAccessToken, handleAuthorize, type OAuthDeps } from './oauthRoutes.ts';
import { loadSchema } from './schema.ts';
import { FakeStore, isShopDomain, type FailureInjection, type FakeOrder, type FakeStats } from './state.ts';
import { orderPayload, sendWebhook, storeOrder, type DeliveryResult, type OrderInput } from './webhooksOut.ts';
import { jsonObject as jsonBody, readBody } from '../../fakeHttp.ts';
import { FakeBulk, MAX_STAGED_FILE_BYTES } from './bulk.ts';
import { SHOPIFY_BULK_LINES_PER_SECOND } from '../facts.ts';

export type { FailureInjection, FailureKind, FakeStats } from './state.ts';
export type { DeliveryResult, OrderInput } from './webhooksOut.ts';

export interface ShopifyFakeOptions {
  port?: number;
  host?: string;
  clientId: string;
  clientSecret: string;
  /** Introspection JSON (.json or .json.gz). Default: the shared 2025-01 contract; null: run unvalidated. */
  schemaPath?: string | null;
  autoApprove?: boolean;
  /** Shopify's are 3600 s; tests use a few seconds so refresh really runs. */
  accessTokenTtlSeconds?: number;
  refreshTokenTtlSeconds?: number;
  /** Default: Standard plan, 2000 points, 100 points/s. */
  bucket?: { maximumAvailable: number; restoreRate: number };
  /** Bulk mutation lines processed per second (default: SHOPIFY_FACTS.bulkPush's modelled rate). */
  bulkLinesPerSecond?: number;
  /** Largest staged bulk file (default Shopify's 100 MB). */
  maxStagedFileBytes?: number;
  log?: (line: string) => void;
}

export interface ShopSnapshot {
  domain: string;
  installed: boolean;
  locations: { id: string; name: string }[];
  products: unknown[];
  orders: unknown[];
  webhooks: unknown[];
}

export interface ShopifyFake {
  url: string;
  shopUrlTemplate: string;
  /** False when Shopify's schema file was missing and requests run unvalidated. */
  schemaValidated: boolean;
  readonly stats: FakeStats;
  /** Bulk requests refused for breaking a limit known in advance (file size): the bench expects 0. */
  readonly bulkRejectedForLimit: number;
  shops(): string[];
  shop(domain: string): ShopSnapshot;
  /** Products created per variant SKU in a shop (a count above 1 is a duplicate push). */
  creationsBySku(domain: string): Record<string, number>;
  injectFailure(failure: FailureInjection): void;
  clearFailures(): void;
  revokeGrant(shop: string): void;
  /** Makes every current access token of a shop expired, as if its TTL had passed. */
  expireAccessTokens(shop: string): void;
  createOrder(shop: string, input?: OrderInput): Promise<{ order: FakeOrder; deliveries: DeliveryResult[] }>;
  sendWebhook(shop: string, topic: string, payload: unknown): Promise<DeliveryResult[]>;
  reset(): void;
  close(): Promise<void>;
}

const API_VERSION = '2025-01';
/** JSON or form body as fields, like Shopify's token endpoint accepts. */
function formFields(req: IncomingMessage, raw: string): URLSearchParams {
  if ((req.headers['content-type'] ?? '').includes('application/json')) {
    const out = new URLSearchParams();
    try {
      const obj = JSON.parse(raw) as Record<string, unknown>;
      for (const [k, v] of Object.entries(obj)) if (v !== null && v !== undefined) out.set(k, String(v));
    } catch {
      // empty fields: the handler answers the error
    }
    return out;
  }
  return new URLSearchParams(raw);
}

export async function startShopifyFake(opts: ShopifyFakeOptions): Promise<ShopifyFake> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const schema = loadSchema(opts.schemaPath, log);
  const bucketCfg = opts.bucket ?? { maximumAvailable: 2000, restoreRate: 100 };
  const store = new FakeStore(bucketCfg.maximumAvailable);
  const bucket = new LeakyBucket(bucketCfg.maximumAvailable, bucketCfg.restoreRate);
  const oauth: OAuthDeps = {
    store,
    clientId: opts.clientId,
    clientSecret: opts.clientSecret,
    autoApprove: opts.autoApprove ?? false,
    accessTokenTtlSeconds: opts.accessTokenTtlSeconds ?? 3600,
    refreshTokenTtlSeconds: opts.refreshTokenTtlSeconds ?? 90 * 24 * 3600,
    log,
  };
  let baseUrl = '';
  const bulk = new FakeBulk({ store, schema, currency: 'USD', baseUrl: () => baseUrl, linesPerSecond: opts.bulkLinesPerSecond ?? SHOPIFY_BULK_LINES_PER_SECOND, maxFileBytes: opts.maxStagedFileBytes ?? MAX_STAGED_FILE_BYTES });
  const gqlDeps = { store, schema, bucket, currency: 'USD', bulk };

  const snapshot = (domain: string): ShopSnapshot => {
    const s = store.shop(domain);
    return {
      domain: s.domain,
      installed: s.installed,
      locations: s.locations,
      products: [...s.products.values()].map((p) => ({
        ...p,
        variants: p.variants.map((v) => ({ ...v, quantities: Object.fromEntries(v.quantities) })),
      })),
      orders: [...s.orders.values()],
      webhooks: [...s.webhooks.values()],
    };
  };
  const deliver = (shop: string, topic: string, payload: unknown) => sendWebhook(store, opts.clientSecret, API_VERSION, shop, topic, payload);
  const createOrder = async (shop: string, input: OrderInput = {}) => {
    const { order } = storeOrder(store, shop, input);
    return { order, deliveries: await deliver(shop, 'orders/create', orderPayload(order)) };
  };

  async function control(method: string, parts: string[], raw: string): Promise<HttpAnswer> {
    const [area, shopPart, sub, subsub] = parts;
    if (area === 'stats' && method === 'GET') return { status: 200, body: { ...store.stats, schemaValidated: schema.validated } };
    if (area === 'reset' && method === 'POST') {
      store.reset();
      return { status: 200, body: { ok: true } };
    }
    if (area === 'failures') {
      if (method === 'GET') return { status: 200, body: store.failures };
      if (method === 'DELETE') {
        store.failures = [];
        return { status: 200, body: { ok: true } };
      }
      if (method === 'POST') {
        const b = jsonBody(raw);
        const kind = b.kind;
        if (kind !== 'http429' && kind !== 'http500' && kind !== 'hang' && kind !== 'throttled') {
          return { status: 400, body: { error: 'kind must be http429, http500, hang or throttled' } };
        }
        const f: FailureInjection = { kind, count: typeof b.count === 'number' ? b.count : 1 };
        if (typeof b.shop === 'string') f.shop = b.shop.toLowerCase();
        if (typeof b.retryAfterSeconds === 'number') f.retryAfterSeconds = b.retryAfterSeconds;
        store.failures.push(f);
        return { status: 200, body: store.failures };
      }
    }
    if (area === 'shops' && shopPart === undefined && method === 'GET') return { status: 200, body: [...store.shops.keys()] };
    if (area === 'shops' && shopPart !== undefined) {
      const shop = decodeURIComponent(shopPart);
      if (!isShopDomain(shop)) return { status: 400, body: { error: 'not a *.myshopify.com domain' } };
      const snap = () => snapshot(shop);
      if (sub === undefined && method === 'GET') return { status: 200, body: snap() };
      if (sub === 'products' && method === 'GET') return { status: 200, body: snap().products };
      if (sub === 'creations' && method === 'GET') return { status: 200, body: Object.fromEntries(store.shop(shop).creationsBySku) };
      if (sub === 'orders' && method === 'GET') return { status: 200, body: snap().orders };
      if (sub === 'orders' && method === 'POST') return { status: 201, body: await createOrder(shop, jsonBody(raw) as OrderInput) };
      if (sub === 'webhooks' && subsub === undefined && method === 'GET') return { status: 200, body: snap().webhooks };
      if (sub === 'webhooks' && subsub === 'send' && method === 'POST') {
        const b = jsonBody(raw);
        if (typeof b.topic !== 'string') return { status: 400, body: { error: 'topic is required' } };
        return { status: 200, body: await deliver(shop, b.topic, b.payload ?? {}) };
      }
      if (sub === 'revoke' && method === 'POST') {
        store.revoke(shop);
        return { status: 200, body: { ok: true } };
      }
      if (sub === 'expire-tokens' && method === 'POST') {
        api.expireAccessTokens(shop);
        return { status: 200, body: { ok: true } };
      }
    }
    return { status: 404, body: { error: 'no such control route' } };
  }

  async function route(req: IncomingMessage, url: URL, raw: string): Promise<HttpAnswer> {
    const method = req.method ?? 'GET';
    const parts = url.pathname.split('/').filter(Boolean);
    if (parts[0] === '_control') return control(method, parts.slice(1), raw);
    if (parts[0] === '_staged' && parts[1] === 'upload' && method === 'POST') {
      const ct = req.headers['content-type'];
      return bulk.upload(typeof ct === 'string' ? ct : undefined, Buffer.from(raw, 'utf8'));
    }
    if (parts[0] === '_bulk' && parts[1] === 'results' && parts[2] !== undefined && method === 'GET') return bulk.resultFile(parts[2]);
    if (parts[0] !== 'shops' || parts[1] === undefined) return { status: 404, body: { errors: 'Not Found' } };
    const shop = decodeURIComponent(parts[1]).toLowerCase();
    if (!isShopDomain(shop)) return { status: 404, body: { errors: 'Not Found' } };
    const rest = parts.slice(2).join('/');
    if (rest === 'admin/oauth/authorize' && (method === 'GET' || method === 'POST')) {
      const fields = method === 'GET' ? url.searchParams : new URLSearchParams(raw);
      return handleAuthorize(oauth, shop, method, fields, url.pathname);
    }
    if (rest === 'admin/oauth/access_token' && method === 'POST') return handleAccessToken(oauth, shop, formFields(req, raw));
    const gql = /^admin\/api\/(\d{4}-\d{2}|unstable)\/graphql\.json$/.exec(rest);
    if (gql && method === 'POST') {
      const token = req.headers['x-shopify-access-token'];
      return handleGraphql(gqlDeps, shop, typeof token === 'string' ? token : undefined, raw);
    }
    return { status: 404, body: { errors: 'Not Found' } };
  }

  const hung = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    void (async () => {
      let answer: HttpAnswer;
      try {
        const url = new URL(req.url ?? '/', 'http://fake.invalid');
        // The staged-upload bucket takes bulk variable files up to 100 MB (it answers EntityTooLarge above).
        answer = await route(req, url, await readBody(req, url.pathname.startsWith('/_staged/') ? (opts.maxStagedFileBytes ?? MAX_STAGED_FILE_BYTES) + 1024 * 1024 : undefined));
      } catch (err) {
        answer = { status: 400, body: { errors: err instanceof Error ? err.message : 'Bad Request' } };
      }
      if (answer.hang) {
        // Never answer: the client's timeout is what is being tested. close() ends these sockets.
        hung.add(res);
        res.on('close', () => hung.delete(res));
        return;
      }
      const isText = typeof answer.body === 'string';
      res.writeHead(answer.status, {
        'content-type': isText ? 'text/html; charset=utf-8' : 'application/json; charset=utf-8',
        ...answer.headers,
      });
      res.end(answer.body === undefined ? '' : isText ? (answer.body as string) : JSON.stringify(answer.body));
    })();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const url = `http://${host}:${addr.port}`;
  baseUrl = url;
  log(`shopify fake listening on ${url} (schema: ${schema.validated ? schema.source : 'NOT VALIDATED'})`);

  const api: ShopifyFake = {
    url,
    shopUrlTemplate: `${url}/shops/{shop}`,
    schemaValidated: schema.validated,
    get stats() {
      return { ...store.stats };
    },
    get bulkRejectedForLimit() {
      return bulk.rejectedForLimit;
    },
    shops: () => [...store.shops.keys()],
    shop: snapshot,
    creationsBySku: (domain) => Object.fromEntries(store.shop(domain).creationsBySku),
    injectFailure: (f) => {
      store.failures.push({ ...f, ...(f.shop ? { shop: f.shop.toLowerCase() } : {}) });
    },
    clearFailures: () => {
      store.failures = [];
    },
    revokeGrant: (shop) => store.revoke(shop),
    expireAccessTokens: (shop) => {
      for (const rec of store.accessTokens.values()) if (rec.shop === shop.toLowerCase()) rec.expiresAt = Date.now() - 1;
    },
    createOrder,
    sendWebhook: deliver,
    reset: () => store.reset(),
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hung) res.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  return api;
}
