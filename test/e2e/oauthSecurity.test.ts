// The OAuth edges: bad auth-url input, and callbacks that must be refused with a
// 400 page and nothing stored (replayed or expired state, bad HMAC, shop mismatch).
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../src/db/client.ts';
import { startShopifyFake, type ShopifyFake } from '../../src/providers/shopify/fake/index.ts';
import { signRedirectParams } from '../../src/providers/shopify/fake/oauthRoutes.ts';
import { newTenant, startService, type TestService } from '../harness.ts';

const SECRET = 'oauthsec-secret-0123456789';
let fake: ShopifyFake;
let svc: TestService;

beforeAll(async () => {
  fake = await startShopifyFake({ clientId: 'oauthsec-client', clientSecret: SECRET, autoApprove: true, log: () => {} });
  svc = await startService({
    env: {
      SHOPIFY_CLIENT_ID: 'oauthsec-client',
      SHOPIFY_CLIENT_SECRET: SECRET,
      SYNQ_SHOPIFY_SHOP_URL_TEMPLATE: fake.shopUrlTemplate,
      SYNQ_CONNECT_REDIRECT_ALLOWLIST: 'https://app.example.com',
    },
  });
});
afterAll(async () => {
  await svc?.close();
  await fake?.close();
});

const connectionCount = async () => Number(rowsOf<{ n: string | number }>(await svc.deps.db.execute(sql`SELECT count(*) AS n FROM connections`))[0]!.n);

async function authorizeUrl(shop: string) {
  const t = newTenant();
  const res = await svc.app.inject({ method: 'POST', url: '/api/v1/integrations/auth-url', headers: await svc.headers(t), payload: { provider: 'shopify', shop } });
  expect(res.statusCode).toBe(200);
  return new URL((res.json() as { auth_url: string }).auth_url);
}

/** What Shopify would send back for this authorize URL, signed with `secret`. */
function callbackFor(authorize: URL, overrides: Record<string, string> = {}, secret = SECRET): string {
  const shop = overrides.shop ?? authorize.pathname.split('/')[2]!;
  const params: Record<string, string> = {
    code: 'not-a-real-code',
    host: Buffer.from(`admin.shopify.com/store/${shop}`).toString('base64url'),
    shop,
    state: authorize.searchParams.get('state')!,
    timestamp: String(Math.floor(Date.now() / 1000)),
    ...overrides,
  };
  const q = new URLSearchParams({ ...params, hmac: signRedirectParams(params, secret) });
  return `/api/v1/integrations/oauth/shopify/callback?${q.toString()}`;
}

describe('auth-url input', () => {
  it.each([
    [{ provider: 'shopify', shop: 'evil.com' }, 400],
    [{ provider: 'shopify', shop: 'x.myshopify.com.evil.com' }, 400],
    [{ provider: 'shopify' }, 400],
    [{ provider: 'nope' }, 400],
    [{ shop: 'a.myshopify.com' }, 400],
    [{ redirect_uri: 'https://evil.example.com/cb' }, 400],
    [{ redirect_uri: 'javascript:alert(1)' }, 400],
    [{ provider: 'shopify', shop: 'a.myshopify.com', category: 'accounting' }, 400],
    [{ redirect_uri: 'https://app.example.com/after' }, 200],
  ])('%j → %i', async (payload, status) => {
    const res = await svc.app.inject({ method: 'POST', url: '/api/v1/integrations/auth-url', headers: await svc.headers(newTenant()), payload });
    expect(res.statusCode).toBe(status);
  });

  it('no body at all opens the connect page', async () => {
    const h = await svc.headers(newTenant());
    const res = await svc.app.inject({ method: 'POST', url: '/api/v1/integrations/auth-url', headers: h });
    expect(res.statusCode).toBe(200);
    expect((res.json() as { auth_url: string }).auth_url).toMatch(/\/connect\/[A-Za-z0-9_-]{43}$/);
  });
});

describe('OAuth callback refusals store nothing', () => {
  it('bad HMAC, stale timestamp, shop mismatch and invalid shop are 400 pages', async () => {
    const before = await connectionCount();
    const authorize = await authorizeUrl('victim.myshopify.com');
    const cases = [
      callbackFor(authorize, {}, 'wrong-secret'),
      callbackFor(authorize, { timestamp: String(Math.floor(Date.now() / 1000) - 3600) }),
      callbackFor(authorize, { shop: 'attacker.myshopify.com' }),
      callbackFor(authorize, { shop: 'evil.com' }),
      `/api/v1/integrations/oauth/shopify/callback?shop=victim.myshopify.com&state=x`,
    ];
    for (const url of cases) {
      const res = await svc.app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(400);
      expect(res.headers['content-type']).toContain('text/html');
    }
    expect(await connectionCount()).toBe(before);
  });

  it('a state is single-use: the replay of a completed callback is refused', async () => {
    const authorize = await authorizeUrl('replay.myshopify.com');
    const approved = await fetch(authorize, { redirect: 'manual' });
    const callback = new URL(approved.headers.get('location')!);
    const first = await svc.app.inject({ method: 'GET', url: `${callback.pathname}${callback.search}` });
    expect(first.statusCode).toBe(200);
    const before = await connectionCount();
    const replay = await svc.app.inject({ method: 'GET', url: `${callback.pathname}${callback.search}` });
    expect(replay.statusCode).toBe(400);
    expect(await connectionCount()).toBe(before);
  });

  it('an unknown provider is a 404 page', async () => {
    const res = await svc.app.inject({ method: 'GET', url: '/api/v1/integrations/oauth/nope/callback?code=x' });
    expect(res.statusCode).toBe(404);
  });

  it('the connect page refuses unknown and expired states', async () => {
    const res = await svc.app.inject({ method: 'GET', url: `/connect/${'A'.repeat(43)}` });
    expect(res.statusCode).toBe(400);
    expect((await svc.app.inject({ method: 'GET', url: '/connect/short' })).statusCode).toBe(400);
  });
});

describe('saving connections', () => {
  it("another tenant's connection is 404, a provider mismatch is 400, and a disconnect is 204", async () => {
    const t = newTenant();
    const authorize = await svc.app.inject({
      method: 'POST',
      url: '/api/v1/integrations/auth-url',
      headers: await svc.headers(t),
      payload: { provider: 'shopify', shop: 'save-test.myshopify.com' },
    });
    const approved = await fetch((authorize.json() as { auth_url: string }).auth_url, { redirect: 'manual' });
    const callback = new URL(approved.headers.get('location')!);
    const page = await svc.app.inject({ method: 'GET', url: `${callback.pathname}${callback.search}` });
    const connectionId = /conn_[A-Za-z0-9]+/.exec(page.body)![0];

    const other = await svc.app.inject({ method: 'POST', url: '/api/v1/integrations/callback', headers: await svc.headers(newTenant()), payload: { connection_id: connectionId } });
    expect(other.statusCode).toBe(404);
    const mismatch = await svc.app.inject({ method: 'POST', url: '/api/v1/integrations/callback', headers: await svc.headers(t), payload: { connection_id: connectionId, provider: 'woocommerce' } });
    expect(mismatch.statusCode).toBe(400);
    const ok = await svc.app.inject({ method: 'POST', url: '/api/v1/integrations/callback', headers: await svc.headers(t), payload: { connection_id: connectionId } });
    expect(ok.statusCode).toBe(201);
    const audit = rowsOf<{ action: string }>(await svc.deps.db.execute(sql`SELECT action FROM audit_log WHERE target = ${connectionId}`));
    expect(audit.map((a) => a.action)).toEqual(['INTEGRATION_CONNECTED']);

    const id = (ok.json() as { id: string }).id;
    const subsBefore = (fake.shop('save-test.myshopify.com').webhooks as unknown[]).length;
    expect(subsBefore).toBeGreaterThan(0);
    const del = await svc.app.inject({ method: 'DELETE', url: `/api/v1/integrations/connections/${id}`, headers: await svc.headers(t) });
    expect(del.statusCode).toBe(204);
    expect(fake.shop('save-test.myshopify.com').webhooks).toHaveLength(0);
    const all = await svc.app.inject({ method: 'GET', url: '/api/v1/integrations/connections?status=all', headers: await svc.headers(t) });
    expect((all.json() as { connections: { status: string }[] }).connections[0]!.status).toBe('DISCONNECTED');
    const resave = await svc.app.inject({ method: 'POST', url: '/api/v1/integrations/callback', headers: await svc.headers(t), payload: { connection_id: connectionId } });
    expect(resave.statusCode).toBe(409);
  });
});
