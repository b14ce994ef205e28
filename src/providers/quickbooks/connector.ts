// The QuickBooks Online connector: wires facts, Intuit OAuth 2, the Accounting API client,
// Item push and webhooks into the Connector interface. Quirks live in the files it imports.
import type { QuickBooksAppConfig } from './config.ts';
import { ProviderError, type ConnectorWith, type OAuth2Authorization } from '../types.ts';
import { QUICKBOOKS_FACTS, normalizeRealmId } from './facts.ts';
import { QboClient, sendQbo, type QboHttpDeps } from './http.ts';
import { QboItems } from './items.ts';
import { buildAuthorizeUrl, exchangeCode, parseCallback, refreshCredentials, revokeGrant } from './oauth.ts';
import { splitQboWebhook, verifyQboWebhook } from './webhooks.ts';

export interface QuickBooksConnectorOptions {
  fetch?: typeof fetch;
  /** Per HTTP call. 30 s: Intuit documents up to 30 s before it answers a slow query with a 5xx. */
  timeoutMs?: number;
}

export type QuickBooksConnector = ConnectorWith<OAuth2Authorization>;

export function createQuickBooksConnector(cfg: QuickBooksAppConfig, opts: QuickBooksConnectorOptions = {}): QuickBooksConnector {
  const http: QboHttpDeps = { fetch: opts.fetch ?? globalThis.fetch, timeoutMs: opts.timeoutMs ?? 30_000 };
  const client = new QboClient(http, cfg);
  const items = new QboItems(client);

  const authorization: OAuth2Authorization = {
    kind: 'oauth2',
    buildAuthorizeUrl: (req) => buildAuthorizeUrl(cfg, req),
    parseCallback: (query) => parseCallback(query),
    async exchangeCode(account, code, redirectUri) {
      const creds = await exchangeCode(http, cfg, code, redirectUri);
      // The realmId on the redirect is not signed: make sure the new token really opens that company.
      const res = await sendQbo(http, 'company check', client.url(account, `/companyinfo/${encodeURIComponent(account)}`), {
        headers: { authorization: `Bearer ${creds.accessToken}`, accept: 'application/json' },
      });
      await res.body?.cancel();
      if (res.status >= 500 || res.status === 429) throw new ProviderError('UNAVAILABLE', `QuickBooks company check answered HTTP ${res.status}`, { status: res.status });
      if (!res.ok) throw new ProviderError('VALIDATION', 'The QuickBooks token does not open the company named on the callback', { status: res.status });
      return creds;
    },
  };

  return {
    facts: QUICKBOOKS_FACTS,
    isConfigured: () => cfg.clientId !== '' && cfg.clientSecret !== '',
    normalizeAccount: normalizeRealmId,
    verifyAccount: async () => {},
    authorization,
    refresh: (_account, current) => refreshCredentials(http, cfg, current),

    // Webhook entities are configured once for the app in Intuit's developer portal.
    subscribeWebhooks: async () => [],
    unsubscribeWebhooks: async () => {},
    // Disconnect: revoking the refresh token revokes the access token too.
    revokeGrant: (_account, credentials) => revokeGrant(http, cfg, credentials),

    upsertProduct: (ctx, product, remoteId) => items.upsert(ctx, product, remoteId),
    deleteProduct: (ctx, remoteId) => items.deactivate(ctx, remoteId),
    findRemoteProduct: (ctx, skus) => items.find(ctx, skus),

    verifyWebhook: (rawBody, headers) => verifyQboWebhook(cfg.webhookVerifierToken, rawBody, headers),
    isWebhookPing: () => false,
    // The account is in the body, per notification: see splitWebhook.
    webhookAccount: () => null,
    normalizeWebhook: () => {
      throw new ProviderError('VALIDATION', 'QuickBooks deliveries batch several companies; use splitWebhook');
    },
    splitWebhook: splitQboWebhook,

    listProducts: (ctx, cursor) => items.list(ctx, cursor),
    // An accounting company has no storefront orders; invoices and sales receipts arrive as accounting.* events.
    listOrders: async () => ({ items: [], nextCursor: null }),
    orderFromEvent: () => null,
  };
}
