// The fake itself: it refuses what Shopify refuses, its install page works, its
// control API does what tests rely on, and it runs (loudly unvalidated) without a schema.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectorFor, contextFor, install, tee, CLIENT_ID, CLIENT_SECRET, REDIRECT_URI } from '../testing/harness.ts';
import { startShopifyFake, type ShopifyFake } from './index.ts';
import { schemaFileExists } from './schema.ts';

const SHOP = 'fake-test.myshopify.com';
const HAS_SCHEMA = schemaFileExists();
if (!HAS_SCHEMA) console.warn('[shopify fake tests] Admin API schema file missing: schema-conformance tests SKIPPED');

let fake: ShopifyFake;
let token: string;

beforeAll(async () => {
  fake = await startShopifyFake({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, autoApprove: true, bucket: { maximumAvailable: 100, restoreRate: 10 }, log: () => {} });
  token = (await install(connectorFor(fake), SHOP)).accessToken;
});
afterAll(async () => {
  await fake.close();
});

async function gql(query: string, variables: Record<string, unknown> = {}, accessToken = token): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${fake.url}/shops/${SHOP}/admin/api/2025-01/graphql.json`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-shopify-access-token': accessToken },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe.skipIf(!HAS_SCHEMA)('schema conformance (Admin API 2025-01)', () => {
  it('rejects a misspelled field like Shopify does', async () => {
    const { status, body } = await gql('{ products(first: 1) { nodes { id titel } } }');
    expect(status).toBe(200);
    expect(body.data).toBeUndefined();
    expect(JSON.stringify(body.errors)).toContain("Cannot query field \\\"titel\\\" on type \\\"Product\\\"");
  });

  it('rejects wrongly typed variables and a missing required argument', async () => {
    const bad = await gql('query($n: Int) { products(first: $n) { nodes { id } } }', { n: 'ten' });
    expect(JSON.stringify(bad.body.errors)).toContain('Int cannot represent');
    const badInput = await gql('mutation($input: ProductSetInput!) { productSet(input: $input) { product { id } } }', { input: { status: 'LIVE' } });
    expect(JSON.stringify(badInput.body.errors)).toMatch(/ProductStatus/);
    const missing = await gql('mutation { productDelete { deletedProductId } }');
    expect(JSON.stringify(missing.body.errors)).toMatch(/argument .{0,4}input.{0,4} of type .{0,4}ProductDeleteInput!/);
    expect(fake.stats.unvalidatedRequests).toBe(0);
  });

  it('refuses a query over the 1000-point single-query limit', async () => {
    const { body } = await gql('{ products(first: 250) { nodes { id variants(first: 250) { nodes { id } } } } }');
    expect(JSON.stringify(body.errors)).toContain('MAX_COST_EXCEEDED');
  });

  it('answers THROTTLED with cost extensions when the bucket is empty', async () => {
    // A query is charged what it returns: 2 + 1 location instead of the 12 requested.
    const cheap = await gql('{ locations(first: 10) { nodes { id } } }');
    expect(cheap.body.extensions).toMatchObject({ cost: { requestedQueryCost: 12, actualQueryCost: 3 } });
    // Bucket of 100 points: ten 11-point mutations (10 + userErrors) cannot all be paid for.
    const del = 'mutation($input: ProductDeleteInput!) { productDelete(input: $input) { userErrors { message } } }';
    const answers = await Promise.all(Array.from({ length: 10 }, () => gql(del, { input: { id: 'gid://shopify/Product/1' } })));
    const throttled = answers.find((a) => JSON.stringify(a.body.errors ?? '').includes('THROTTLED'));
    expect(throttled?.body.extensions).toMatchObject({ cost: { requestedQueryCost: 11, throttleStatus: { maximumAvailable: 100, restoreRate: 10 } } });
  });
});

describe('auth', () => {
  it('answers 401 without a valid token and refuses reused codes', async () => {
    expect((await gql('{ shop { name } }', {}, 'shpat_nope')).status).toBe(401);
    const connector = connectorFor(fake);
    const url = connector.authorization.buildAuthorizeUrl({ account: SHOP, state: 'x', redirectUri: REDIRECT_URI });
    const res = await fetch(url, { redirect: 'manual' });
    const cb = connector.authorization.parseCallback(Object.fromEntries(new URL(res.headers.get('location') ?? '').searchParams));
    await connector.authorization.exchangeCode(SHOP, cb.code, REDIRECT_URI);
    await expect(connector.authorization.exchangeCode(SHOP, cb.code, REDIRECT_URI)).rejects.toMatchObject({ code: 'INVALID_GRANT' });
  });

  it('refuses an unknown client_id on the authorize page', async () => {
    const res = await fetch(`${fake.url}/shops/${SHOP}/admin/oauth/authorize?client_id=nope&scope=a&redirect_uri=${encodeURIComponent(REDIRECT_URI)}&state=s`, { redirect: 'manual' });
    expect(res.status).toBe(400);
  });
});

describe('install page (no auto-approve)', () => {
  it('shows the app and scopes, and the Install button posts and redirects with a valid signature', async () => {
    const manual = await startShopifyFake({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, log: () => {} });
    try {
      const connector = connectorFor(manual);
      const page = await fetch(connector.authorization.buildAuthorizeUrl({ account: SHOP, state: 'st<>', redirectUri: REDIRECT_URI }));
      const html = await page.text();
      expect(html).toContain('id="install"');
      expect(html).toContain('write_products');
      expect(html).toContain('st&lt;&gt;');
      const action = /action="([^"]+)"/.exec(html)?.[1] ?? '';
      const fields = new URLSearchParams([...html.matchAll(/name="([^"]+)" value="([^"]*)"/g)].map((m): [string, string] => [m[1] ?? '', (m[2] ?? '').replace(/&lt;/g, '<').replace(/&gt;/g, '>')]));
      const posted = await fetch(new URL(action, manual.url), { method: 'POST', body: fields, redirect: 'manual' });
      expect(posted.status).toBe(302);
      const cb = connector.authorization.parseCallback(Object.fromEntries(new URL(posted.headers.get('location') ?? '').searchParams));
      expect(cb).toMatchObject({ account: SHOP, state: 'st<>' });
    } finally {
      await manual.close();
    }
  });
});

describe('control API', () => {
  it('injects failures, creates orders, reports stats and resets', async () => {
    const post = (path: string, body: unknown) => fetch(`${fake.url}/_control${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post('/failures', { kind: 'http500', count: 1, shop: SHOP })).status).toBe(200);
    expect((await gql('{ shop { name } }')).status).toBe(500);
    expect((await post('/failures', { kind: 'bogus' })).status).toBe(400);
    const created = (await (await post(`/shops/${SHOP}/orders`, { lineItems: [{ sku: 'A', title: 'A', quantity: 3, price: '2.50' }] })).json()) as { order: { totalPrice: string } };
    expect(created.order.totalPrice).toBe('7.50');
    const orders = (await (await fetch(`${fake.url}/_control/shops/${SHOP}/orders`)).json()) as unknown[];
    expect(orders).toHaveLength(1);
    const stats = (await (await fetch(`${fake.url}/_control/stats`)).json()) as { tokenExchanges: number; schemaValidated: boolean };
    expect(stats.tokenExchanges).toBeGreaterThanOrEqual(2);
    expect(stats.schemaValidated).toBe(HAS_SCHEMA);
  });
});

describe('without a schema file', () => {
  it('says so loudly, serves the connector, and counts requests as unvalidated', async () => {
    const lines: string[] = [];
    const bare = await startShopifyFake({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, autoApprove: true, schemaPath: null, log: (l) => lines.push(l) });
    try {
      expect(bare.schemaValidated).toBe(false);
      expect(lines.join('\n')).toMatch(/WITHOUT schema validation/);
      const connector = connectorFor(bare);
      const { ctx } = contextFor(connector, SHOP, await install(connector, SHOP));
      const res = await connector.upsertProduct(ctx, tee(), null);
      expect((await connector.listProducts(ctx, null)).items.map((p) => p.remoteId)).toEqual([res.remoteId]);
      expect(bare.stats.unvalidatedRequests).toBeGreaterThan(0);
      expect(bare.stats.validatedRequests).toBe(0);
    } finally {
      await bare.close();
    }
  });
});
