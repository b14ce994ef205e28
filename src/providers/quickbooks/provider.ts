// QuickBooks Online as a registry row: facts, configuration, connector, webhook ingress, sandbox.
import { defineProvider } from '../descriptor.ts';
import { quickBooksConfig } from './config.ts';
import { createQuickBooksConnector } from './connector.ts';
import { QUICKBOOKS_FACTS } from './facts.ts';

const str = (v: string | boolean | undefined, fallback: string) => (typeof v === 'string' ? v : fallback);

export const quickBooksProvider = defineProvider({
  facts: QUICKBOOKS_FACTS,
  config: quickBooksConfig,
  createConnector: (settings) => createQuickBooksConnector(settings),
  // One delivery batches entity changes of several companies; each change is stored once per
  // ACTIVE connection on its realmId. A company without one gets 200 "ignored": Intuit retries
  // non-2xx deliveries (20, 30 and 50 minutes apart, then drops them) and a retry cannot make
  // a connection appear.
  webhook: {
    summary: 'Receive a QuickBooks Online webhook (intuit-signature: base64 HMAC-SHA256 of the raw body with the verifier token)',
    reply: 'event-ids',
  },
  sandbox: {
    defaultPort: 8085,
    options: {
      contracts: { type: 'string', help: 'dir with Finance.xsd' },
      'client-id': { type: 'string', default: 'sandbox-qbo-client-id', help: 'ID' },
      'client-secret': { type: 'string', default: 'sandbox-qbo-client-secret-change-me', help: 'SECRET' },
      'verifier-token': { type: 'string', default: 'sandbox-qbo-verifier-token-change-me', help: 'TOKEN' },
    },
    async start({ port, synqUrl, autoApprove, values }) {
      const { startQuickBooksFake } = await import('./fake/index.ts');
      const clientId = str(values['client-id'], 'sandbox-qbo-client-id');
      const clientSecret = str(values['client-secret'], 'sandbox-qbo-client-secret-change-me');
      const verifierToken = str(values['verifier-token'], 'sandbox-qbo-verifier-token-change-me');
      const fake = await startQuickBooksFake({
        port,
        host: '127.0.0.1',
        clientId,
        clientSecret,
        verifierToken,
        ...(typeof values.contracts === 'string' ? { contractDir: values.contracts } : {}),
        autoApprove,
        webhookUrl: `${synqUrl}/unified/webhook/quickbooks`,
      });
      return {
        url: fake.url,
        schemaValidated: fake.schemaValidated,
        env: {
          QUICKBOOKS_CLIENT_ID: clientId,
          QUICKBOOKS_CLIENT_SECRET: clientSecret,
          QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN: verifierToken,
          SYNQ_QUICKBOOKS_APPCENTER_URL: fake.url,
          SYNQ_QUICKBOOKS_OAUTH_URL: fake.url,
          SYNQ_QUICKBOOKS_REVOKE_URL: fake.url,
          SYNQ_QUICKBOOKS_API_URL: fake.url,
        },
        notes: [
          `Send a signed webhook: curl -X POST ${fake.url}/_control/companies/<realmId>/notify -d '{"entities":[{"name":"Invoice","id":"1","operation":"Create"}]}'`,
          `Inspect state: curl ${fake.url}/_control/companies`,
        ],
        close: () => fake.close(),
      };
    },
  },
});
