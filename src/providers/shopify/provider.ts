// Shopify as a registry row: facts, configuration, connector, webhook ingress, sandbox.
import { defineProvider } from '../descriptor.ts';
import { shopifyConfig } from './config.ts';
import { createShopifyConnector } from './connector.ts';
import { SHOPIFY_FACTS } from './facts.ts';

const str = (v: string | boolean | undefined, fallback: string) => (typeof v === 'string' ? v : fallback);

export const shopifyProvider = defineProvider({
  facts: SHOPIFY_FACTS,
  config: shopifyConfig,
  createConnector: (settings) => createShopifyConnector(settings),
  // A shop without an ACTIVE connection (uninstalled, disconnected, mid-connect) gets 200
  // "ignored", not 4xx: the signature proves Shopify sent it, and retrying cannot make a
  // connection appear. Shopify retries a non-2xx delivery 8 times over 4 hours (shopify.dev
  // changelog "Updates to webhook retry mechanism", 2024-09; it was 19 times over 48 hours
  // before) and deletes an Admin-API subscription after repeated failures, which would also
  // silence the shop once it reconnects.
  webhook: {
    summary: 'Receive a Shopify webhook (X-Shopify-Hmac-Sha256 over the raw body with the app secret)',
    reply: 'event-ids',
  },
  sandbox: {
    defaultPort: 8081,
    options: {
      host: { type: 'string', default: '127.0.0.1', help: 'address' },
      schema: { type: 'string', help: 'admin_schema.json.gz' },
      'client-id': { type: 'string', default: 'sandbox-client-id', help: 'ID' },
      'client-secret': { type: 'string', default: 'sandbox-client-secret-change-me', help: 'SECRET' },
    },
    async start({ port, autoApprove, values }) {
      const { startShopifyFake } = await import('./fake/index.ts');
      const { DEFAULT_SCHEMA_PATH, schemaFileExists } = await import('./fake/schema.ts');
      const clientId = str(values['client-id'], 'sandbox-client-id');
      const clientSecret = str(values['client-secret'], 'sandbox-client-secret-change-me');
      const schemaPath = typeof values.schema === 'string' ? values.schema : schemaFileExists(DEFAULT_SCHEMA_PATH) ? DEFAULT_SCHEMA_PATH : null;
      const fake = await startShopifyFake({ port, host: str(values.host, '127.0.0.1'), clientId, clientSecret, schemaPath, autoApprove });
      return {
        url: fake.url,
        schemaValidated: fake.schemaValidated,
        env: { SHOPIFY_CLIENT_ID: clientId, SHOPIFY_CLIENT_SECRET: clientSecret, SYNQ_SHOPIFY_SHOP_URL_TEMPLATE: fake.shopUrlTemplate },
        notes: [
          ...(schemaPath === null ? ['No Shopify schema found (../shared/contracts/shopify): pass --schema <admin_schema.json.gz> for request validation.'] : []),
          `Inspect state: curl ${fake.url}/_control/shops`,
        ],
        close: () => fake.close(),
      };
    },
  },
});
