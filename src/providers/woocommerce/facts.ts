// WooCommerce's facts as data, and the store URL rules. Behaviour lives in connector.ts.
import { checkUrlShape, SsrfError, type SsrfPolicy } from '../../lib/ssrfGuard.ts';
import type { ProviderFacts } from '../types.ts';

export const WOOCOMMERCE_FACTS: ProviderFacts = {
  id: 'woocommerce',
  displayName: 'WooCommerce',
  categories: ['commerce'],
  accountPrompt: { field: 'shop', label: 'Store URL', placeholder: 'https://your-store.example.com' },
  // The app key flow's only scopes are read, write and read_write; pushes need write.
  defaultScopes: 'read_write',
  supportsPkce: false,
  // REST API keys do not expire; they live until the merchant revokes them.
  accessTokenTtlSeconds: null,
  refreshTokenRotates: false,
  // WooCommerce core does not rate-limit REST v3 (only the Store API has an opt-in limiter);
  // hosts and security plugins may answer 429 with Retry-After, which the client honours.
  rateLimit: { kind: 'unpublished' },
  // The key flow's parameters, should a store ever send them on a redirect.
  secretQueryParams: ['consumer_key', 'consumer_secret'],
  webhookTopics: ['order.created', 'order.updated', 'product.updated', 'product.deleted'],
  // Each webhook is signed with the secret given when it is created: Synq picks one per connection.
  webhookSigning: 'connection-secret',
  // products/batch: 100 objects per call (413 above). WooCommerce publishes no rate limit, so the
  // floor is the store's own time per batch call (the bench measures it at the fake).
  bulkPush: { path: 'products/batch', maxItemsPerCall: 100, maxItemsPerOperation: 1000, operationsInFlight: 2, floor: null },
};

/** REST v3 lives under the store's WordPress REST root. */
export const REST_PREFIX = '/wp-json/wc/v3';
/** WooCommerce refuses a batch of more than 100 objects (create + update + delete) with 413. */
export const BATCH_LIMIT = 100;
/** per_page maximum of WordPress REST collections. */
export const PAGE_SIZE = 100;

/**
 * The store URL as Synq keeps it: scheme, host, port and the WordPress path (a store may
 * live in a sub-directory), without a trailing slash, query or fragment; null when the
 * URL is not one Synq will call (see lib/ssrfGuard.ts). "shop.example.com" means https.
 */
export function normalizeStoreUrl(input: string, policy: SsrfPolicy): string | null {
  const trimmed = input.trim();
  if (trimmed === '' || trimmed.length > 2000) return null;
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`;
  let u: URL;
  try {
    u = checkUrlShape(withScheme, policy);
  } catch (err) {
    if (err instanceof SsrfError) return null;
    throw err;
  }
  if (u.search !== '' || u.hash !== '') return null;
  const path = u.pathname.replace(/\/+$/, '');
  if (/\/(wp-json|wp-admin|wc-auth)(\/|$)/i.test(path)) return null;
  return `${u.origin}${path}`;
}
