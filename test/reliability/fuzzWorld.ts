// The service the fuzzer and the isolation property test run against: every provider
// configured (so every route gets past "provider not available"), every outbound call
// going to a local stub that refuses it (401, fast, never the internet), two tenants
// with products, connections of every provider, a push job, orders and a feed link, and
// pools of live ids the generators draw from (refilled from the answers as cases run).
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { isIP } from 'node:net';
import { UnsecuredJWT } from 'jose';
import { withTenant } from '../../src/db/client.ts';
import { insertConnection } from '../../src/db/connections.ts';
import { upsertOrder } from '../../src/db/orders.ts';
import { mintDevToken } from '../../src/http/auth.ts';
import { sealCredentials } from '../../src/providers/connectionContext.ts';
import { ProviderError, type ProviderId } from '../../src/providers/types.ts';
import { createWooCommerceConnector } from '../../src/providers/woocommerce/connector.ts';
import { newTenant, startService, type TestService, type TestTenant } from '../harness.ts';
import { registerSecret } from '../logCapture.ts';
import { installWriteProbe, type WriteProbe } from './writeProbe.ts';

export const FUZZ_SECRETS = {
  shopify: 'fuzz-shopify-secret-0123456789abcdef',
  xero: 'fuzz-xero-webhook-key-0123456789abcdef',
  quickbooks: 'fuzz-qbo-verifier-token-0123456789',
};

/** Bounded so a 10,000-case run does not grow the pools (and the ids we send) without limit. */
const POOL_MAX = 64;

export class Pool {
  readonly items: string[] = [];
  constructor(initial: string[] = []) {
    for (const i of initial) this.add(i);
  }
  add(v: string): void {
    if (this.items.includes(v)) return;
    this.items.push(v);
    if (this.items.length > POOL_MAX) this.items.shift();
  }
  /** Deterministic for a given index; an empty pool yields the fallback. */
  pick(i: number, fallback: string): string {
    return this.items.length === 0 ? fallback : this.items[i % this.items.length]!;
  }
}

export interface SeededConnection {
  provider: ProviderId;
  uuid: string;
  publicId: string;
  account: string;
  webhookSecret: string | undefined;
}

export interface World {
  svc: TestService;
  probe: WriteProbe;
  /** The tenant every fuzzed tenant request acts as. */
  a: TestTenant;
  /** Another tenant whose ids appear in A's requests. */
  b: TestTenant;
  headersA: { ADMIN: Record<string, string>; EDITOR: Record<string, string>; VIEWER: Record<string, string> };
  headersB: Record<string, string>;
  /** Requests as A that must be refused (401/403) on every tenant route. */
  badAuth: { name: string; headers: Record<string, string> }[];
  connections: { a: SeededConnection[]; b: SeededConnection[] };
  pools: {
    productIds: Pool;
    otherProductIds: Pool;
    orderIds: Pool;
    jobIds: Pool;
    /** Bulk push batches (A's from harvested answers, and one of B's). */
    batchIds: Pool;
    connectionIds: Pool;
    states: Pool;
    feedLinks: Pool;
  };
  stubUrl: string;
  /** Feeds ids and states from a 2xx/3xx answer back into the pools. */
  harvest(res: { statusCode: number; headers: Record<string, unknown>; body: string }): void;
  close(): Promise<void>;
}

const STUB_ANSWER = JSON.stringify({ error: 'invalid_client', error_description: 'the fuzz stub refuses every call' });

async function startStub(): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(401, { 'content-type': 'application/json' }).end(STUB_ANSWER));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  return { server, url: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}` };
}

function providerEnv(stub: string): Record<string, string> {
  return {
    SHOPIFY_CLIENT_ID: 'fuzz-shopify',
    SHOPIFY_CLIENT_SECRET: FUZZ_SECRETS.shopify,
    SYNQ_SHOPIFY_SHOP_URL_TEMPLATE: `${stub}/shops/{shop}`,
    WOOCOMMERCE_APP_NAME: 'Synq fuzz',
    SYNQ_WOOCOMMERCE_ALLOW_HTTP_LOOPBACK: 'true',
    XERO_CLIENT_ID: 'fuzz-xero',
    XERO_CLIENT_SECRET: 'fuzz-xero-client-secret-0123456789',
    XERO_WEBHOOK_KEY: FUZZ_SECRETS.xero,
    SYNQ_XERO_LOGIN_URL: stub,
    SYNQ_XERO_IDENTITY_URL: stub,
    SYNQ_XERO_API_URL: stub,
    QUICKBOOKS_CLIENT_ID: 'fuzz-qbo',
    QUICKBOOKS_CLIENT_SECRET: 'fuzz-qbo-client-secret-0123456789',
    QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN: FUZZ_SECRETS.quickbooks,
    SYNQ_QUICKBOOKS_APPCENTER_URL: stub,
    SYNQ_QUICKBOOKS_OAUTH_URL: stub,
    SYNQ_QUICKBOOKS_REVOKE_URL: stub,
    SYNQ_QUICKBOOKS_API_URL: stub,
    AMAZON_APP_ID: 'amzn1.sp.solution.fuzz',
    AMAZON_CLIENT_ID: 'amzn1.application-oa2-client.fuzz',
    AMAZON_CLIENT_SECRET: 'fuzz-amazon-client-secret-0123456789',
    SYNQ_AMAZON_SELLER_CENTRAL_URL: stub,
    SYNQ_AMAZON_LWA_URL: stub,
    SYNQ_AMAZON_SP_API_URL: stub,
  };
}

/** Accounts per provider, different for the two tenants so no webhook reaches both. */
function accountFor(provider: ProviderId, stub: string, n: number): string {
  switch (provider) {
    case 'shopify':
      return `fuzz-${n}.myshopify.com`;
    case 'woocommerce':
      // The store is the stub: webhook (un)subscription calls fail fast and locally.
      return stub;
    case 'xero':
      return `00000000-0000-4000-8000-00000000000${n}`;
    case 'quickbooks':
      return `9130${n}`;
    case 'amazon':
      return `AFUZZSELLER0${n}`;
    default:
      // A provider added to the table later: any account name distinct per tenant.
      return `fuzz-${provider}-${n}`;
  }
}

async function seedConnections(svc: TestService, t: TestTenant, stub: string, n: number): Promise<SeededConnection[]> {
  const out: SeededConnection[] = [];
  for (const provider of ['shopify', 'woocommerce', 'xero', 'quickbooks', 'amazon'] as const) {
    const publicId = `conn_fuzz${n}${provider}${randomBytes(4).toString('hex')}`;
    const needsSecret = provider === 'woocommerce' || provider === 'amazon';
    const webhookSecret = needsSecret ? randomBytes(32).toString('base64url') : undefined;
    const creds = {
      accessToken: `fuzz-access-${randomBytes(12).toString('hex')}`,
      refreshToken: `fuzz-refresh-${randomBytes(12).toString('hex')}`,
      ...(webhookSecret ? { webhookSecret } : {}),
      ...(provider === 'woocommerce' ? { accessSecret: `cs_${randomBytes(20).toString('hex')}` } : {}),
    };
    const row = await withTenant(svc.deps.db, t.tenantId, (tx) =>
      insertConnection(tx, {
        connectionId: publicId,
        tenantId: t.tenantId,
        orgId: t.orgId,
        provider,
        category: provider === 'xero' || provider === 'quickbooks' ? 'accounting' : 'commerce',
        status: 'ACTIVE',
        account: accountFor(provider, stub, n),
        credentials: sealCredentials(svc.deps, { tenantId: t.tenantId, connectionId: publicId }, creds),
      }),
    );
    out.push({ provider, uuid: row.id, publicId, account: row.account, webhookSecret });
  }
  return out;
}

export async function startWorld(opts: { logLevel?: string } = {}): Promise<World> {
  const stub = await startStub();
  const env = { ...providerEnv(stub.url), LOG_LEVEL: opts.logLevel ?? 'info' };
  // The WooCommerce connector resolves store hostnames before trusting them; fuzzed hostnames
  // would be DNS lookups on the test machine. IP literals (the stub) keep the real check.
  const real = createWooCommerceConnector({ appName: 'Synq fuzz', allowHttpLoopback: true });
  const woocommerce = {
    ...real,
    verifyAccount: async (account: string) => {
      if (isIP(new URL(account).hostname) === 0) throw new ProviderError('VALIDATION', 'the store URL does not resolve (fuzz: no DNS)');
      return real.verifyAccount(account);
    },
  };
  const svc = await startService({ env, providerOverrides: { woocommerce } });
  const probe = await installWriteProbe(svc);
  const a = newTenant();
  const b = newTenant();
  const headersA = { ADMIN: await svc.headers(a, 'ADMIN'), EDITOR: await svc.headers(a, 'EDITOR'), VIEWER: await svc.headers(a, 'VIEWER') };
  const headersB = await svc.headers(b, 'ADMIN');

  const secret = svc.config.auth.mode === 'dev-secret' ? svc.config.auth.secret : new Uint8Array(32);
  const other = await mintDevToken(new TextEncoder().encode('another-secret-0123456789abcdef0123'), { tenantId: a.tenantId, orgId: a.orgId, role: 'ADMIN', sub: 'x', ttl: '1h' });
  const expired = await mintDevToken(secret, { tenantId: a.tenantId, orgId: a.orgId, role: 'ADMIN', sub: 'x', ttl: '-10m' });
  const none = new UnsecuredJWT({ tenant_id: a.tenantId, org_id: a.orgId, role: 'ADMIN' }).setExpirationTime('1h').encode();
  registerSecret('bearer token (wrong key)', other);
  registerSecret('bearer token (expired)', expired);
  const tenantHeaders = { 'x-tenant-id': a.tenantId, 'x-org-id': a.orgId };
  const badAuth = [
    { name: 'no token', headers: tenantHeaders },
    { name: 'empty bearer', headers: { ...tenantHeaders, authorization: 'Bearer ' } },
    { name: 'garbage bearer', headers: { ...tenantHeaders, authorization: 'Bearer not.a.jwt' } },
    { name: 'basic', headers: { ...tenantHeaders, authorization: 'Basic dXNlcjpwYXNz' } },
    { name: 'huge bearer', headers: { ...tenantHeaders, authorization: `Bearer ${'a'.repeat(12_000)}` } },
    { name: 'wrong key', headers: { ...tenantHeaders, authorization: `Bearer ${other}` } },
    { name: 'expired', headers: { ...tenantHeaders, authorization: `Bearer ${expired}` } },
    { name: 'alg none', headers: { ...tenantHeaders, authorization: `Bearer ${none}` } },
    { name: "B's token, A's headers", headers: { ...headersB, ...tenantHeaders } },
    { name: "A's token, B's tenant", headers: { ...headersA.ADMIN, 'x-tenant-id': b.tenantId } },
    { name: 'org mismatch', headers: { ...headersA.ADMIN, 'x-org-id': b.orgId } },
    { name: 'no tenant header', headers: { authorization: headersA.ADMIN.authorization! } },
    { name: 'garbage tenant header', headers: { ...headersA.ADMIN, 'x-tenant-id': '../../etc/passwd' } },
  ];

  // Tenants exist before fuzzing: their first request registers them, which is not a fuzz finding.
  const product = async (h: Record<string, string>, title: string) => {
    const res = await svc.app.inject({ method: 'POST', url: '/api/v1/pim/products', headers: h, payload: { title, images: ['https://cdn.example.com/p.jpg'], variants: [{ sku: `S-${randomBytes(6).toString('hex')}`, price: '9.99', currency: 'USD' }] } });
    if (res.statusCode !== 201) throw new Error(`seeding a product failed: ${res.statusCode} ${res.body}`);
    return (res.json() as { id: string }).id;
  };
  const productIds = new Pool([await product(headersA.ADMIN, 'A one'), await product(headersA.ADMIN, 'A two'), await product(headersA.ADMIN, 'A three')]);
  const otherProductIds = new Pool([await product(headersB, 'B one'), await product(headersB, 'B two')]);
  const connections = { a: await seedConnections(svc, a, stub.url, 1), b: await seedConnections(svc, b, stub.url, 2) };
  const connectionIds = new Pool([...connections.a, ...connections.b].flatMap((c) => [c.uuid, c.publicId]));

  const orderIds = new Pool();
  for (const [t, conns] of [[a, connections.a], [b, connections.b]] as const) {
    for (const n of [1, 2]) {
      await withTenant(svc.deps.db, t.tenantId, (tx) =>
        upsertOrder(tx, { tenantId: t.tenantId, orgId: t.orgId, connectionId: conns[0]!.uuid }, {
          externalId: `ext-${n}`, name: `#${n}`, status: 'open', currency: 'USD', total: '10.00',
          lineItems: [{ sku: null, title: 'x', quantity: 1, price: '10.00' }], externalCreatedAt: null, externalUpdatedAt: new Date(),
        }),
      );
    }
  }
  for (const h of [headersA.ADMIN, headersB]) {
    const list = await svc.app.inject({ method: 'GET', url: '/api/v1/oms/orders', headers: h });
    for (const o of (list.json() as { orders: { id: string }[] }).orders) orderIds.add(o.id);
  }

  const jobIds = new Pool();
  const batchIds = new Pool();
  const states = new Pool();
  const feedLinks = new Pool();
  const harvest: World['harvest'] = (res) => {
    if (res.statusCode >= 300 && res.statusCode < 400 && typeof res.headers.location === 'string') {
      const loc = new URL(res.headers.location, svc.url);
      if (loc.pathname.startsWith('/feeds/')) feedLinks.add(`${loc.pathname}${loc.search}`);
    }
    if (res.statusCode < 200 || res.statusCode >= 300 || !res.body.startsWith('{')) return;
    try {
      const o = JSON.parse(res.body) as Record<string, unknown>;
      if (typeof o.job_id === 'string') jobIds.add(o.job_id);
      if (typeof o.batch_id === 'string') batchIds.add(o.batch_id);
      if (typeof o.auth_url === 'string') {
        const u = new URL(o.auth_url);
        const s = /^\/connect\/([A-Za-z0-9_-]{43})$/.exec(u.pathname)?.[1] ?? u.searchParams.get('state') ?? u.searchParams.get('user_id');
        if (s) states.add(s);
      }
      if (typeof o.id === 'string' && Array.isArray(o.variants)) productIds.add(o.id);
    } catch {
      // not JSON after all: nothing to learn
    }
  };
  for (const provider of [undefined, 'shopify', 'woocommerce', 'xero', 'quickbooks', 'amazon'] as const) {
    const body = provider === undefined ? {} : provider === 'shopify' ? { provider, shop: 'fuzz-1.myshopify.com' } : provider === 'woocommerce' ? { provider, shop: stub.url } : { provider };
    const res = await svc.app.inject({ method: 'POST', url: '/api/v1/integrations/auth-url', headers: headersA.ADMIN, payload: body });
    if (res.statusCode !== 200) throw new Error(`seeding a state for ${provider ?? 'the connect page'} failed: ${res.statusCode} ${res.body}`);
    harvest({ statusCode: res.statusCode, headers: res.headers, body: res.body });
  }
  const push = await svc.app.inject({ method: 'POST', url: '/unified/sync/push/product', headers: headersA.ADMIN, payload: { productId: productIds.items[0], action: 'UPSERT' } });
  harvest({ statusCode: push.statusCode, headers: push.headers, body: push.body });
  const bulk = await svc.app.inject({ method: 'POST', url: '/unified/sync/push/products', headers: headersA.ADMIN, payload: { productIds: productIds.items.slice(0, 2), action: 'UPSERT' } });
  harvest({ statusCode: bulk.statusCode, headers: bulk.headers, body: bulk.body });
  const bulkB = await svc.app.inject({ method: 'POST', url: '/unified/sync/push/products', headers: headersB, payload: { all: true, action: 'UPSERT' } });
  if (bulkB.statusCode === 202) batchIds.add((bulkB.json() as { batch_id: string }).batch_id);
  const feed = await svc.app.inject({ method: 'GET', url: '/api/v1/ucp/catalog.json', headers: headersA.ADMIN });
  harvest({ statusCode: feed.statusCode, headers: feed.headers, body: feed.body });
  if (jobIds.items.length === 0 || batchIds.items.length < 2 || feedLinks.items.length === 0 || states.items.length < 6) throw new Error('seeding the fuzz world failed');

  return {
    svc,
    probe,
    a,
    b,
    headersA,
    headersB,
    badAuth,
    connections,
    pools: { productIds, otherProductIds, orderIds, jobIds, batchIds, connectionIds, states, feedLinks },
    stubUrl: stub.url,
    harvest,
    close: async () => {
      await probe.close();
      await svc.close();
      await new Promise<void>((r) => stub.server.close(() => r()));
    },
  };
}
