// The Shopify connector: wires facts, OAuth, the GraphQL client, mapping and
// webhooks into the Connector interface. Quirks live in the files it imports.
import type { ShopifyAppConfig } from './config.ts';
import {
  ProviderError,
  type BulkItemOutcome,
  type ConnectionContext,
  type ConnectorWith,
  type OAuth2Authorization,
  type NormalizedOrder,
  type Page,
  type PushProduct,
  type PushResult,
  type RemoteProductSummary,
  type WebhookSubscription,
} from '../types.ts';
import { SHOPIFY_FACTS, SHOPIFY_MAX_SINGLE_QUERY_COST, normalizeShopDomain } from './facts.ts';
import { ShopifyGraphqlClient, throwOnUserErrors } from './graphqlClient.ts';
import {
  orderFromGraphql,
  orderFromWebhookPayload,
  productNeedsLocation,
  toProductSetInput,
  type GraphqlLineItemNode,
  type GraphqlOrderNode,
} from './mapping.ts';
import { buildAuthorizeUrl, exchangeCode, parseCallback, refreshCredentials } from './oauth.ts';
import * as Q from './queries.ts';
import { bulkUpsertShopify } from './bulkPush.ts';
import { normalizeShopifyWebhook, verifyShopifyWebhook, webhookShop } from './webhooks.ts';

export interface ShopifyConnectorOptions {
  fetch?: typeof fetch;
  /** Per HTTP call. 30 s: productSet with 250 variants runs synchronously and can take several seconds. */
  timeoutMs?: number;
  /** Longest in-process wait for the cost bucket before answering RATE_LIMITED instead. */
  maxThrottleWaitMs?: number;
}

interface UserError {
  field?: string[] | null;
  message: string;
}
interface PageInfo {
  hasNextPage: boolean;
  endCursor: string | null;
}

/** Shopify's wording when the thing we delete is already gone; deleting twice is success. */
const GONE = /does not exist|not found|couldn't find/i;

export type ShopifyConnector = ConnectorWith<OAuth2Authorization>;

export function createShopifyConnector(cfg: ShopifyAppConfig, opts: ShopifyConnectorOptions = {}): ShopifyConnector {
  const http = { fetch: opts.fetch ?? globalThis.fetch, timeoutMs: opts.timeoutMs ?? 30_000 };
  const gql = new ShopifyGraphqlClient({
    ...http,
    cfg,
    ...(opts.maxThrottleWaitMs !== undefined ? { maxWaitMs: opts.maxThrottleWaitMs } : {}),
  });
  // First location per shop, looked up once: inventory quantities must name a location.
  const locations = new Map<string, Promise<string | null>>();

  function firstLocation(ctx: ConnectionContext): Promise<string | null> {
    let p = locations.get(ctx.account);
    if (p === undefined) {
      p = gql
        .request<{ locations: { nodes: { id: string }[] } }>(ctx, { what: 'locations', query: Q.FIRST_LOCATION.query, estimatedCost: Q.FIRST_LOCATION.cost })
        .then((d) => d.locations.nodes[0]?.id ?? null);
      // A failed lookup must not be cached, or one timeout would disable stock updates until restart.
      p.catch(() => locations.delete(ctx.account));
      locations.set(ctx.account, p);
    }
    return p;
  }

  type SetPayload = { product: { id: string; variants: { nodes: { id: string; sku: string | null }[] } } | null; userErrors: UserError[] };

  /** A productSet answer (one alias of upsertMany's document, or upsertProduct's) as a result, or the error it means. */
  function setResult(payload: SetPayload | undefined, remoteId: string | null): PushResult {
    if (payload === undefined) throw new ProviderError('PROTOCOL', 'Shopify productSet: no answer for this product', { retryable: true });
    if (remoteId !== null && payload.userErrors.some((e) => GONE.test(e.message))) {
      // The product was deleted in Shopify: the caller should forget remoteId and create it again.
      throw new ProviderError('NOT_FOUND', 'Shopify productSet: the product no longer exists');
    }
    throwOnUserErrors('productSet', payload.userErrors);
    if (payload.product === null) throw new ProviderError('PROTOCOL', 'Shopify productSet returned no product');
    const variantIds: Record<string, string> = {};
    for (const v of payload.product.variants.nodes) if (v.sku) variantIds[v.sku] = v.id;
    return { remoteId: payload.product.id, variantIds };
  }

  async function upsertProduct(ctx: ConnectionContext, product: PushProduct, remoteId: string | null): Promise<PushResult> {
    const locationId = productNeedsLocation(product) ? await firstLocation(ctx) : null;
    const input = toProductSetInput(product, remoteId, locationId);
    const data = await gql.request<{ productSet: SetPayload }>(ctx, { what: 'productSet', query: Q.PRODUCT_SET.query, variables: { input }, estimatedCost: Q.PRODUCT_SET.cost });
    return setResult(data.productSet, remoteId);
  }

  /** Several products as aliased productSet mutations, as many per document as the 1,000-point limit allows. */
  async function upsertMany(ctx: ConnectionContext, products: PushProduct[], known: ReadonlyMap<string, string>): Promise<BulkItemOutcome[]> {
    const locationId = products.some(productNeedsLocation) ? await firstLocation(ctx) : null;
    const groups: PushProduct[][] = [];
    let cost = Infinity;
    for (const p of products) {
      const c = Q.productSetCost(p.variants.length);
      if (cost + c > SHOPIFY_MAX_SINGLE_QUERY_COST) {
        groups.push([]);
        cost = 0;
      }
      groups[groups.length - 1]!.push(p);
      cost += c;
    }
    const out: BulkItemOutcome[] = [];
    for (const group of groups) {
      const doc = Q.productSetMany(group.map((p) => p.variants.length));
      const variables = Object.fromEntries(group.map((p, i) => [`i${i}`, toProductSetInput(p, known.get(p.id) ?? null, locationId)]));
      const data = await gql.request<Record<string, SetPayload>>(ctx, { what: `productSet ×${group.length}`, query: doc.query, variables, estimatedCost: doc.cost });
      group.forEach((p, i) => {
        try {
          out.push({ productId: p.id, ok: true, result: setResult(data[`p${i}`], known.get(p.id) ?? null) });
        } catch (err) {
          if (!(err instanceof ProviderError)) throw err;
          out.push({ productId: p.id, ok: false, error: err });
        }
      });
    }
    return out;
  }

  async function deleteProduct(ctx: ConnectionContext, remoteId: string): Promise<void> {
    const data = await gql.request<{ productDelete: { deletedProductId: string | null; userErrors: UserError[] } }>(ctx, {
      what: 'productDelete',
      query: Q.PRODUCT_DELETE.query,
      variables: { input: { id: remoteId } },
      estimatedCost: Q.PRODUCT_DELETE.cost,
    });
    const errors = data.productDelete.userErrors.filter((e) => !GONE.test(e.message));
    throwOnUserErrors('productDelete', errors);
  }

  async function findRemoteProduct(ctx: ConnectionContext, skus: string[]): Promise<string | null> {
    // 50 terms keep the search string short (Shopify caps query strings); most products have fewer SKUs.
    for (let i = 0; i < skus.length; i += 50) {
      const terms = skus.slice(i, i + 50).map((s) => `sku:"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`);
      const data = await gql.request<{ products: { nodes: { id: string }[] } }>(ctx, {
        what: 'products by SKU',
        query: Q.FIND_PRODUCT_BY_SKU.query,
        variables: { query: terms.join(' OR ') },
        estimatedCost: Q.FIND_PRODUCT_BY_SKU.cost,
      });
      const hit = data.products.nodes[0];
      if (hit !== undefined) return hit.id;
    }
    return null;
  }

  async function subscribeOne(ctx: ConnectionContext, topic: string, callbackUrl: string): Promise<WebhookSubscription> {
    const data = await gql.request<{
      webhookSubscriptionCreate: { webhookSubscription: { id: string; topic: string } | null; userErrors: UserError[] };
    }>(ctx, {
      what: 'webhookSubscriptionCreate',
      query: Q.WEBHOOK_CREATE.query,
      variables: { topic, sub: { callbackUrl, format: 'JSON' } },
      estimatedCost: Q.WEBHOOK_CREATE.cost,
    });
    const payload = data.webhookSubscriptionCreate;
    if (payload.webhookSubscription !== null) return payload.webhookSubscription;
    if (payload.userErrors.some((e) => /already been taken/i.test(e.message))) {
      // A retried connect: the subscription exists from the first attempt, so adopt it.
      const found = await gql.request<{ webhookSubscriptions: { nodes: { id: string; topic: string }[] } }>(ctx, {
        what: 'webhookSubscriptions',
        query: Q.WEBHOOK_FIND.query,
        variables: { topic, url: callbackUrl },
        estimatedCost: Q.WEBHOOK_FIND.cost,
      });
      const existing = found.webhookSubscriptions.nodes[0];
      if (existing !== undefined) return existing;
    }
    throwOnUserErrors('webhookSubscriptionCreate', payload.userErrors);
    throw new ProviderError('PROTOCOL', 'Shopify webhookSubscriptionCreate returned no subscription');
  }

  async function fetchRemainingSkus(ctx: ConnectionContext, productId: string, after: string): Promise<string[]> {
    const skus: string[] = [];
    let cursor: string | null = after;
    while (cursor !== null) {
      const data: { product: { variants: { nodes: { sku: string | null }[]; pageInfo: PageInfo } } | null } = await gql.request(ctx, {
        what: 'product variants',
        query: Q.PRODUCT_VARIANTS.query,
        variables: { id: productId, after: cursor },
        estimatedCost: Q.PRODUCT_VARIANTS.cost,
      });
      if (data.product === null) break;
      for (const v of data.product.variants.nodes) if (v.sku) skus.push(v.sku);
      cursor = data.product.variants.pageInfo.hasNextPage ? data.product.variants.pageInfo.endCursor : null;
    }
    return skus;
  }

  async function fetchRemainingLineItems(ctx: ConnectionContext, orderId: string, after: string): Promise<GraphqlLineItemNode[]> {
    const items: GraphqlLineItemNode[] = [];
    let cursor: string | null = after;
    while (cursor !== null) {
      const data: { order: { lineItems: { nodes: GraphqlLineItemNode[]; pageInfo: PageInfo } } | null } = await gql.request(ctx, {
        what: 'order line items',
        query: Q.ORDER_LINE_ITEMS.query,
        variables: { id: orderId, after: cursor },
        estimatedCost: Q.ORDER_LINE_ITEMS.cost,
      });
      if (data.order === null) break;
      items.push(...data.order.lineItems.nodes);
      cursor = data.order.lineItems.pageInfo.hasNextPage ? data.order.lineItems.pageInfo.endCursor : null;
    }
    return items;
  }

  async function listProducts(ctx: ConnectionContext, cursor: string | null): Promise<Page<RemoteProductSummary>> {
    const data = await gql.request<{
      products: {
        nodes: { id: string; updatedAt: string; variants: { nodes: { sku: string | null }[]; pageInfo: PageInfo } }[];
        pageInfo: PageInfo;
      };
    }>(ctx, { what: 'products', query: Q.LIST_PRODUCTS.query, variables: { after: cursor }, estimatedCost: Q.LIST_PRODUCTS.cost });
    const items: RemoteProductSummary[] = [];
    for (const p of data.products.nodes) {
      const skus = p.variants.nodes.flatMap((v) => (v.sku ? [v.sku] : []));
      if (p.variants.pageInfo.hasNextPage && p.variants.pageInfo.endCursor !== null) {
        skus.push(...(await fetchRemainingSkus(ctx, p.id, p.variants.pageInfo.endCursor)));
      }
      items.push({ remoteId: p.id, skus, updatedAt: p.updatedAt });
    }
    const info = data.products.pageInfo;
    return { items, nextCursor: info.hasNextPage ? info.endCursor : null };
  }

  async function listOrders(ctx: ConnectionContext, updatedSince: string | null, cursor: string | null): Promise<Page<NormalizedOrder>> {
    if (updatedSince !== null && Number.isNaN(Date.parse(updatedSince))) {
      throw new ProviderError('VALIDATION', 'updatedSince must be an ISO-8601 timestamp');
    }
    // Normalized through Date so nothing but a timestamp can reach Shopify's search syntax.
    const query = updatedSince === null ? null : `updated_at:>'${new Date(updatedSince).toISOString()}'`;
    const data = await gql.request<{
      orders: { nodes: (GraphqlOrderNode & { lineItems: { nodes: GraphqlLineItemNode[]; pageInfo: PageInfo } })[]; pageInfo: PageInfo };
    }>(ctx, { what: 'orders', query: Q.LIST_ORDERS.query, variables: { after: cursor, query }, estimatedCost: Q.LIST_ORDERS.cost });
    const items: NormalizedOrder[] = [];
    for (const o of data.orders.nodes) {
      const lineItems = [...o.lineItems.nodes];
      if (o.lineItems.pageInfo.hasNextPage && o.lineItems.pageInfo.endCursor !== null) {
        lineItems.push(...(await fetchRemainingLineItems(ctx, o.id, o.lineItems.pageInfo.endCursor)));
      }
      items.push(orderFromGraphql(o, lineItems));
    }
    const info = data.orders.pageInfo;
    return { items, nextCursor: info.hasNextPage ? info.endCursor : null };
  }

  const authorization: OAuth2Authorization = {
    kind: 'oauth2',
    buildAuthorizeUrl: (req) => buildAuthorizeUrl(cfg, req),
    parseCallback: (query, now) => parseCallback(cfg, query, now),
    exchangeCode: (account, code) => exchangeCode(http, cfg, account, code),
  };

  return {
    facts: SHOPIFY_FACTS,
    isConfigured: () => cfg.clientId !== '' && cfg.clientSecret !== '',
    normalizeAccount: normalizeShopDomain,
    // The *.myshopify.com pattern and the operator's URL template already pin where requests go.
    verifyAccount: async () => {},
    authorization,
    refresh: (account, current) => refreshCredentials(http, cfg, account, current),

    async subscribeWebhooks(ctx, callbackUrl) {
      const subs: WebhookSubscription[] = [];
      // One at a time: 6 mutations x 12 points is nothing for the bucket, and a failure part-way
      // leaves a short, retry-safe list (a retry adopts the ones already made).
      for (const topic of SHOPIFY_FACTS.webhookTopics) subs.push(await subscribeOne(ctx, topic, callbackUrl));
      return subs;
    },
    async unsubscribeWebhooks(ctx, subscriptions) {
      for (const sub of subscriptions) {
        const data = await gql.request<{ webhookSubscriptionDelete: { userErrors: UserError[] } }>(ctx, {
          what: 'webhookSubscriptionDelete',
          query: Q.WEBHOOK_DELETE.query,
          variables: { id: sub.id },
          estimatedCost: Q.WEBHOOK_DELETE.cost,
        });
        throwOnUserErrors('webhookSubscriptionDelete', data.webhookSubscriptionDelete.userErrors.filter((e) => !GONE.test(e.message)));
      }
    },

    upsertProduct,
    deleteProduct,
    findRemoteProduct,
    upsertMany,
    bulkUpsert: (ctx, products, known) => bulkUpsertShopify({ gql, http, firstLocation, upsertProduct, findRemoteProduct }, ctx, products, known),

    verifyWebhook: (rawBody, headers) => verifyShopifyWebhook(cfg.clientSecret, rawBody, headers),
    isWebhookPing: () => false,
    webhookAccount: webhookShop,
    normalizeWebhook: normalizeShopifyWebhook,

    listProducts,
    listOrders,
    orderFromEvent: orderFromWebhookPayload,
  };
}
