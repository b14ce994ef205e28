// Shopify's facts as data. Behaviour lives in connector.ts; anything here is a
// number or a name another part of Synq may read without knowing Shopify.
import type { ProviderFacts } from '../types.ts';

/**
 * How many productSet lines a bulk mutation works through per second. Shopify publishes no
 * figure (its bulk import guide only says operations are asynchronous and one bulk mutation runs
 * per shop at a time in 2025-01); this is the rate the fake models, so a bulk push has a floor.
 */
export const SHOPIFY_BULK_LINES_PER_SECOND = 200;

export const SHOPIFY_FACTS: ProviderFacts = {
  id: 'shopify',
  displayName: 'Shopify',
  categories: ['commerce'],
  accountPrompt: { field: 'shop', label: 'Shop domain', placeholder: 'your-store.myshopify.com' },
  defaultScopes: 'read_products,write_products,read_orders,read_inventory',
  // Shopify's authorization code grant has no PKCE; the client secret authenticates the exchange.
  supportsPkce: false,
  // Expiring offline tokens live 3600 s (shopify.dev changelog "Offline access tokens now
  // support expiry and refresh", Dec 2025). We still trust the expires_in of each response.
  accessTokenTtlSeconds: 3600,
  // Every refresh returns a new refresh token and invalidates the one used.
  refreshTokenRotates: true,
  // GraphQL Admin API, Standard plan: 100 points/s restore rate (shopify.dev/docs/api/usage/limits,
  // "GraphQL Admin API rate limits" table), bucket of 2000 points. The live throttleStatus in every
  // response overrides these numbers per shop; they only seed the estimate before the first call.
  rateLimit: { kind: 'cost-bucket', maximumAvailable: 2000, restorePerSecond: 100 },
  secretQueryParams: [],
  webhookTopics: [
    'ORDERS_CREATE',
    'ORDERS_UPDATED',
    'PRODUCTS_UPDATE',
    'PRODUCTS_DELETE',
    'INVENTORY_LEVELS_UPDATE',
    'APP_UNINSTALLED',
  ],
  // Every delivery is signed with the app's client secret and names its shop.
  webhookSigning: 'app-secret',
  // Bulk mutation via a staged JSONL upload: one operation per shop at a time; 10,000 productSet
  // lines (~5 MB, far below the 100 MB file limit) per operation keep each lease short. The
  // handful of GraphQL calls around an operation cost ~30 points, nothing next to the bucket.
  bulkPush: {
    path: 'bulkOperationRunMutation',
    maxItemsPerCall: 10_000,
    maxItemsPerOperation: 10_000,
    // The second operation is staged while the first runs and starts as soon as the shop is free.
    operationsInFlight: 2,
    floor: { kind: 'items-per-second', perSecond: SHOPIFY_BULK_LINES_PER_SECOND },
  },
};

/** Shopify rejects a single query whose requested cost exceeds this, whatever the bucket holds. */
export const SHOPIFY_MAX_SINGLE_QUERY_COST = 1000;

const SHOP_DOMAIN = /^[a-zA-Z0-9][a-zA-Z0-9-]*\.myshopify\.com$/;

/** Lower-cased shop domain, or null. Checked before any URL is built so a tenant cannot point us elsewhere. */
export function normalizeShopDomain(input: string): string | null {
  // Domains are case-insensitive; lower-casing first also makes "X.MyShopify.com" match the pattern.
  const lowered = input.trim().toLowerCase();
  return SHOP_DOMAIN.test(lowered) ? lowered : null;
}
