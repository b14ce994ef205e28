import { appWebhookRoute } from './appWebhookRoute.ts';

/**
 * A shop without an ACTIVE connection (uninstalled, disconnected, mid-connect) gets
 * 200 "ignored", not 4xx: the signature proves Shopify sent it, and retrying cannot
 * make a connection appear. Shopify retries a non-2xx delivery 8 times over 4 hours
 * (shopify.dev changelog "Updates to webhook retry mechanism", 2024-09; it was 19 times
 * over 48 hours before) and deletes an Admin-API subscription after repeated failures,
 * which would also silence the shop once it reconnects.
 */
export const shopifyWebhook = appWebhookRoute('shopify', 'Receive a Shopify webhook (X-Shopify-Hmac-Sha256 over the raw body with the app secret)');
