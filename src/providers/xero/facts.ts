// Xero's facts as data. Behaviour lives in connector.ts; anything here is a number or
// a name another part of Synq may read without knowing Xero.
import type { ProviderFacts } from '../types.ts';

export const XERO_FACTS: ProviderFacts = {
  id: 'xero',
  displayName: 'Xero',
  categories: ['accounting'],
  // The organisation is picked on Xero's consent page; GET /connections names it afterwards.
  accountPrompt: null,
  // offline_access is what returns a refresh token; accounting.settings covers Items,
  // accounting.transactions the invoices the webhooks announce.
  defaultScopes: 'openid profile email offline_access accounting.settings accounting.transactions',
  supportsPkce: true,
  // developer.xero.com/documentation/guides/oauth2/auth-flow: access tokens live 30 minutes.
  accessTokenTtlSeconds: 1800,
  // Refresh tokens are single use: every refresh returns a new one and the used one dies.
  refreshTokenRotates: true,
  // developer.xero.com/documentation/guides/oauth2/limits: 60 calls/minute and 5 concurrent
  // per organisation (5000/day). 1/s sustained with a burst of 5 stays inside both.
  rateLimit: { kind: 'requests', perSecond: 1, burst: 5 },
  secretQueryParams: [],
  // Subscribed in the developer portal for the whole app, not per connection through the API.
  webhookTopics: ['INVOICE', 'CONTACT'],
  // One webhook key signs every delivery; each event names its organisation (tenantId).
  webhookSigning: 'app-secret',
};

/** Path prefix of the Accounting API under the API origin. */
export const ACCOUNTING_PREFIX = '/api.xro/2.0';
/** Item.Code maxLength in xero_accounting.yaml. */
export const ITEM_CODE_MAX = 30;
/** Item.Name maxLength. */
export const ITEM_NAME_MAX = 50;
/** Item.Description maxLength. */
export const ITEM_DESCRIPTION_MAX = 4000;
/** Xero refuses an Idempotency-Key longer than this. */
export const IDEMPOTENCY_KEY_MAX = 128;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A Xero tenant (organisation) id is a UUID; lower-cased so one organisation is one account. */
export function normalizeTenantId(input: string): string | null {
  const v = input.trim().toLowerCase();
  return UUID.test(v) ? v : null;
}
