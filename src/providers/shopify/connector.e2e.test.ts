// The connector against the fake Shopify, end to end over HTTP.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ProviderError } from '../types.ts';
import { startShopifyFake, type ShopifyFake } from './fake/index.ts';
import { schemaFileExists } from './fake/schema.ts';
import { connectorFor, contextFor, install, tee } from './testing/harness.ts';

const SHOP = 'e2e-store.myshopify.com';
let fake: ShopifyFake;

beforeAll(async () => {
  fake = await startShopifyFake({ clientId: 'synq-test-client', clientSecret: 'test-secret-0123456789abcdef', autoApprove: true, accessTokenTtlSeconds: 2, log: () => {} });
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => fake.clearFailures());

async function providerError(p: Promise<unknown>): Promise<ProviderError> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(ProviderError);
  return err as ProviderError;
}

describe('install and push', () => {
  it('installs, creates, updates and deletes a product', async () => {
    const connector = connectorFor(fake);
    const creds = await install(connector, SHOP);
    expect(creds.refreshToken).toMatch(/^shprt_/);
    expect(Date.parse(creds.accessExpiresAt ?? '')).toBeGreaterThan(Date.now());
    expect(fake.stats.tokenExchanges).toBe(1);
    const { ctx } = contextFor(connector, SHOP, creds);

    const created = await connector.upsertProduct(ctx, tee(), null);
    expect(created.remoteId).toMatch(/^gid:\/\/shopify\/Product\//);
    expect(Object.keys(created.variantIds).sort()).toEqual(['TEE-M', 'TEE-S']);

    const updated = await connector.upsertProduct(
      ctx,
      tee({ title: 'Organic tee v2', variants: [...tee().variants, { sku: 'TEE-L', barcode: null, price: '21.00', currency: 'USD', optionValues: { Size: 'L' }, inventoryQuantity: 2 }] }),
      created.remoteId,
    );
    expect(updated.remoteId).toBe(created.remoteId);
    expect(updated.variantIds['TEE-S']).toBe(created.variantIds['TEE-S']);
    const products = fake.shop(SHOP).products as { title: string; descriptionHtml: string; variants: { sku: string; quantities: Record<string, number> }[] }[];
    expect(products).toHaveLength(1);
    expect(products[0]?.title).toBe('Organic tee v2');
    expect(products[0]?.descriptionHtml).toBe('<p>Soft cotton.</p><p>Made &lt;well&gt;.</p>');
    expect(products[0]?.variants.map((v) => v.sku)).toEqual(['TEE-S', 'TEE-M', 'TEE-L']);
    expect(Object.values(products[0]?.variants[0]?.quantities ?? {})).toEqual([5]);

    expect(await connector.findRemoteProduct(ctx, ['NOPE', 'TEE-L'])).toBe(created.remoteId);
    await connector.deleteProduct(ctx, created.remoteId);
    expect(fake.shop(SHOP).products).toHaveLength(0);
    await connector.deleteProduct(ctx, created.remoteId); // already gone counts as success
    expect(await connector.findRemoteProduct(ctx, ['TEE-S'])).toBeNull();
    const gone = await providerError(connector.upsertProduct(ctx, tee(), created.remoteId));
    expect(gone.code).toBe('NOT_FOUND');
  });

  it('pushes a product without options as Title / Default Title', async () => {
    const connector = connectorFor(fake);
    const { ctx } = contextFor(connector, SHOP, await install(connector, SHOP));
    const single = tee({ variants: [{ sku: 'MUG', barcode: null, price: '9.50', currency: 'USD', optionValues: {}, inventoryQuantity: 1 }] });
    const res = await connector.upsertProduct(ctx, single, null);
    expect(Object.keys(res.variantIds)).toEqual(['MUG']);
    await connector.deleteProduct(ctx, res.remoteId);
  });

  it('upserts several products in one request (aliased productSet), each with its own answer', async () => {
    const connector = connectorFor(fake);
    const { ctx } = contextFor(connector, SHOP, await install(connector, SHOP));
    const many = Array.from({ length: 40 }, (_, i) =>
      tee({ id: `many_${i}`, handle: `many-${i}`, title: `Many ${i}`, variants: [{ sku: `MANY-${i}`, barcode: null, price: '5.00', currency: 'USD', optionValues: {}, inventoryQuantity: 1 }] }),
    );
    const before = fake.stats.graphqlRequests;
    const created = await connector.upsertMany!(ctx, [tee({ id: 'many_tee', handle: 'many-tee', variants: tee().variants.map((v) => ({ ...v, sku: `MANY-${v.sku}` })) }), ...many], new Map());
    // 41 products at 14 + variants points each fit in one document under the 1,000-point limit (the
    // location lookup is one more request).
    expect(fake.stats.graphqlRequests - before).toBeLessThanOrEqual(2);
    expect(created.every((r) => r.ok)).toBe(true);
    const first = created[0]!;
    if (!first.ok) throw new Error('unreachable');
    expect(Object.keys(first.result.variantIds).sort()).toEqual(['MANY-TEE-M', 'MANY-TEE-S']);
    // Updates in place by remote id; a product deleted in Shopify answers NOT_FOUND alone.
    const known = new Map(created.flatMap((r) => (r.ok ? [[r.productId, r.result.remoteId] as const] : [])));
    const gone = known.get('many_1')!;
    await connector.deleteProduct(ctx, gone);
    const again = await connector.upsertMany!(ctx, many.slice(0, 3).map((p) => ({ ...p, title: `${p.title} v2` })), known);
    expect(again.map((r) => (r.ok ? r.result.remoteId : r.error.code))).toEqual([known.get('many_0'), 'NOT_FOUND', known.get('many_2')]);
    expect((fake.shop(SHOP).products as { title: string }[]).filter((p) => p.title.endsWith('v2')).map((p) => p.title).sort()).toEqual(['Many 0 v2', 'Many 2 v2']);
    for (const id of known.values()) if (id !== gone) await connector.deleteProduct(ctx, id);
  });

  it('lists products and orders page by page', async () => {
    const connector = connectorFor(fake);
    const { ctx } = contextFor(connector, SHOP, await install(connector, SHOP));
    const many = Array.from({ length: 7 }, (_, i) => ({ sku: `BIG-${i}`, barcode: null, price: '1.00', currency: 'USD', optionValues: { N: String(i) }, inventoryQuantity: null }));
    const big = await connector.upsertProduct(ctx, tee({ handle: 'big', variants: many }), null);
    const products = await connector.listProducts(ctx, null);
    expect(products.items.find((p) => p.remoteId === big.remoteId)?.skus).toHaveLength(7);

    const since = new Date(Date.now() - 1000).toISOString();
    await fake.createOrder(SHOP, { lineItems: [{ sku: 'TEE-S', title: 'Tee', quantity: 2, price: '19.99' }] });
    const orders = await connector.listOrders(ctx, since, null);
    expect(orders.items).toHaveLength(1);
    expect(orders.items[0]).toMatchObject({ status: 'paid', currency: 'USD', total: '39.98', lineItems: [{ sku: 'TEE-S', quantity: 2, price: '19.99' }] });
    expect((await connector.listOrders(ctx, new Date(Date.now() + 60_000).toISOString(), null)).items).toHaveLength(0);
    await connector.deleteProduct(ctx, big.remoteId);
  });
});

describe('tokens', () => {
  it('refreshes an expired token, rotating the refresh token', async () => {
    const connector = connectorFor(fake);
    const first = await install(connector, SHOP);
    const second = await connector.refresh(SHOP, first);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(fake.stats.refreshes).toBeGreaterThanOrEqual(1);
    const reused = await providerError(connector.refresh(SHOP, first));
    expect(reused.code).toBe('INVALID_GRANT');
    expect(reused.retryable).toBe(false);

    // The 2 s access token really expires, and the context refreshes before the call.
    const t = contextFor(connector, SHOP, second);
    await new Promise((r) => setTimeout(r, 2100));
    await connector.listProducts(t.ctx, null);
    expect(t.creds().refreshToken).not.toBe(second.refreshToken);
  });

  it('retries once with a new token after a 401', async () => {
    const connector = connectorFor(fake);
    const t = contextFor(connector, SHOP, await install(connector, SHOP));
    fake.expireAccessTokens(SHOP);
    const stale = { ...t.creds(), accessExpiresAt: new Date(Date.now() + 3600_000).toISOString() };
    const t2 = contextFor(connector, SHOP, stale);
    await connector.listProducts(t2.ctx, null);
    expect(t2.invalidations()).toBe(1);
  });

  it('maps a revoked grant to INVALID_GRANT and UNAUTHORIZED', async () => {
    const connector = connectorFor(fake);
    const creds = await install(connector, SHOP);
    fake.revokeGrant(SHOP);
    expect((await providerError(connector.refresh(SHOP, creds))).code).toBe('INVALID_GRANT');
    const ctx = { connectionId: 'c', account: SHOP, accessToken: async () => creds.accessToken, invalidateToken: async () => creds.accessToken, credentials: async () => creds };
    const err = await providerError(connector.listProducts(ctx, null));
    expect(err.code).toBe('UNAUTHORIZED');
  });
});

describe('failures', () => {
  it('maps 429, 500, a hang and THROTTLED to retryable errors', async () => {
    const connector = connectorFor(fake, { timeoutMs: 300 });
    const { ctx } = contextFor(connector, SHOP, await install(connector, SHOP));

    fake.injectFailure({ kind: 'http429', count: 1, retryAfterSeconds: 3 });
    const limited = await providerError(connector.listProducts(ctx, null));
    expect([limited.code, limited.retryable, limited.retryAfterMs]).toEqual(['RATE_LIMITED', true, 3000]);

    fake.injectFailure({ kind: 'http500', count: 1, shop: SHOP });
    const down = await providerError(connector.listProducts(ctx, null));
    expect([down.code, down.retryable]).toEqual(['UNAVAILABLE', true]);

    fake.injectFailure({ kind: 'hang', count: 1 });
    const slow = await providerError(connector.listProducts(ctx, null));
    expect([slow.code, slow.retryable]).toEqual(['TIMEOUT', true]);

    fake.injectFailure({ kind: 'throttled', count: 1 });
    const throttled = await providerError(connector.listProducts(ctx, null));
    expect([throttled.code, throttled.retryable]).toEqual(['RATE_LIMITED', true]);
    // The fake reports a bucket one second (restoreRate points) short of the query's cost.
    expect(throttled.retryAfterMs).toBe(1000);
  });

  it('injected failures for another shop do not apply', async () => {
    const connector = connectorFor(fake);
    const { ctx } = contextFor(connector, SHOP, await install(connector, SHOP));
    fake.injectFailure({ kind: 'http500', count: 1, shop: 'other.myshopify.com' });
    await expect(connector.listProducts(ctx, null)).resolves.toBeDefined();
  });
});

describe('webhooks', () => {
  it('subscribes, receives a signed delivery, normalizes it and unsubscribes', async () => {
    const received: { body: Buffer; headers: IncomingHttpHeaders }[] = [];
    const receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ body: Buffer.concat(chunks), headers: req.headers });
        res.end('ok');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const callbackUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/shopify`;
    try {
      const connector = connectorFor(fake);
      const { ctx } = contextFor(connector, SHOP, await install(connector, SHOP));
      const subs = await connector.subscribeWebhooks(ctx, callbackUrl);
      expect(subs.map((s) => s.topic)).toEqual([...connector.facts.webhookTopics]);
      // A retried connect adopts the existing subscriptions instead of failing.
      expect((await connector.subscribeWebhooks(ctx, callbackUrl)).map((s) => s.id)).toEqual(subs.map((s) => s.id));

      const { order } = await fake.createOrder(SHOP, { lineItems: [{ sku: 'TEE-M', title: 'Tee', quantity: 1, price: '19.99' }] });
      expect(received).toHaveLength(1);
      const delivery = received[0];
      if (!delivery) throw new Error('no delivery');
      expect(connector.verifyWebhook(delivery.body, delivery.headers)).toBe(true);
      expect(connector.webhookAccount(delivery.headers)).toBe(SHOP);
      const event = connector.normalizeWebhook(delivery.body, delivery.headers);
      expect(event.event).toBe('order.created');
      expect(event.providerEventId).toMatch(/[0-9a-f-]{36}/);
      expect(connector.orderFromEvent(event.data)).toMatchObject({ externalId: order.id, total: '19.99', lineItems: [{ sku: 'TEE-M' }] });

      await connector.unsubscribeWebhooks(ctx, subs);
      expect(fake.shop(SHOP).webhooks).toHaveLength(0);
    } finally {
      await new Promise((r) => receiver.close(r));
    }
  });
});

describe.skipIf(!schemaFileExists())('schema conformance of everything above', () => {
  it('validated every GraphQL request against Shopify 2025-01', () => {
    expect(fake.schemaValidated).toBe(true);
    expect(fake.stats.graphqlRequests).toBeGreaterThan(10);
    expect(fake.stats.unvalidatedRequests).toBe(0);
    expect(fake.stats.invalidDocuments).toBe(0);
  });
});
if (!schemaFileExists()) console.warn('[shopify tests] Admin API schema file missing: schema-conformance assertions SKIPPED');
