// WooCommerce as a registry row: facts, configuration, connector, webhook ingress, sandbox.
import { defineProvider } from '../descriptor.ts';
import { wooCommerceConfig } from './config.ts';
import { createWooCommerceConnector } from './connector.ts';
import { WOOCOMMERCE_FACTS } from './facts.ts';

export const wooCommerceProvider = defineProvider({
  facts: WOOCOMMERCE_FACTS,
  config: wooCommerceConfig,
  createConnector: (settings) => createWooCommerceConnector(settings),
  // Per-connection URL (the secret is the connection's own). The unsigned creation ping is
  // answered 200 by isWebhookPing; a non-ACTIVE connection is answered "ignored" because the
  // store disables a webhook after more than 5 consecutive failed deliveries.
  webhook: {
    summary: "Receive a WooCommerce webhook signed with the connection's own secret (X-WC-Webhook-Signature)",
    reply: 'event-ids',
  },
  sandbox: {
    defaultPort: 8082,
    options: { index: { type: 'string', help: 'wc-v3-index.json' } },
    async start({ port, autoApprove, values }) {
      const { startWooCommerceFake } = await import('./fake/index.ts');
      // Plain http on loopback only: the fake is for this machine.
      const fake = await startWooCommerceFake({
        port,
        host: '127.0.0.1',
        ...(typeof values.index === 'string' ? { indexPath: values.index } : {}),
        autoApprove,
        allowHttpCallback: true,
      });
      return {
        url: fake.url,
        schemaValidated: fake.schemaValidated,
        env: { WOOCOMMERCE_APP_NAME: 'Synq', SYNQ_WOOCOMMERCE_ALLOW_HTTP_LOOPBACK: 'true' },
        notes: [`Connect the store URL ${fake.storeUrl('demo')} (any /stores/<name> works).`, `Inspect state: curl ${fake.url}/_control/stores/demo`],
        close: () => fake.close(),
      };
    },
  },
});
