// Push semantics: bursts collapse to the latest state, the newest action wins,
// permanent failures are recorded once, retryable ones end dead after the last attempt.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionByPublicId } from '../../src/db/connections.ts';
import { startWorker, type Worker } from '../../src/jobs/worker.ts';
import { startShopifyFake, type ShopifyFake } from '../../src/providers/shopify/fake/index.ts';
import { newTenant, startService, type TestService, type TestTenant } from '../harness.ts';
import { connectShop, waitFor } from './flow.ts';

let fake: ShopifyFake;
let svc: TestService;
let worker: Worker | null = null;

beforeAll(async () => {
  fake = await startShopifyFake({ clientId: 'fan-client', clientSecret: 'fan-secret-0123456789', autoApprove: true, log: () => {} });
  svc = await startService({
    env: {
      SHOPIFY_CLIENT_ID: 'fan-client',
      SHOPIFY_CLIENT_SECRET: 'fan-secret-0123456789',
      SYNQ_SHOPIFY_SHOP_URL_TEMPLATE: fake.shopUrlTemplate,
      SYNQ_PUSH_RETRY_BASE_MS: '50',
      SYNQ_PUSH_RETRY_CAP_MS: '200',
      SYNQ_PUSH_MAX_ATTEMPTS: '3',
    },
  });
});
afterAll(async () => {
  await worker?.stop();
  await svc?.close();
  await fake?.close();
});

async function setup(shop: string): Promise<TestTenant> {
  const t = newTenant();
  const { connectionId } = await connectShop(svc, t, shop);
  const saved = await svc.app.inject({ method: 'POST', url: '/api/v1/integrations/callback', headers: await svc.headers(t), payload: { connection_id: connectionId } });
  expect(saved.statusCode).toBe(201);
  // Saving queues the connection's initial sync, which pushes the tenant's catalog as it is when
  // the sync runs. Once a worker runs, wait for it: a sync that ran after a test's DELETE would
  // push the product (still in the catalog) again, as it should, and the test would race it.
  if (worker) await waitFor(async () => (await connectionByPublicId(svc.deps.db, connectionId))?.lastSyncedAt, 30_000);
  return t;
}

async function product(t: TestTenant, body: object): Promise<string> {
  const res = await svc.app.inject({ method: 'POST', url: '/api/v1/pim/products', headers: await svc.headers(t), payload: body });
  expect(res.statusCode).toBe(201);
  return (res.json() as { id: string }).id;
}

async function push(t: TestTenant, productId: string, action: 'UPSERT' | 'DELETE'): Promise<string> {
  const res = await svc.app.inject({ method: 'POST', url: '/unified/sync/push/product', headers: await svc.headers(t), payload: { productId, action } });
  expect(res.statusCode).toBe(202);
  expect(res.json()).toMatchObject({ status: 'queued' });
  return (res.json() as { job_id: string }).job_id;
}

async function settled(t: TestTenant, jobId: string) {
  return waitFor(async () => {
    const r = await svc.app.inject({ method: 'GET', url: `/unified/sync/jobs/${jobId}`, headers: await svc.headers(t) });
    const b = r.json() as { status: string; targets: { status: string; attempts: number; error: string | null }[] };
    return b.targets.every((x) => !['queued', 'running'].includes(x.status)) ? b : null;
  }, 30_000);
}

describe('push fan-out', () => {
  it('a burst of pushes of one product collapses into one push of its latest state', async () => {
    // The connection's initial sync runs first, on the empty catalog, with a worker that then stops:
    // a sync running during the burst would queue its own target for the product, and the burst
    // would collapse into one push of six targets instead of five (CI saw it).
    worker = await startWorker(svc.deps, { pollingIntervalSeconds: 0.5 });
    const t = await setup('burst.myshopify.com');
    await worker.stop();
    worker = null;
    const id = await product(t, { title: 'v0', variants: [{ sku: 'BURST-1', price: '1.00', currency: 'USD' }] });
    const jobs: string[] = [];
    // No worker yet: every push queues; the queue keeps one job for the product × connection.
    for (let i = 1; i <= 5; i++) {
      await svc.app.inject({ method: 'PATCH', url: `/api/v1/pim/products/${id}`, headers: await svc.headers(t), payload: { title: `v${i}` } });
      jobs.push(await push(t, id, 'UPSERT'));
    }
    worker = await startWorker(svc.deps, { pollingIntervalSeconds: 0.5 });
    for (const j of jobs) expect((await settled(t, j)).status).toBe('succeeded');
    const remote = fake.shop('burst.myshopify.com').products as { title: string }[];
    expect(remote.map((p) => p.title)).toEqual(['v5']);
    const collapsed = svc.logs.filter((l) => l.includes('"msg":"push succeeded"') && l.includes(id)).map((l) => (JSON.parse(l) as { collapsed: number }).collapsed);
    expect(collapsed).toEqual([5]);
  });

  it('the newest action wins: UPSERT then DELETE in one burst leaves nothing remote', async () => {
    const t = await setup('burst-delete.myshopify.com');
    const id = await product(t, { title: 'gone soon', variants: [{ sku: 'BD-1', price: '1.00', currency: 'USD' }] });
    const first = await push(t, id, 'UPSERT');
    expect((await settled(t, first)).status).toBe('succeeded');
    expect(fake.shop('burst-delete.myshopify.com').products).toHaveLength(1);
    const del = await push(t, id, 'DELETE');
    expect((await settled(t, del)).status).toBe('succeeded');
    expect(fake.shop('burst-delete.myshopify.com').products).toHaveLength(0);
  });

  it('a permanent failure is recorded once; retryable failures end dead after the last attempt', async () => {
    const t = await setup('failing.myshopify.com');
    // Two variants with no options cannot be told apart at Shopify: a validation error, not retried.
    const bad = await product(t, {
      title: 'ambiguous',
      variants: [
        { sku: 'AMB-1', price: '1.00', currency: 'USD' },
        { sku: 'AMB-2', price: '2.00', currency: 'USD' },
      ],
    });
    const badJob = await settled(t, await push(t, bad, 'UPSERT'));
    expect(badJob.targets[0]).toMatchObject({ status: 'failed', attempts: 1 });
    expect(badJob.targets[0]!.error).toMatch(/VALIDATION/);

    const ok = await product(t, { title: 'unlucky', variants: [{ sku: 'UNL-1', price: '1.00', currency: 'USD' }] });
    fake.injectFailure({ kind: 'http500', count: 50, shop: 'failing.myshopify.com' });
    const deadJob = await settled(t, await push(t, ok, 'UPSERT'));
    fake.clearFailures();
    expect(deadJob.targets[0]).toMatchObject({ status: 'dead', attempts: 3 });
    expect(deadJob.status).toBe('failed');
  });

  it('a push with no active connection is queued with no targets', async () => {
    const t = newTenant();
    const id = await product(t, { title: 'alone' });
    const job = await svc.app.inject({ method: 'GET', url: `/unified/sync/jobs/${await push(t, id, 'UPSERT')}`, headers: await svc.headers(t) });
    expect(job.json()).toMatchObject({ status: 'succeeded', targets: [] });
  });

  it('rejects a bad action or id with 400 and an unknown product with 404', async () => {
    const t = newTenant();
    const h = await svc.headers(t);
    expect((await svc.app.inject({ method: 'POST', url: '/unified/sync/push/product', headers: h, payload: { productId: 'x', action: 'UPSERT' } })).statusCode).toBe(400);
    expect((await svc.app.inject({ method: 'POST', url: '/unified/sync/push/product', headers: h, payload: { productId: crypto.randomUUID(), action: 'PATCH' } })).statusCode).toBe(400);
    expect((await svc.app.inject({ method: 'POST', url: '/unified/sync/push/product', headers: h, payload: { productId: crypto.randomUUID(), action: 'UPSERT' } })).statusCode).toBe(404);
    expect((await svc.app.inject({ method: 'GET', url: `/unified/sync/jobs/${crypto.randomUUID()}`, headers: h })).statusCode).toBe(404);
  });
});
