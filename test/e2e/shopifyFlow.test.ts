// The whole flow through the Shopify fake: auth-url → connect page → Shopify
// authorize → callback → save → push UPSERT → product in the fake → push DELETE →
// gone; a Shopify order webhook and a signed unified webhook → orders listed.
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startShopifyFake, type ShopifyFake } from '../../src/providers/shopify/fake/index.ts';
import { schemaFileExists } from '../../src/providers/shopify/fake/schema.ts';
import { newTenant, startService, TEST_WEBHOOK_SECRET, type TestService, type TestTenant } from '../harness.ts';
import { connectShop, waitFor } from './flow.ts';
import { connectionByPublicId } from '../../src/db/connections.ts';
import { openCredentials } from '../../src/providers/connectionContext.ts';

const SHOP = 'flow-demo.myshopify.com';
let fake: ShopifyFake;
let svc: TestService;

if (!schemaFileExists()) console.warn('NOTICE: ../shared/contracts/shopify is missing: the Shopify fake runs WITHOUT schema validation in this run');

beforeAll(async () => {
  fake = await startShopifyFake({ clientId: 'flow-client', clientSecret: 'flow-secret-0123456789', autoApprove: true, log: () => {} });
  svc = await startService({
    worker: true,
    env: {
      SHOPIFY_CLIENT_ID: 'flow-client',
      SHOPIFY_CLIENT_SECRET: 'flow-secret-0123456789',
      SYNQ_SHOPIFY_SHOP_URL_TEMPLATE: fake.shopUrlTemplate,
      SYNQ_PUSH_RETRY_BASE_MS: '200',
    },
  });
});
afterAll(async () => {
  await svc?.close();
  await fake?.close();
});

async function createProduct(t: TestTenant, sku: string) {
  const res = await svc.app.inject({
    method: 'POST',
    url: '/api/v1/pim/products',
    headers: await svc.headers(t),
    payload: {
      title: 'Merino Tee',
      description: 'Soft and warm',
      brand: 'Acme',
      variants: [
        { sku: `${sku}-S`, barcode: '4006381333931', price: '39.00', currency: 'USD', option_values: { Size: 'S' }, inventory_quantity: 5 },
        { sku: `${sku}-M`, price: '41.50', currency: 'USD', option_values: { Size: 'M' }, inventory_quantity: 0 },
      ],
    },
  });
  expect(res.statusCode).toBe(201);
  return res.json() as { id: string };
}

async function push(t: TestTenant, productId: string, action: 'UPSERT' | 'DELETE') {
  const res = await svc.app.inject({ method: 'POST', url: '/unified/sync/push/product', headers: await svc.headers(t), payload: { productId, action } });
  expect(res.statusCode).toBe(202);
  const jobId = (res.json() as { job_id: string }).job_id;
  return waitFor(async () => {
    const job = await svc.app.inject({ method: 'GET', url: `/unified/sync/jobs/${jobId}`, headers: await svc.headers(t) });
    const body = job.json() as { status: string; targets: { status: string; remote_id: string | null; error: string | null }[] };
    return body.targets.length > 0 && body.targets.every((x) => x.status !== 'queued' && x.status !== 'running') ? body : null;
  });
}

describe('Shopify end to end', () => {
  it('connects, pushes, deletes and ingests orders', async () => {
    const t = newTenant();
    const { connectionId } = await connectShop(svc, t, SHOP);

    const saved = await svc.app.inject({
      method: 'POST',
      url: '/api/v1/integrations/callback',
      headers: await svc.headers(t),
      payload: { connection_id: connectionId, provider: 'shopify' },
    });
    expect(saved.statusCode).toBe(201);
    expect(saved.json()).toMatchObject({ connection_id: connectionId, unified_connection_id: connectionId, status: 'ACTIVE', provider: 'shopify', category: 'commerce' });
    const again = await svc.app.inject({ method: 'POST', url: '/api/v1/integrations/callback', headers: await svc.headers(t), payload: { connection_id: connectionId } });
    expect(again.statusCode).toBe(201);

    const list = await svc.app.inject({ method: 'GET', url: '/api/v1/integrations/connections', headers: await svc.headers(t) });
    expect((list.json() as { connections: { connection_id: string }[] }).connections.map((c) => c.connection_id)).toEqual([connectionId]);

    const product = await createProduct(t, 'TEE');
    const upsert = await push(t, product.id, 'UPSERT');
    expect(upsert.status).toBe('succeeded');
    expect(upsert.targets[0]!.remote_id).toMatch(/^gid:\/\/shopify\/Product\//);
    const remote = fake.shop(SHOP).products as { title: string; variants: { sku: string; price: string; options: { value: string }[] }[] }[];
    expect(remote).toHaveLength(1);
    expect(remote[0]!.title).toBe('Merino Tee');
    expect(remote[0]!.variants.map((v) => [v.sku, v.price, v.options[0]?.value]).sort()).toEqual([
      ['TEE-M', '41.50', 'M'],
      ['TEE-S', '39.00', 'S'],
    ]);

    // A second UPSERT updates the same remote product, never a second one.
    await svc.app.inject({ method: 'PATCH', url: `/api/v1/pim/products/${product.id}`, headers: await svc.headers(t), payload: { title: 'Merino Tee v2' } });
    expect((await push(t, product.id, 'UPSERT')).status).toBe('succeeded');
    expect((fake.shop(SHOP).products as { title: string }[]).map((p) => p.title)).toEqual(['Merino Tee v2']);

    expect((await push(t, product.id, 'DELETE')).status).toBe('succeeded');
    expect(fake.shop(SHOP).products).toHaveLength(0);

    // Shopify's own order webhook (the fake signs it with the app secret).
    await fake.createOrder(SHOP, { name: '#1001', currency: 'USD', lineItems: [{ sku: 'TEE-S', title: 'Merino Tee', quantity: 2, price: '39.00' }] });
    // A signed unified webhook.
    const body = JSON.stringify({
      connection_id: connectionId,
      event: 'order.created',
      data: { id: 'ext-77', currency: 'USD', total: '12.50', updated_at: new Date().toISOString(), line_items: [] },
    });
    const sig = createHmac('sha256', TEST_WEBHOOK_SECRET).update(body).digest('hex');
    const wh = await svc.app.inject({ method: 'POST', url: '/unified/webhook', headers: { 'content-type': 'application/json', 'x-unified-signature': sig }, payload: body });
    expect(wh.statusCode).toBe(200);

    const orders = await waitFor(async () => {
      const res = await svc.app.inject({ method: 'GET', url: '/api/v1/oms/orders', headers: await svc.headers(t, 'VIEWER') });
      const o = (res.json() as { orders: { external_id: string; total: string; name: string | null }[] }).orders;
      return o.length >= 2 ? o : null;
    });
    expect(orders.map((o) => o.external_id)).toContain('ext-77');
    expect(orders.find((o) => o.name === '#1001')?.total).toBe('78.00');

    // Every request Synq sent to the fake was checked against Shopify's real schema.
    if (fake.schemaValidated) {
      expect(fake.stats.validatedRequests).toBeGreaterThan(0);
      expect(fake.stats.unvalidatedRequests).toBe(0);
    }
    expect(fake.stats.invalidDocuments).toBe(0);

    // No token, refresh token, client secret, webhook secret or encryption key in any log line.
    const row = (await connectionByPublicId(svc.deps.db, connectionId))!;
    const creds = openCredentials(svc.deps, row);
    const logText = svc.logs.join('');
    expect(logText.length).toBeGreaterThan(0);
    for (const secret of [
      creds.accessToken,
      creds.refreshToken!,
      'flow-secret-0123456789',
      TEST_WEBHOOK_SECRET,
      svc.config.encryptionKeys[0]!.key.toString('base64'),
    ]) {
      expect(logText).not.toContain(secret);
    }
  });
});
