// Token refresh under concurrency, revoked grants, and retry of throttled pushes.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionByPublicId } from '../../src/db/connections.ts';
import { connections } from '../../src/db/schema.ts';
import { createConnectionContext, openCredentials, sealCredentials } from '../../src/providers/connectionContext.ts';
import { startShopifyFake, type ShopifyFake } from '../../src/providers/shopify/fake/index.ts';
import { ProviderError } from '../../src/providers/types.ts';
import { newTenant, startService, type TestService } from '../harness.ts';
import { connectShop, waitFor } from './flow.ts';

let fake: ShopifyFake;
let svc: TestService;

beforeAll(async () => {
  fake = await startShopifyFake({
    clientId: 'cred-client',
    clientSecret: 'cred-secret-0123456789',
    autoApprove: true,
    accessTokenTtlSeconds: 3600,
    log: () => {},
  });
  svc = await startService({
    worker: true,
    env: {
      SHOPIFY_CLIENT_ID: 'cred-client',
      SHOPIFY_CLIENT_SECRET: 'cred-secret-0123456789',
      SYNQ_SHOPIFY_SHOP_URL_TEMPLATE: fake.shopUrlTemplate,
      SYNQ_PUSH_RETRY_BASE_MS: '100',
      SYNQ_PUSH_RETRY_CAP_MS: '1000',
    },
  });
});
afterAll(async () => {
  await svc?.close();
  await fake?.close();
});

async function activeConnection(shop: string) {
  const t = newTenant();
  const { connectionId } = await connectShop(svc, t, shop);
  const saved = await svc.app.inject({ method: 'POST', url: '/api/v1/integrations/callback', headers: await svc.headers(t), payload: { connection_id: connectionId } });
  expect(saved.statusCode).toBe(201);
  return { t, connectionId };
}

/** Marks the stored access token as expired (as if its lifetime had passed), keeping everything else. */
async function expireStoredToken(connectionId: string) {
  const row = (await connectionByPublicId(svc.deps.db, connectionId))!;
  const creds = openCredentials(svc.deps, row);
  const past = new Date(Date.now() - 1000).toISOString();
  await svc.deps.db
    .update(connections)
    .set({ credentials: sealCredentials(svc.deps, row, { ...creds, accessExpiresAt: past }), accessExpiresAt: new Date(past) })
    .where(eq(connections.id, row.id));
}

describe('credentials', () => {
  it('10 concurrent tasks on an expired token trigger exactly one refresh, and the rotated token is stored', async () => {
    const shop = 'race-one.myshopify.com';
    const { connectionId } = await activeConnection(shop);
    const before = (await connectionByPublicId(svc.deps.db, connectionId))!;
    const oldCreds = openCredentials(svc.deps, before);
    await expireStoredToken(connectionId);
    const refreshesBefore = fake.stats.refreshes;
    const connector = svc.deps.providers.get('shopify')!;
    const row = (await connectionByPublicId(svc.deps.db, connectionId))!;
    // Ten independent contexts, as ten tasks in ten workers would build them.
    const results = await Promise.all(
      Array.from({ length: 10 }, () => connector.findRemoteProduct(createConnectionContext(svc.deps, connector, row), ["NOPE"])),
    );
    expect(results).toHaveLength(10);
    expect(fake.stats.refreshes - refreshesBefore).toBe(1);
    const after = openCredentials(svc.deps, (await connectionByPublicId(svc.deps.db, connectionId))!);
    expect(after.accessToken).not.toBe(oldCreds.accessToken);
    expect(after.refreshToken).toBeDefined();
    expect(after.refreshToken).not.toBe(oldCreds.refreshToken); // Shopify rotates refresh tokens
    expect(Date.parse(after.accessExpiresAt!)).toBeGreaterThan(Date.now());
  });

  it('a token the provider rejects (401) is refreshed once for 10 concurrent callers', async () => {
    const shop = 'race-two.myshopify.com';
    const { connectionId } = await activeConnection(shop);
    fake.expireAccessTokens(shop);
    const refreshesBefore = fake.stats.refreshes;
    const connector = svc.deps.providers.get('shopify')!;
    const row = (await connectionByPublicId(svc.deps.db, connectionId))!;
    await Promise.all(Array.from({ length: 10 }, () => connector.findRemoteProduct(createConnectionContext(svc.deps, connector, row), ["NOPE"])));
    expect(fake.stats.refreshes - refreshesBefore).toBe(1);
  });

  it('a revoked grant moves the connection to REAUTH_REQUIRED', async () => {
    const shop = 'revoked.myshopify.com';
    const { t, connectionId } = await activeConnection(shop);
    await expireStoredToken(connectionId);
    fake.revokeGrant(shop);
    const connector = svc.deps.providers.get('shopify')!;
    const row = (await connectionByPublicId(svc.deps.db, connectionId))!;
    const err = await connector.listProducts(createConnectionContext(svc.deps, connector, row), null).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).code).toBe('INVALID_GRANT');
    const list = await svc.app.inject({ method: 'GET', url: '/api/v1/integrations/connections?status=all', headers: await svc.headers(t) });
    expect((list.json() as { connections: { status: string }[] }).connections[0]!.status).toBe('REAUTH_REQUIRED');
    // Not ACTIVE any more: it is no longer listed by default and gets no pushes.
    const active = await svc.app.inject({ method: 'GET', url: '/api/v1/integrations/connections', headers: await svc.headers(t) });
    expect((active.json() as { connections: unknown[] }).connections).toEqual([]);
  });

  it('a push retries through 429 (Retry-After) and 500 and succeeds once', async () => {
    const shop = 'flaky.myshopify.com';
    const { t } = await activeConnection(shop);
    const created = await svc.app.inject({
      method: 'POST',
      url: '/api/v1/pim/products',
      headers: await svc.headers(t),
      payload: { title: 'Flaky', variants: [{ sku: 'FLAKY-1', price: '5.00', currency: 'USD' }] },
    });
    const productId = (created.json() as { id: string }).id;
    fake.injectFailure({ kind: 'http429', count: 1, shop, retryAfterSeconds: 1 });
    fake.injectFailure({ kind: 'http500', count: 1, shop });
    const res = await svc.app.inject({ method: 'POST', url: '/unified/sync/push/product', headers: await svc.headers(t), payload: { productId, action: 'UPSERT' } });
    const jobId = (res.json() as { job_id: string }).job_id;
    const job = await waitFor(async () => {
      const r = await svc.app.inject({ method: 'GET', url: `/unified/sync/jobs/${jobId}`, headers: await svc.headers(t) });
      const b = r.json() as { targets: { status: string; attempts: number }[] };
      return b.targets[0]?.status === 'succeeded' ? b : null;
    }, 30_000);
    expect(job.targets[0]!.attempts).toBeGreaterThanOrEqual(2);
    expect(fake.shop(shop).products).toHaveLength(1);
  });
});
