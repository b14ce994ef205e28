// QuickBooks Online's facts as data. Behaviour lives in connector.ts; anything here is a
// number or a name another part of Synq may read without knowing Intuit.
import type { ProviderFacts } from '../types.ts';

export const QUICKBOOKS_FACTS: ProviderFacts = {
  id: 'quickbooks',
  displayName: 'QuickBooks Online',
  categories: ['accounting'],
  // The company (realmId) is chosen on Intuit's consent page and comes back on the callback.
  accountPrompt: null,
  defaultScopes: 'com.intuit.quickbooks.accounting',
  // Intuit's authorization code grant for web apps authenticates the exchange with the client secret.
  supportsPkce: false,
  // Access tokens live 3600 s; refresh tokens 100 days (x_refresh_token_expires_in), and the
  // refresh token in a refresh answer may differ from the one sent: always keep the newest.
  accessTokenTtlSeconds: 3600,
  refreshTokenRotates: true,
  // Accounting API: 500 requests per minute per realm (≈8/s) and 10 concurrent requests per
  // realm and app (developer.intuit.com "Rate limits and throttles"); above that 429 ThrottleExceeded.
  rateLimit: { kind: 'requests', perSecond: 8, burst: 10 },
  secretQueryParams: [],
  // Webhook entities are chosen in the Intuit developer portal for the whole app, not per company.
  webhookTopics: [],
  // One verifier token signs every delivery; the payload names each company (realmId).
  webhookSigning: 'app-secret',
};

/** The token endpoint path on SYNQ_QUICKBOOKS_OAUTH_URL. */
export const TOKEN_PATH = '/oauth2/v1/tokens/bearer';
/** The revocation endpoint path on SYNQ_QUICKBOOKS_REVOKE_URL. */
export const REVOKE_PATH = '/v2/oauth2/tokens/revoke';
/** The consent page path on SYNQ_QUICKBOOKS_APPCENTER_URL. */
export const AUTHORIZE_PATH = '/connect/oauth2';

/** Item.Name: at most 100 characters, no colon (QBO uses ':' for the sub-item path) and no tab or newline. */
export const ITEM_NAME_MAX = 100;
/** Item.Sku: at most 100 characters. */
export const ITEM_SKU_MAX = 100;
/** Item.Description: at most 4000 characters. */
export const ITEM_DESCRIPTION_MAX = 4000;

/** A realmId is a decimal company id (up to 20 digits in practice). */
export function normalizeRealmId(input: string): string | null {
  const t = input.trim();
  return /^\d{1,32}$/.test(t) ? t : null;
}
