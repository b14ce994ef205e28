// Amazon SP-API as a registry row: facts, configuration, connector, webhook ingress, sandbox.
import { defineProvider } from '../descriptor.ts';
import { amazonConfig } from './config.ts';
import { createAmazonConnector } from './connector.ts';
import { AMAZON_FACTS, NOTIFICATION_SECRET_HEADER } from './facts.ts';

export const amazonProvider = defineProvider({
  facts: AMAZON_FACTS,
  config: amazonConfig,
  createConnector: (settings) => createAmazonConnector(settings),
  // Amazon has no webhooks: an EventBridge API destination forwards SP-API notifications to
  // the connection's URL with the connection's secret header (GET …/connections/:id/inbound).
  webhook: {
    summary: `Receive an SP-API notification forwarded by an EventBridge API destination (${NOTIFICATION_SECRET_HEADER}: the connection's secret)`,
    reply: 'event-ids',
    tenantForwarding: {
      header: NOTIFICATION_SECRET_HEADER,
      setup:
        'In AWS EventBridge (the region of your SP-API notifications destination): create a connection with API key authorization ' +
        '(API key name = header, value = the secret), an API destination that POSTs to url through it, and a rule on the ' +
        'aws.partner/sellingpartnerapi.amazon partner event bus that sends ORDER_CHANGE, LISTINGS_ITEM_STATUS_CHANGE and ' +
        'LISTINGS_ITEM_ISSUES_CHANGE events to the API destination.',
    },
  },
  sandbox: {
    defaultPort: 8084,
    options: {
      contract: { type: 'string', help: 'listingsItems_2021-08-01.json' },
      'token-ttl': { type: 'string', default: '3600', help: 'seconds' },
    },
    async start({ port, synqUrl, autoApprove, values }) {
      const { startAmazonFake, amazonFakeEnv } = await import('./fake/index.ts');
      // Plain http on loopback only: the fake is for this machine.
      const fake = await startAmazonFake({
        port,
        host: '127.0.0.1',
        ...(typeof values.contract === 'string' ? { contractPath: values.contract } : {}),
        autoApprove,
        accessTokenTtlSeconds: Number(typeof values['token-ttl'] === 'string' ? values['token-ttl'] : '3600'),
      });
      return {
        url: fake.url,
        schemaValidated: fake.schemaValidated,
        env: amazonFakeEnv(fake),
        notes: [
          'Notifications: POST an EventBridge event ({"detail-type": "ORDER_CHANGE", "detail": <notification>}) to the URL and header',
          `  that GET ${synqUrl}/api/v1/integrations/connections/<connection_id>/inbound shows for the connection.`,
          `Inspect state: curl ${fake.url}/_control/sellers ; curl ${fake.url}/_control/stats`,
          `Place an order (then send its ORDER_CHANGE, or wait for reconciliation): curl -X POST ${fake.url}/_control/sellers/<seller_id>/orders \\`,
          `  -H 'Content-Type: application/json' -d '{"items":[{"sku":"TEE-S","quantity":2,"unitPrice":"19.99"}]}'`,
        ],
        close: () => fake.close(),
      };
    },
  },
});
