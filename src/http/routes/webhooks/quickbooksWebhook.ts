import { appWebhookRoute } from './appWebhookRoute.ts';

/**
 * QuickBooks Online webhooks (intuit-signature over the raw body with the app's verifier
 * token). One delivery batches entity changes of several companies; each change is stored
 * once per ACTIVE connection on its realmId. A company without one gets 200 "ignored":
 * Intuit retries non-2xx deliveries (20, 30 and 50 minutes apart, then drops them) and a
 * retry cannot make a connection appear.
 */
export const quickbooksWebhook = appWebhookRoute(
  'quickbooks',
  'Receive a QuickBooks Online webhook (intuit-signature: base64 HMAC-SHA256 of the raw body with the verifier token)',
);
