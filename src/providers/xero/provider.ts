// Xero as a registry row: facts, configuration, connector, webhook ingress, sandbox.
import { defineProvider } from '../descriptor.ts';
import { xeroConfig } from './config.ts';
import { createXeroConnector } from './connector.ts';
import { XERO_FACTS } from './facts.ts';

export const xeroProvider = defineProvider({
  facts: XERO_FACTS,
  config: xeroConfig,
  createConnector: (settings) => createXeroConnector(settings),
  // One URL per app. Xero wants a 200 with no body and no cookies within 5 s
  // (developer.xero.com/documentation/webhooks/configuring-your-server), so the outcome is
  // logged, not returned. The Intent to Receive check (a correctly signed delivery with no
  // events, then a wrongly signed one) is answered 200 and 401 by the same path as real
  // deliveries: splitWebhook returns no events, so nothing is stored. An organisation without
  // an ACTIVE connection gets 200 too: Xero disables a webhook whose deliveries keep failing,
  // which would silence every other organisation.
  webhook: {
    summary: 'Receive a Xero webhook (x-xero-signature over the raw body with the webhook key; Intent to Receive included)',
    reply: 'empty',
  },
  sandbox: {
    defaultPort: 8083,
    options: { contracts: { type: 'string', help: 'dir' } },
    async start({ port, synqUrl, autoApprove, values }) {
      const { startXeroFake } = await import('./fake/index.ts');
      const webhookUrl = `${synqUrl}/unified/webhook/xero`;
      const fake = await startXeroFake({
        port,
        host: '127.0.0.1',
        ...(typeof values.contracts === 'string' ? { contractDir: values.contracts } : {}),
        autoApprove,
        webhookUrl,
      });
      return {
        url: fake.url,
        schemaValidated: fake.schemaValidated,
        env: fake.env(),
        notes: [
          `Webhooks go to ${webhookUrl}. Check them: curl -X POST ${fake.url}/_control/webhooks/intent-to-receive`,
          `Inspect state: curl ${fake.url}/_control/organisations`,
        ],
        close: () => fake.close(),
      };
    },
  },
});
