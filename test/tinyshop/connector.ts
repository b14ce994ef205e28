// TinyShop's connector: OAuth 2 without refresh, one PUT per product, app-signed webhooks.
import { hmacSha256, verifyHmacSha256 } from '../../src/lib/signatures.ts';
import { header } from '../../src/lib/headers.ts';
import { isRecord } from '../../src/providers/transport.ts';
import { ProviderError, type Connector, type ProviderFacts } from '../../src/providers/types.ts';
import type { TinyShopConfig } from './config.ts';

export const TINYSHOP_FACTS: ProviderFacts = {
  id: 'tinyshop',
  displayName: 'TinyShop',
  categories: ['commerce'],
  accountPrompt: { field: 'shop', label: 'Shop name', placeholder: 'my-shop' },
  defaultScopes: 'products',
  supportsPkce: false,
  accessTokenTtlSeconds: null,
  refreshTokenRotates: false,
  rateLimit: { kind: 'unpublished' },
  secretQueryParams: [],
  webhookTopics: ['orders/create'],
  webhookSigning: 'app-secret',
};

export const signTinyShop = (secret: string, body: string) => hmacSha256(secret, body, 'base64');

export function createTinyShopConnector(cfg: TinyShopConfig): Connector {
  const call = async (method: string, path: string, token: string, payload?: unknown) => {
    const res = await fetch(`${cfg.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(payload !== undefined ? { body: JSON.stringify(payload) } : {}),
    });
    if (!res.ok) throw new ProviderError(res.status === 401 ? 'UNAUTHORIZED' : 'VALIDATION', `TinyShop ${method} answered ${res.status}`, { status: res.status });
    return (await res.json()) as unknown;
  };
  const handle = (id: string) => id.replace(/[^A-Za-z0-9_-]/g, '');
  return {
    facts: TINYSHOP_FACTS,
    isConfigured: () => cfg.clientId !== '' && cfg.clientSecret !== '',
    normalizeAccount: (input) => (/^[a-z0-9-]{1,40}$/.test(input.trim()) ? input.trim() : null),
    verifyAccount: async () => {},
    authorization: {
      kind: 'oauth2',
      buildAuthorizeUrl: (req) => {
        const u = new URL(`${cfg.url}/oauth/authorize`);
        for (const [k, v] of Object.entries({ client_id: cfg.clientId, shop: req.account, state: req.state, redirect_uri: req.redirectUri })) u.searchParams.set(k, v);
        return u.toString();
      },
      parseCallback: (q) => {
        const [state, code, shop] = [q.state, q.code, q.shop];
        if (typeof state !== 'string' || typeof code !== 'string' || typeof shop !== 'string') throw new ProviderError('VALIDATION', 'bad callback');
        return { state, code, account: shop };
      },
      exchangeCode: async (_account, code) => {
        const res = await fetch(`${cfg.url}/oauth/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ code, client_id: cfg.clientId, client_secret: cfg.clientSecret }).toString(),
        });
        const body = (await res.json()) as unknown;
        if (!res.ok || !isRecord(body) || typeof body.access_token !== 'string') throw new ProviderError('INVALID_GRANT', 'TinyShop refused the code');
        return { accessToken: body.access_token };
      },
    },
    refresh: async (_account, current) => current,
    subscribeWebhooks: async () => [],
    unsubscribeWebhooks: async () => {},
    upsertProduct: async (ctx, product) => {
      const id = handle(product.handle ?? product.id);
      await call('PUT', `/shops/${ctx.account}/products/${id}`, await ctx.accessToken(), { title: product.title, skus: product.variants.map((v) => v.sku) });
      return { remoteId: id, variantIds: {} };
    },
    deleteProduct: async (ctx, remoteId) => {
      await call('DELETE', `/shops/${ctx.account}/products/${handle(remoteId)}`, await ctx.accessToken());
    },
    findRemoteProduct: async () => null,
    verifyWebhook: (raw, headers) => verifyHmacSha256(cfg.clientSecret, raw, header(headers, 'x-tinyshop-hmac'), 'base64'),
    isWebhookPing: () => false,
    webhookAccount: (headers) => header(headers, 'x-tinyshop-shop') ?? null,
    normalizeWebhook: (_raw, headers) => ({ event: 'order.created', providerEventId: header(headers, 'x-tinyshop-delivery') ?? null, data: null }),
    listProducts: async () => ({ items: [], nextCursor: null }),
    listOrders: async () => ({ items: [], nextCursor: null }),
    orderFromEvent: (data) => {
      if (!isRecord(data) || typeof data.id !== 'string' || typeof data.total !== 'string') return null;
      const at = typeof data.at === 'string' ? data.at : new Date().toISOString();
      return { externalId: data.id, name: null, status: 'open', currency: 'EUR', total: data.total, createdAt: at, updatedAt: at, lineItems: [] };
    },
  };
}
