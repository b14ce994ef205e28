// A sixth provider, defined outside src/: the proof that a provider is its folder plus one
// row in the table handed to loadConfig (test/e2e/sixthProvider.test.ts). Nothing in src/
// names it.
import { defineProvider } from '../../src/providers/descriptor.ts';
import { tinyShopConfig } from './config.ts';
import { createTinyShopConnector, TINYSHOP_FACTS } from './connector.ts';

export const tinyShopProvider = defineProvider({
  facts: TINYSHOP_FACTS,
  config: tinyShopConfig,
  createConnector: (settings) => createTinyShopConnector(settings),
  webhook: { summary: 'Receive a TinyShop webhook (x-tinyshop-hmac: base64 HMAC-SHA256 with the client secret)', reply: 'event-ids' },
  sandbox: {
    defaultPort: 8099,
    options: {},
    async start({ port }) {
      const { startTinyShopFake } = await import('./fake.ts');
      const fake = await startTinyShopFake(port);
      return {
        url: fake.url,
        schemaValidated: false,
        env: { TINYSHOP_CLIENT_ID: fake.clientId, TINYSHOP_CLIENT_SECRET: fake.clientSecret, SYNQ_TINYSHOP_URL: fake.url },
        notes: ['Connect any shop name (lower-case letters, digits, dashes).'],
        close: () => fake.close(),
      };
    },
  },
});
