// startAmazonFake: one HTTP server (plain http on 127.0.0.1) standing in for Seller
// Central's consent page, Login with Amazon and the SP-API Listings Items endpoints
// (validated against the published model), plus the EventBridge API destination that
// forwards notifications to Synq, and a JSON control API under /_control for tests and
// `synq sandbox amazon`. Point SYNQ_AMAZON_SELLER_CENTRAL_URL, SYNQ_AMAZON_LWA_URL and
// SYNQ_AMAZON_SP_API_URL at its url.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_CONTRACT_PATH, loadListingsContract } from './contract.ts';
import { handleListings, type ListingsDeps } from './listingsApi.ts';
import { DEFAULT_ORDERS_OPTIONS, FakeOrderBook, handleOrders, type NewFakeOrder, type OrdersDeps, type OrdersFakeOptions } from './ordersApi.ts';
import { handleConsent, handleToken, type LwaFakeOptions } from './lwa.ts';
import { FakeWorld, type FailureInjection, type FakeIssue, type FakeListing, type FakeStats, type HttpAnswer } from './state.ts';
import { readBody } from '../../fakeHttp.ts';
import { FakeFeeds, FEEDS_PREFIX } from './feedsApi.ts';
import { AMAZON_FEED_MESSAGES_PER_SECOND } from '../facts.ts';

export type { FailureInjection, FakeIssue, FakeStats } from './state.ts';
export type { FakeOrder, NewFakeOrder } from './ordersApi.ts';

export interface AmazonFakeOptions {
  port?: number;
  host?: string;
  /** listingsItems_2021-08-01.json. Default: ../shared/contracts/amazon; null: run unvalidated. */
  contractPath?: string | null;
  appId?: string;
  clientId?: string;
  clientSecret?: string;
  autoApprove?: boolean;
  accessTokenTtlSeconds?: number;
  codeTtlSeconds?: number;
  redirectUris?: string[];
  /** GETs that still show an ACCEPTED listing as processing (default 1). */
  processingReads?: number;
  rate?: { perSecond: number; burst: number };
  /** Orders API page sizes and usage plans (default: Amazon's, ordersModel.ts). */
  orders?: Partial<OrdersFakeOptions>;
  /** JSON_LISTINGS_FEED messages processed per second (default: AMAZON_FACTS.bulkPush's modelled rate). */
  feedMessagesPerSecond?: number;
  log?: (line: string) => void;
}

export interface SellerSnapshot {
  id: string;
  revoked: boolean;
  listings: FakeListing[];
}

export interface ForwardResult {
  status: number;
  body: string;
}

export interface AmazonFake {
  url: string;
  appId: string;
  clientId: string;
  clientSecret: string;
  /** False when the contract file was missing and requests run unvalidated. */
  schemaValidated: boolean;
  readonly stats: FakeStats;
  /** The sellers' orders served by the Orders API (put places one, update changes its status). */
  readonly orders: FakeOrderBook;
  /** Feeds API calls refused with 429 for exceeding an operation's published rate. */
  readonly feedsRateLimited: number;
  /** An access token for a seller without the consent flow (benchmarks), valid `ttlSeconds`. */
  issueAccessToken(seller: string, ttlSeconds?: number): string;
  /** The seller id the next consent approves as (default: a random one). */
  setNextSeller(id: string): void;
  seller(id: string): SellerSnapshot;
  /** Issues the next processed submission of this SKU gets, as Amazon reports them after ACCEPTED. */
  queueIssues(seller: string, sku: string, issues: FakeIssue[]): void;
  revoke(seller: string): void;
  injectFailure(f: FailureInjection): void;
  /** Expires every access token now (the next call answers 403 Unauthorized). */
  expireAccessTokens(): void;
  /** Lifetime of access tokens issued from now on (short ones exercise refresh). */
  setAccessTokenTtl(seconds: number): void;
  /** Plays the EventBridge API destination: wraps the notification in an event and POSTs it. */
  forwardNotification(target: string, secret: string | null, notification: unknown, headerName?: string): Promise<ForwardResult>;
  reset(): void;
  close(): Promise<void>;
}

/** The environment that points Synq's Amazon connector at this fake. */
export function amazonFakeEnv(fake: Pick<AmazonFake, 'appId' | 'clientId' | 'clientSecret' | 'url'>): Record<string, string> {
  return {
    AMAZON_APP_ID: fake.appId,
    AMAZON_CLIENT_ID: fake.clientId,
    AMAZON_CLIENT_SECRET: fake.clientSecret,
    SYNQ_AMAZON_SELLER_CENTRAL_URL: fake.url,
    SYNQ_AMAZON_LWA_URL: fake.url,
    SYNQ_AMAZON_SP_API_URL: fake.url,
  };
}

/** The event EventBridge delivers for an SP-API notification (source aws.partner/sellingpartnerapi.amazon). */
export function eventBridgeEnvelope(notification: unknown): Record<string, unknown> {
  const type = typeof notification === 'object' && notification !== null ? (notification as { NotificationType?: unknown }).NotificationType : undefined;
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': typeof type === 'string' ? type : 'Unknown',
    source: 'aws.partner/sellingpartnerapi.amazon',
    account: '123456789012',
    time: new Date().toISOString(),
    region: 'us-east-1',
    resources: [],
    detail: notification,
  };
}

export async function startAmazonFake(opts: AmazonFakeOptions = {}): Promise<AmazonFake> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const contractPath = opts.contractPath === undefined ? DEFAULT_CONTRACT_PATH : opts.contractPath;
  const contract = contractPath === null ? null : loadListingsContract(contractPath);
  if (contract === null) log('!!! amazon fake: listingsItems_2021-08-01.json not found. Running WITHOUT request validation.');
  const world = new FakeWorld();
  const lwa: LwaFakeOptions = {
    appId: opts.appId ?? 'amzn1.sp.solution.00000000-0000-4000-8000-000000000001',
    clientId: opts.clientId ?? 'amzn1.application-oa2-client.fake',
    clientSecret: opts.clientSecret ?? 'fake-lwa-client-secret-0123456789',
    autoApprove: opts.autoApprove ?? false,
    accessTokenTtlSeconds: opts.accessTokenTtlSeconds ?? 3600,
    codeTtlSeconds: opts.codeTtlSeconds ?? 300,
    redirectUris: opts.redirectUris ?? [],
  };
  const listingsDeps: ListingsDeps = {
    world,
    contract,
    log,
    opts: { processingReads: opts.processingReads ?? 1, rate: opts.rate ?? { perSecond: 5, burst: 10 } },
  };

  const book = new FakeOrderBook();
  const ordersDeps: OrdersDeps = { world, book, log, opts: { ...DEFAULT_ORDERS_OPTIONS, ...opts.orders } };
  let baseUrl = '';
  const feeds = new FakeFeeds(world, { messagesPerSecond: opts.feedMessagesPerSecond ?? AMAZON_FEED_MESSAGES_PER_SECOND, baseUrl: () => baseUrl });

  const snapshot = (id: string): SellerSnapshot => {
    const s = world.seller(id);
    return { id, revoked: s.revoked, listings: [...s.listings.values()].map((l) => structuredClone(l)) };
  };

  function control(method: string, parts: string[], raw: string): HttpAnswer {
    const [area, id, sub] = parts;
    const body = raw.trim() === '' ? {} : (JSON.parse(raw) as Record<string, unknown>);
    if (area === 'stats' && method === 'GET') return { status: 200, body: { ...world.stats, schemaValidated: contract !== null } };
    if (area === 'reset' && method === 'POST') {
      world.reset();
      book.reset();
      return { status: 200, body: { ok: true } };
    }
    if (area === 'next-seller' && method === 'POST' && typeof body.sellerId === 'string') {
      world.nextSeller = body.sellerId;
      return { status: 200, body: { ok: true } };
    }
    if (area === 'failures' && method === 'POST') {
      if (body.kind !== 'http429' && body.kind !== 'http500' && body.kind !== 'http503') return { status: 400, body: { error: 'kind must be http429, http500 or http503' } };
      const f: FailureInjection = { kind: body.kind, count: typeof body.count === 'number' ? body.count : 1 };
      if (typeof body.seller === 'string') f.seller = body.seller;
      world.failures.push(f);
      return { status: 200, body: world.failures };
    }
    if (area === 'sellers' && id === undefined && method === 'GET') return { status: 200, body: [...world.sellers.keys()] };
    if (area === 'sellers' && id !== undefined) {
      if (sub === undefined && method === 'GET') return { status: 200, body: snapshot(id) };
      if (sub === 'revoke' && method === 'POST') {
        world.revoke(id);
        return { status: 200, body: { ok: true } };
      }
      if (sub === 'orders' && method === 'POST' && Array.isArray(body.items)) {
        return { status: 201, body: book.put(id, body as unknown as NewFakeOrder).order };
      }
      if (sub === 'issues' && method === 'POST' && typeof body.sku === 'string' && Array.isArray(body.issues)) {
        world.seller(id).queuedIssues.set(body.sku, body.issues as FakeIssue[]);
        return { status: 200, body: { ok: true } };
      }
    }
    return { status: 404, body: { error: 'no such control route' } };
  }

  function route(req: IncomingMessage, url: URL, raw: string): HttpAnswer {
    const method = req.method ?? 'GET';
    const path = url.pathname;
    if (path.startsWith('/_control/')) return control(method, path.split('/').filter(Boolean).slice(1).map(decodeURIComponent), raw);
    if (path === '/apps/authorize/consent' && (method === 'GET' || method === 'POST')) {
      return handleConsent(world, lwa, method, method === 'GET' ? url.searchParams : new URLSearchParams(raw));
    }
    if (path === '/auth/o2/token' && method === 'POST') return handleToken(world, lwa, String(req.headers['content-type'] ?? ''), raw);
    if (path.startsWith('/listings/')) {
      const token = req.headers['x-amz-access-token'];
      return handleListings(listingsDeps, method, url, typeof token === 'string' ? token : undefined, raw);
    }
    if (path.startsWith('/orders/')) {
      const token = req.headers['x-amz-access-token'];
      return handleOrders(ordersDeps, method, url, typeof token === 'string' ? token : undefined);
    }
    if (path.startsWith(`${FEEDS_PREFIX}/`)) {
      const token = req.headers['x-amz-access-token'];
      const grant = typeof token === 'string' ? world.accessTokens.get(token) : undefined;
      if (!grant || grant.expiresAt <= Date.now()) return { status: 403, body: { errors: [{ code: 'Unauthorized', message: 'Access to requested resource is denied.' }] } };
      return feeds.handle(grant.seller, method, path, raw);
    }
    // The pre-signed S3 URL of a feed document (createFeedDocument / getFeedDocument).
    if (path.startsWith('/_feeds/documents/')) {
      const ct = req.headers['content-type'];
      return feeds.document(method, decodeURIComponent(path.slice('/_feeds/documents/'.length)), typeof ct === 'string' ? ct : undefined, raw);
    }
    return { status: 404, body: { errors: [{ code: 'NOT_FOUND', message: 'Resource not found' }] } };
  }

  const server = createServer((req, res) => {
    void (async () => {
      let answer: HttpAnswer;
      try {
        const url = new URL(req.url ?? '/', 'http://fake.invalid');
        // Feed documents may be large: 25,000 messages of a few hundred bytes each.
        answer = route(req, url, await readBody(req, url.pathname.startsWith('/_feeds/') ? 64 * 1024 * 1024 : undefined));
      } catch (err) {
        answer = { status: 400, body: { errors: [{ code: 'InvalidInput', message: err instanceof Error ? err.message : 'Bad Request' }] } };
      }
      const isText = typeof answer.body === 'string';
      res.writeHead(answer.status, { 'content-type': isText ? 'text/html; charset=utf-8' : 'application/json', ...answer.headers });
      res.end(answer.body === undefined ? '' : isText ? (answer.body as string) : JSON.stringify(answer.body));
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address() as AddressInfo;
  baseUrl = `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`;
  log(`amazon fake listening on ${baseUrl} (contract: ${contract ? contract.source : 'NOT VALIDATED'})`);

  return {
    url: baseUrl,
    issueAccessToken: (seller, ttlSeconds = 3600) => world.issueAccessToken(seller, ttlSeconds),
    get feedsRateLimited() {
      return feeds.rateLimited;
    },
    appId: lwa.appId,
    clientId: lwa.clientId,
    clientSecret: lwa.clientSecret,
    schemaValidated: contract !== null,
    get stats() {
      return { ...world.stats };
    },
    orders: book,
    setNextSeller: (id) => {
      world.nextSeller = id;
    },
    seller: snapshot,
    queueIssues: (seller, sku, issues) => {
      world.seller(seller).queuedIssues.set(sku, issues);
    },
    revoke: (seller) => world.revoke(seller),
    injectFailure: (f) => {
      world.failures.push({ ...f });
    },
    setAccessTokenTtl: (seconds) => {
      lwa.accessTokenTtlSeconds = seconds;
    },
    expireAccessTokens: () => {
      for (const t of world.accessTokens.values()) t.expiresAt = 0;
    },
    forwardNotification: async (target, secret, notification, headerName = 'x-synq-notification-secret') => {
      const res = await fetch(target, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(secret !== null ? { [headerName]: secret } : {}) },
        body: JSON.stringify(eventBridgeEnvelope(notification)),
      });
      return { status: res.status, body: await res.text() };
    },
    reset: () => {
      world.reset();
      book.reset();
    },
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
