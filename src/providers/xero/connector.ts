// The Xero connector: wires facts, OAuth 2 with PKCE, the Accounting API client, Items
// push and webhooks into the Connector interface. Quirks live in the files it imports.
import type { XeroAppConfig } from './config.ts';
import type { ConnectorWith, OAuth2Authorization } from '../types.ts';
import { normalizeTenantId, XERO_FACTS } from './facts.ts';
import { XeroApiClient } from './http.ts';
import { deleteItems, findItems, listItems, upsertItems } from './items.ts';
import { buildAuthorizeUrl, exchangeCode, parseCallback, refreshCredentials, resolveTenant, revokeGrant } from './oauth.ts';
import { splitXeroWebhook, verifyXeroWebhook } from './webhooks.ts';

export interface XeroConnectorOptions {
  fetch?: typeof fetch;
  /** Per HTTP call. 30 s: Xero answers a 100-item POST /Items in a few seconds. */
  timeoutMs?: number;
}

export type XeroConnector = ConnectorWith<OAuth2Authorization>;

export function createXeroConnector(cfg: XeroAppConfig, opts: XeroConnectorOptions = {}): XeroConnector {
  const http = { fetch: opts.fetch ?? globalThis.fetch, timeoutMs: opts.timeoutMs ?? 30_000 };
  const client = new XeroApiClient(http, cfg);

  const authorization: OAuth2Authorization = {
    kind: 'oauth2',
    buildAuthorizeUrl: (req) => buildAuthorizeUrl(cfg, req),
    parseCallback: (query) => parseCallback(query),
    exchangeCode: (_account, code, redirectUri, verifier) => exchangeCode(http, cfg, code, redirectUri, verifier),
    resolveAccount: (creds) => resolveTenant(http, cfg, creds),
  };

  return {
    facts: XERO_FACTS,
    isConfigured: () => cfg.clientId !== '' && cfg.clientSecret !== '',
    normalizeAccount: normalizeTenantId,
    // The organisation comes from Xero's own /connections answer; requests only go to the configured origins.
    verifyAccount: async () => {},
    authorization,
    refresh: (_account, current) => refreshCredentials(http, cfg, current),
    revokeGrant: (_account, creds) => revokeGrant(http, cfg, creds),

    // Xero webhooks are configured once per app in the developer portal (one URL, one key),
    // not per connection through the API: nothing to subscribe or remove here.
    subscribeWebhooks: async () => [],
    unsubscribeWebhooks: async () => {},

    upsertProduct: (ctx, product, remoteId) => upsertItems(client, ctx, product, remoteId),
    deleteProduct: (ctx, remoteId) => deleteItems(client, ctx, remoteId),
    findRemoteProduct: (ctx, skus) => findItems(client, ctx, skus),

    verifyWebhook: (rawBody, headers) => verifyXeroWebhook(cfg.webhookKey, rawBody, headers),
    isWebhookPing: () => false,
    // Each event names its organisation: see splitWebhook.
    webhookAccount: () => null,
    normalizeWebhook: (rawBody) => {
      const [first] = splitXeroWebhook(rawBody);
      if (first === undefined) return { event: 'accounting.intent_to_receive', providerEventId: null, data: {} };
      return first.inbound;
    },
    splitWebhook: splitXeroWebhook,

    listProducts: async (ctx, cursor) => (cursor === null ? { items: await listItems(client, ctx), nextCursor: null } : { items: [], nextCursor: null }),
    // Xero has no orders; sales invoices arrive as accounting.invoice.* events.
    listOrders: async () => ({ items: [], nextCursor: null }),
    orderFromEvent: () => null,
  };
}
