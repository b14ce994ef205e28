// Shared security cases for every tenant endpoint: no token → 401, wrong tenant
// header → 403, VIEWER writing → 403, another tenant's ids → 404; hostile bodies
// get 4xx with {"error"} and write nothing.
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../src/db/client.ts';
import { newTenant, startService, type TestService, type TestTenant } from './harness.ts';

let svc: TestService;
let owner: TestTenant;
let productId: string;

beforeAll(async () => {
  svc = await startService();
  owner = newTenant();
  const res = await svc.app.inject({
    method: 'POST',
    url: '/api/v1/pim/products',
    headers: await svc.headers(owner),
    payload: { title: 'Owned', variants: [{ sku: `OWN-${randomUUID()}`, price: '1.00', currency: 'USD' }] },
  });
  productId = (res.json() as { id: string }).id;
});
afterAll(async () => {
  await svc?.close();
});

type Endpoint = { method: 'GET' | 'POST' | 'PATCH' | 'DELETE'; url: () => string; body?: () => unknown; write: boolean };
const endpoints: Endpoint[] = [
  { method: 'GET', url: () => '/api/v1/pim/products', write: false },
  { method: 'POST', url: () => '/api/v1/pim/products', body: () => ({ title: 'x' }), write: true },
  { method: 'GET', url: () => `/api/v1/pim/products/${productId}`, write: false },
  { method: 'PATCH', url: () => `/api/v1/pim/products/${productId}`, body: () => ({ title: 'y' }), write: true },
  { method: 'DELETE', url: () => `/api/v1/pim/products/${productId}`, write: true },
  { method: 'POST', url: () => `/api/v1/pim/products/${productId}/variants`, body: () => ({ sku: `V-${randomUUID()}`, price: '2', currency: 'USD' }), write: true },
  { method: 'POST', url: () => '/api/v1/integrations/auth-url', body: () => ({}), write: true },
  { method: 'POST', url: () => '/api/v1/integrations/callback', body: () => ({ connection_id: 'conn_missing' }), write: true },
  { method: 'GET', url: () => '/api/v1/integrations/connections', write: false },
  { method: 'DELETE', url: () => `/api/v1/integrations/connections/${randomUUID()}`, write: true },
  { method: 'POST', url: () => '/unified/sync/push/product', body: () => ({ productId, action: 'UPSERT' }), write: true },
  { method: 'GET', url: () => `/unified/sync/jobs/${randomUUID()}`, write: false },
  { method: 'POST', url: () => '/unified/sync/push/products', body: () => ({ productIds: [productId], action: 'UPSERT' }), write: true },
  { method: 'GET', url: () => `/unified/sync/batches/${randomUUID()}`, write: false },
  { method: 'GET', url: () => '/api/v1/oms/orders', write: false },
  { method: 'GET', url: () => `/api/v1/oms/orders/${randomUUID()}`, write: false },
];

async function countRows(): Promise<number> {
  const r = await svc.deps.db.execute(sql`SELECT
    (SELECT count(*) FROM products) + (SELECT count(*) FROM variants) + (SELECT count(*) FROM push_jobs) + (SELECT count(*) FROM push_batches)
    + (SELECT count(*) FROM oauth_states) + (SELECT count(*) FROM connections) + (SELECT count(*) FROM outbox) AS n`);
  return Number(rowsOf<{ n: number | string }>(r)[0]!.n);
}

const call = async (e: Endpoint, headers: Record<string, string>) =>
  svc.app.inject({ method: e.method, url: e.url(), headers, ...(e.body ? { payload: e.body() as object } : {}) });

describe.each(endpoints)('$method $url', (e) => {
  it('401 without a token, 403 with a mismatched tenant header, writing nothing', async () => {
    const before = await countRows();
    const noToken = await call(e, { 'x-tenant-id': owner.tenantId, 'x-org-id': owner.orgId });
    expect(noToken.statusCode).toBe(401);
    expect(noToken.json()).toEqual({ error: expect.any(String) });
    const h = await svc.headers(owner);
    const wrong = await call(e, { ...h, 'x-tenant-id': randomUUID() });
    expect(wrong.statusCode).toBe(403);
    expect(wrong.json()).toEqual({ error: expect.any(String) });
    expect(await countRows()).toBe(before);
  });

  it(e.write ? 'VIEWER may not write' : 'VIEWER may read', async () => {
    const before = await countRows();
    const res = await call(e, await svc.headers(owner, 'VIEWER'));
    if (e.write) {
      expect(res.statusCode).toBe(403);
      expect(await countRows()).toBe(before);
    } else {
      expect(res.statusCode).toBeLessThan(500);
      expect(res.statusCode).not.toBe(403);
    }
  });
});

describe('tenant isolation', () => {
  it("another tenant's product id answers 404 and never its data", async () => {
    const intruder = newTenant();
    const h = await svc.headers(intruder);
    for (const [method, url, payload] of [
      ['GET', `/api/v1/pim/products/${productId}`, undefined],
      ['PATCH', `/api/v1/pim/products/${productId}`, { title: 'pwned' }],
      ['POST', `/api/v1/pim/products/${productId}/variants`, { sku: `X-${randomUUID()}`, price: '1', currency: 'USD' }],
      ['POST', '/unified/sync/push/product', { productId, action: 'UPSERT' }],
      ['POST', '/unified/sync/push/products', { productIds: [productId], action: 'UPSERT' }],
      ['DELETE', `/api/v1/pim/products/${productId}`, undefined],
    ] as const) {
      const res = await svc.app.inject({ method, url, headers: h, ...(payload ? { payload } : {}) });
      expect(res.statusCode, `${method} ${url}`).toBe(404);
      expect(res.body).not.toContain('Owned');
    }
    const list = await svc.app.inject({ method: 'GET', url: '/api/v1/pim/products', headers: h });
    expect((list.json() as { products: unknown[] }).products).toEqual([]);
    const mine = await svc.app.inject({ method: 'GET', url: `/api/v1/pim/products/${productId}`, headers: await svc.headers(owner) });
    expect((mine.json() as { title: string }).title).toBe('Owned');
  });

  it('a tenant id reused under another org is refused', async () => {
    const res = await svc.app.inject({ method: 'GET', url: '/api/v1/pim/products', headers: await svc.headers({ tenantId: owner.tenantId, orgId: randomUUID() }) });
    expect(res.statusCode).toBe(403);
  });
});

describe('hostile bodies', () => {
  it('malformed JSON, wrong content type, wrong types and oversize bodies are 4xx and write nothing', async () => {
    const h = await svc.headers(owner);
    const before = await countRows();
    const cases: { payload: string | Buffer; type: string; expect: number }[] = [
      { payload: '{"title": ', type: 'application/json', expect: 400 },
      { payload: 'title=x', type: 'application/x-www-form-urlencoded', expect: 415 },
      { payload: JSON.stringify({ title: 123 }), type: 'application/json', expect: 400 },
      { payload: JSON.stringify({ title: 'x', variants: [{ sku: 'A', price: '-1', currency: 'USD' }] }), type: 'application/json', expect: 400 },
      { payload: JSON.stringify({ title: 'x', variants: [{ sku: 'A', price: '1e3', currency: 'USD' }] }), type: 'application/json', expect: 400 },
      { payload: JSON.stringify({ title: 'x', variants: [{ sku: 'A', price: 1, currency: 'usd' }] }), type: 'application/json', expect: 400 },
      { payload: JSON.stringify({ title: 'x', extra: true }), type: 'application/json', expect: 400 },
      { payload: JSON.stringify({ title: 'x', variants: [{ sku: 'D', price: 1, currency: 'USD' }, { sku: 'D', price: 1, currency: 'USD' }] }), type: 'application/json', expect: 400 },
      { payload: Buffer.alloc(10 * 1024 * 1024 + 1, 0x20), type: 'application/json', expect: 413 },
      { payload: '[]', type: 'application/json', expect: 400 },
      { payload: '{"title":"x","__proto__":{"admin":true}}', type: 'application/json', expect: 400 },
      // PostgreSQL cannot store U+0000, and a lone surrogate would be silently altered.
      { payload: '{"title":"a\\u0000b"}', type: 'application/json', expect: 400 },
      { payload: '{"title":"x","description":"a\\u0000b"}', type: 'application/json', expect: 400 },
      { payload: '{"title":"\\ud800"}', type: 'application/json', expect: 400 },
      { payload: '{"title":"x","variants":[{"sku":"Z1","price":"1","currency":"USD","option_values":{"a\\u0000":"b"}}]}', type: 'application/json', expect: 400 },
    ];
    for (const c of cases) {
      const res = await svc.app.inject({ method: 'POST', url: '/api/v1/pim/products', headers: { ...h, 'content-type': c.type }, payload: c.payload });
      expect(res.statusCode, String(c.payload).slice(0, 80)).toBe(c.expect);
      expect(res.json()).toEqual({ error: expect.any(String) });
    }
    expect(await countRows()).toBe(before);
  });

  it('a duplicate SKU is a 409 and the first product is untouched', async () => {
    const h = await svc.headers(owner);
    const sku = `DUP-${randomUUID()}`;
    const first = await svc.app.inject({ method: 'POST', url: '/api/v1/pim/products', headers: h, payload: { title: 'A', variants: [{ sku, price: '1', currency: 'USD' }] } });
    expect(first.statusCode).toBe(201);
    const second = await svc.app.inject({ method: 'POST', url: '/api/v1/pim/products', headers: h, payload: { title: 'B', variants: [{ sku, price: '1', currency: 'USD' }] } });
    expect(second.statusCode).toBe(409);
    const other = newTenant();
    const elsewhere = await svc.app.inject({ method: 'POST', url: '/api/v1/pim/products', headers: await svc.headers(other), payload: { title: 'C', variants: [{ sku, price: '1', currency: 'USD' }] } });
    expect(elsewhere.statusCode).toBe(201); // SKUs are unique per tenant, not globally
  });

  it('unknown routes answer 404 with {"error"}', async () => {
    const res = await svc.app.inject({ method: 'GET', url: '/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: expect.any(String) });
  });
});
