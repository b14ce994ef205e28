// `synq sandbox shopify`: the local fake Shopify, so a newcomer can run the
// whole OAuth → push → webhook flow offline. It prints the variables to give Synq.
import { parseArgs } from 'node:util';
import { startShopifyFake } from '../providers/shopify/fake/index.ts';
import { DEFAULT_SCHEMA_PATH, schemaFileExists } from '../providers/shopify/fake/schema.ts';

export async function sandboxCommand(argv: string[]): Promise<number> {
  const [provider, ...rest] = argv;
  if (provider !== 'shopify') {
    console.error('usage: synq sandbox shopify [--port 8081] [--schema <path>] [--client-id ID] [--client-secret SECRET]');
    return 2;
  }
  const { values } = parseArgs({
    args: rest,
    options: {
      port: { type: 'string', default: '8081' },
      host: { type: 'string', default: '127.0.0.1' },
      schema: { type: 'string' },
      'client-id': { type: 'string', default: 'sandbox-client-id' },
      'client-secret': { type: 'string', default: 'sandbox-client-secret-change-me' },
      'manual-approve': { type: 'boolean', default: false },
    },
  });
  const schemaPath = values.schema ?? (schemaFileExists(DEFAULT_SCHEMA_PATH) ? DEFAULT_SCHEMA_PATH : null);
  if (!schemaPath) console.warn('No Shopify schema found (../shared/contracts/shopify); the sandbox runs WITHOUT request validation. Pass --schema <admin_schema.json.gz>.');
  const fake = await startShopifyFake({
    port: Number(values.port),
    host: values.host ?? '127.0.0.1',
    clientId: values['client-id'] ?? '',
    clientSecret: values['client-secret'] ?? '',
    schemaPath,
    autoApprove: !values['manual-approve'],
  });
  console.log(`fake Shopify listening on ${fake.url} (schema validation: ${fake.schemaValidated ? 'on' : 'OFF'})
Start Synq with:
  SHOPIFY_CLIENT_ID=${values['client-id']} SHOPIFY_CLIENT_SECRET=${values['client-secret']} SYNQ_SHOPIFY_SHOP_URL_TEMPLATE='${fake.shopUrlTemplate}' npm start
Inspect state: curl ${fake.url}/_control/shops`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await fake.close();
  return 0;
}
