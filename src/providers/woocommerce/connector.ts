// The WooCommerce connector: wires facts, the app key flow, the REST client, product
// push, webhooks and sync into the Connector interface. Quirks live in the files it imports.
import type { WooCommerceAppConfig } from './config.ts';
import { createGuardedFetch } from '../../lib/guardedFetch.ts';
import { checkUrl, SsrfError, type Resolver, type SsrfPolicy } from '../../lib/ssrfGuard.ts';
import {
  ProviderError,
  type ConnectionContext,
  type ConnectorWith,
  type CredentialPostAuthorization,
  type NormalizedOrder,
  type Page,
  type RemoteProductSummary,
  type WebhookSubscription,
} from '../types.ts';
import { normalizeStoreUrl, PAGE_SIZE, WOOCOMMERCE_FACTS } from './facts.ts';
import { WooRestClient } from './http.ts';
import { createKeyAuthorization } from './keyAuth.ts';
import { orderFromWoo } from './mapping.ts';
import { deleteProduct, findRemoteProduct, upsertProduct } from './products.ts';
import { bulkUpsertProducts } from './bulkPush.ts';
import { isWooPing, normalizeWooWebhook, verifyWooWebhook } from './webhooks.ts';
import { header } from '../../lib/headers.ts';

export interface WooConnectorOptions {
  /** Resolves store host names (tests); the system resolver otherwise. Every answer is checked before connecting. */
  resolve?: Resolver;
  /** Per HTTP call, redirects included. 30 s: shared WordPress hosting is often slow. */
  timeoutMs?: number;
}

export type WooCommerceConnector = ConnectorWith<CredentialPostAuthorization>;

interface WooListed {
  id: number;
  sku?: string;
  type?: string;
  date_modified_gmt?: string;
}

const cursorPage = (cursor: string | null): number => {
  if (cursor === null) return 1;
  const n = Number(cursor);
  if (!Number.isInteger(n) || n < 1) throw new ProviderError('VALIDATION', 'Invalid WooCommerce page cursor');
  return n;
};

export function createWooCommerceConnector(cfg: WooCommerceAppConfig, opts: WooConnectorOptions = {}): WooCommerceConnector {
  const policy: SsrfPolicy = { allowHttpLoopback: cfg.allowHttpLoopback };
  const client = wooRestClient(cfg, opts);

  async function subscribeOne(ctx: ConnectionContext, existing: { id: number; topic: string; delivery_url: string; status: string }[], topic: string, url: string, secret: string): Promise<WebhookSubscription> {
    // A retried connect adopts the webhook the first attempt made (same topic and URL).
    const found = existing.find((w) => w.topic === topic && w.delivery_url === url && w.status === 'active');
    if (found) return { id: String(found.id), topic };
    const { data } = await client.request<{ id: number }>(ctx, {
      what: 'webhook create',
      method: 'POST',
      path: '/webhooks',
      body: { name: `Synq ${topic}`, status: 'active', topic, secret, delivery_url: url },
    });
    if (typeof data?.id !== 'number') throw new ProviderError('PROTOCOL', 'WooCommerce webhook answer has no id');
    return { id: String(data.id), topic };
  }

  async function listProducts(ctx: ConnectionContext, cursor: string | null): Promise<Page<RemoteProductSummary>> {
    const page = cursorPage(cursor);
    const { data, totalPages } = await client.request<WooListed[]>(ctx, { what: 'products', method: 'GET', path: '/products', query: { per_page: PAGE_SIZE, page } });
    const items: RemoteProductSummary[] = [];
    for (const p of data) {
      const skus = p.sku ? [p.sku] : [];
      if (p.type === 'variable') {
        for (let vp = 1; ; vp++) {
          const vs = await client.request<WooListed[]>(ctx, { what: 'variations', method: 'GET', path: `/products/${p.id}/variations`, query: { per_page: PAGE_SIZE, page: vp } });
          for (const v of vs.data) if (v.sku) skus.push(v.sku);
          if (vp >= vs.totalPages) break;
        }
      }
      items.push({ remoteId: String(p.id), skus, updatedAt: p.date_modified_gmt ? `${p.date_modified_gmt}Z` : new Date(0).toISOString() });
    }
    return { items, nextCursor: page < totalPages ? String(page + 1) : null };
  }

  async function listOrders(ctx: ConnectionContext, updatedSince: string | null, cursor: string | null): Promise<Page<NormalizedOrder>> {
    if (updatedSince !== null && Number.isNaN(Date.parse(updatedSince))) throw new ProviderError('VALIDATION', 'updatedSince must be an ISO-8601 timestamp');
    const page = cursorPage(cursor);
    const { data, totalPages } = await client.request<unknown[]>(ctx, {
      what: 'orders',
      method: 'GET',
      path: '/orders',
      query: {
        per_page: PAGE_SIZE,
        page,
        orderby: 'id',
        order: 'asc',
        // modified_after (WooCommerce 5.8+) with dates_are_gmt: a UTC instant, not the site's local time.
        ...(updatedSince !== null ? { modified_after: new Date(updatedSince).toISOString().replace(/\.\d{3}Z$/, ''), dates_are_gmt: true } : {}),
      },
    });
    const items = (Array.isArray(data) ? data : []).map(orderFromWoo).filter((o): o is NormalizedOrder => o !== null);
    return { items, nextCursor: page < totalPages ? String(page + 1) : null };
  }

  return {
    facts: WOOCOMMERCE_FACTS,
    // The key flow needs no app credentials, only the name the merchant sees when approving.
    isConfigured: () => cfg.appName !== '',
    normalizeAccount: (input) => normalizeStoreUrl(input, policy),
    async verifyAccount(account) {
      try {
        await checkUrl(account, policy, opts.resolve);
      } catch (err) {
        if (err instanceof SsrfError) throw new ProviderError('VALIDATION', `the store URL ${err.message}`);
        throw err;
      }
    },
    authorization: createKeyAuthorization(cfg.appName),
    refresh: async () => {
      // REST keys cannot be refreshed: rejected keys were revoked in the store.
      throw new ProviderError('INVALID_GRANT', 'WooCommerce API keys were rejected; connect the store again');
    },

    async subscribeWebhooks(ctx, callbackUrl) {
      const creds = await ctx.credentials();
      if (!creds.webhookSecret) throw new ProviderError('PROTOCOL', 'No webhook secret stored for this connection');
      const { data: existing } = await client.request<{ id: number; topic: string; delivery_url: string; status: string }[]>(ctx, {
        what: 'webhooks',
        method: 'GET',
        path: '/webhooks',
        query: { per_page: PAGE_SIZE, status: 'all' },
      });
      const subs: WebhookSubscription[] = [];
      for (const topic of WOOCOMMERCE_FACTS.webhookTopics) subs.push(await subscribeOne(ctx, existing, topic, callbackUrl, creds.webhookSecret));
      return subs;
    },
    async unsubscribeWebhooks(ctx, subscriptions) {
      for (const sub of subscriptions) {
        if (!/^\d+$/.test(sub.id)) continue;
        try {
          // Webhooks cannot be trashed: force=true is required.
          await client.request(ctx, { what: 'webhook delete', method: 'DELETE', path: `/webhooks/${sub.id}`, query: { force: true } });
        } catch (err) {
          if (!(err instanceof ProviderError && err.code === 'NOT_FOUND')) throw err;
        }
      }
    },

    upsertProduct: (ctx, product, remoteId) => upsertProduct(client, ctx, product, remoteId),
    deleteProduct: (ctx, remoteId) => deleteProduct(client, ctx, remoteId),
    findRemoteProduct: (ctx, skus) => findRemoteProduct(client, ctx, skus),
    bulkUpsert: (ctx, products, known) => bulkUpsertProducts(client, ctx, products, known),
    // The same batch call serves a push task's chunk: one request instead of one per product.
    upsertMany: (ctx, products, known) => bulkUpsertProducts(client, ctx, products, known),

    verifyWebhook: verifyWooWebhook,
    isWebhookPing: isWooPing,
    webhookAccount: (headers) => {
      const source = header(headers, 'x-wc-webhook-source');
      return source === undefined ? null : normalizeStoreUrl(source, policy);
    },
    normalizeWebhook: normalizeWooWebhook,

    listProducts,
    listOrders,
    orderFromEvent: orderFromWoo,
  };
}

/** The REST client of a connector's configuration, for batch jobs (see products.ts batchProducts). */
export function wooRestClient(cfg: WooCommerceAppConfig, opts: WooConnectorOptions = {}): WooRestClient {
  const policy: SsrfPolicy = { allowHttpLoopback: cfg.allowHttpLoopback };
  const fetch = createGuardedFetch({ policy, ...(opts.resolve ? { resolve: opts.resolve } : {}) });
  return new WooRestClient({ fetch, timeoutMs: opts.timeoutMs ?? 30_000 });
}
