// Callback verification and token handling, without a server.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ShopifyAppConfig } from './config.ts';
import { ProviderError } from '../types.ts';
import { createShopifyConnector } from './connector.ts';
import { signRedirectParams } from './fake/oauthRoutes.ts';
import { callbackSigningMessage } from './oauth.ts';

const cfg: ShopifyAppConfig = { clientId: 'cid', clientSecret: 'hush', scopes: 'read_products', apiVersion: '2025-01', shopUrlTemplate: 'https://{shop}' };
const NOW = new Date('2025-03-01T12:00:00Z');
const ts = String(Math.floor(NOW.getTime() / 1000));

function signed(params: Record<string, string>, secret = 'hush'): Record<string, string> {
  return { ...params, hmac: signRedirectParams(params, secret) };
}

function validationError(fn: () => unknown): ProviderError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).code).toBe('VALIDATION');
    return err as ProviderError;
  }
  throw new Error('expected a VALIDATION error');
}

describe('parseCallback', () => {
  const connector = createShopifyConnector(cfg);
  const base = { code: 'abc', shop: 'my-shop.myshopify.com', state: 's1', timestamp: ts, host: 'YWRtaW4uc2hvcGlmeS5jb20vc3RvcmUvbXktc2hvcA' };

  it('accepts a correctly signed, fresh callback', () => {
    expect(connector.authorization.parseCallback(signed(base), NOW)).toEqual({ code: 'abc', state: 's1', account: 'my-shop.myshopify.com' });
  });

  it('matches the documented example message', () => {
    // The canonical form from Shopify's docs: sorted, hmac removed, k=v joined with &.
    const query = { code: '0907a61c0c8d55e99db179b68161bc00', hmac: 'x', shop: 'some-shop.myshopify.com', timestamp: '1337178173' };
    expect(callbackSigningMessage(query)).toBe('code=0907a61c0c8d55e99db179b68161bc00&shop=some-shop.myshopify.com&timestamp=1337178173');
  });

  it('escapes & and % and signs array params as ["a", "b"]', () => {
    expect(callbackSigningMessage({ 'ids[]': ['1', '2'], shop: 'a&b%', hmac: 'x' })).toBe('ids=["1", "2"]&shop=a%26b%25');
  });

  it('rejects a bad, missing, truncated or upper-case signature', () => {
    const good = signed(base);
    validationError(() => connector.authorization.parseCallback({ ...good, hmac: '0'.repeat(64) }, NOW));
    validationError(() => connector.authorization.parseCallback({ ...good, hmac: (good.hmac ?? '').slice(0, 40) }, NOW));
    validationError(() => connector.authorization.parseCallback({ ...good, hmac: (good.hmac ?? '').toUpperCase() }, NOW));
    validationError(() => connector.authorization.parseCallback({ ...base }, NOW));
    validationError(() => connector.authorization.parseCallback(signed(base, 'wrong-secret'), NOW));
    validationError(() => connector.authorization.parseCallback({ ...good, state: 'tampered' }, NOW));
  });

  it('rejects stale and future timestamps beyond 10 minutes', () => {
    validationError(() => connector.authorization.parseCallback(signed({ ...base, timestamp: String(Number(ts) - 601) }), NOW));
    validationError(() => connector.authorization.parseCallback(signed({ ...base, timestamp: String(Number(ts) + 601) }), NOW));
    expect(connector.authorization.parseCallback(signed({ ...base, timestamp: String(Number(ts) - 599) }), NOW).code).toBe('abc');
  });

  it('rejects a signed callback for a shop outside myshopify.com', () => {
    validationError(() => connector.authorization.parseCallback(signed({ ...base, shop: 'evil.example.com' }), NOW));
    validationError(() => connector.authorization.parseCallback(signed({ ...base, shop: '-x.myshopify.com' }), NOW));
  });
});

describe('accounts and URLs', () => {
  const connector = createShopifyConnector(cfg);
  it('normalizes shop domains and refuses anything else', () => {
    expect(connector.normalizeAccount(' My-Shop.MyShopify.com ')).toBe('my-shop.myshopify.com');
    for (const bad of ['shop.myshopify.com.evil.com', 'shop.example.com', 'a/b.myshopify.com', '', 'https://x.myshopify.com']) {
      expect(connector.normalizeAccount(bad)).toBeNull();
    }
  });
  it('builds an offline authorize URL and validates the shop first', () => {
    const url = new URL(connector.authorization.buildAuthorizeUrl({ account: 'my-shop.myshopify.com', state: 'st', redirectUri: 'https://synq.test/cb' }));
    expect(url.origin + url.pathname).toBe('https://my-shop.myshopify.com/admin/oauth/authorize');
    expect(Object.fromEntries(url.searchParams)).toEqual({ client_id: 'cid', scope: 'read_products', redirect_uri: 'https://synq.test/cb', state: 'st' });
    expect(() => connector.authorization.buildAuthorizeUrl({ account: 'evil.com/x', state: 's', redirectUri: 'https://a' })).toThrow(ProviderError);
  });
});

describe('token endpoint handling', () => {
  function stubFetch(status: number, body: unknown, seen: string[] = []): typeof fetch {
    return (async (_url: string | URL | Request, init?: RequestInit) => {
      seen.push(String(init?.body ?? ''));
      return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
    }) as typeof fetch;
  }
  const current = { accessToken: 'old', refreshToken: 'shprt_keep', refreshExpiresAt: '2030-01-01T00:00:00.000Z', scope: 'read_products' };

  it('asks for expiring tokens and maps the response', async () => {
    const seen: string[] = [];
    const c = createShopifyConnector(cfg, { fetch: stubFetch(200, { access_token: 'a1', expires_in: 3600, refresh_token: 'r1', refresh_token_expires_in: 7776000, scope: 'read_products' }, seen) });
    const creds = await c.authorization.exchangeCode('my-shop.myshopify.com', 'code1', 'https://synq.test/cb');
    expect(new URLSearchParams(seen[0]).get('expiring')).toBe('1');
    expect(creds).toMatchObject({ accessToken: 'a1', refreshToken: 'r1', scope: 'read_products' });
    expect(Date.parse(creds.accessExpiresAt ?? '') - Date.now()).toBeGreaterThan(3590_000);
  });

  it('keeps the stored refresh token when a refresh response omits one', async () => {
    const seen: string[] = [];
    const c = createShopifyConnector(cfg, { fetch: stubFetch(200, { access_token: 'a2', expires_in: 3600 }, seen) });
    const creds = await c.refresh('my-shop.myshopify.com', current);
    expect(Object.fromEntries(new URLSearchParams(seen[0]))).toMatchObject({ grant_type: 'refresh_token', refresh_token: 'shprt_keep' });
    expect(creds).toMatchObject({ accessToken: 'a2', refreshToken: 'shprt_keep', refreshExpiresAt: current.refreshExpiresAt, scope: 'read_products' });
  });

  it('maps invalid_grant (and Shopify\'s 401 "requires an active refresh_token") to INVALID_GRANT', async () => {
    for (const [status, body] of [
      [400, { error: 'invalid_grant', error_description: 'revoked' }],
      [401, { error: 'invalid_request', error_description: 'This request requires an active refresh_token' }],
    ] as const) {
      const c = createShopifyConnector(cfg, { fetch: stubFetch(status, body) });
      await expect(c.refresh('my-shop.myshopify.com', current)).rejects.toMatchObject({ code: 'INVALID_GRANT', retryable: false });
    }
    const c5 = createShopifyConnector(cfg, { fetch: stubFetch(503, {}) });
    await expect(c5.refresh('my-shop.myshopify.com', current)).rejects.toMatchObject({ code: 'UNAVAILABLE', retryable: true });
  });

  it('never puts a secret or token in an error message', async () => {
    const c = createShopifyConnector(cfg, { fetch: stubFetch(400, { error: 'invalid_grant', error_description: 'token shprt_keep hush' }) });
    const err = (await c.refresh('my-shop.myshopify.com', current).catch((e: unknown) => e)) as Error;
    expect(err.message).not.toContain('shprt_keep');
    expect(err.message).not.toContain('hush');
  });
});

it('signRedirectParams in the fake agrees with an independent HMAC', () => {
  const p = { code: 'c', shop: 's.myshopify.com', timestamp: '1' };
  expect(signRedirectParams(p, 'k')).toBe(createHmac('sha256', 'k').update('code=c&shop=s.myshopify.com&timestamp=1').digest('hex'));
});
