// `synq sandbox shopify|woocommerce|xero|quickbooks|amazon|all`: local fake providers, so a newcomer
// can run the whole authorize → push → webhook flow offline. Each prints the variables to give Synq;
// `all` starts every fake at once on its default port (8081–8085) for local demos.
import { parseArgs } from 'node:util';
import { startWooCommerceFake } from '../providers/woocommerce/fake/index.ts';
import { AMAZON_SANDBOX_USAGE, amazonSandbox } from './amazonSandbox.ts';
import { QUICKBOOKS_SANDBOX_USAGE, quickbooksSandbox } from './quickbooksSandbox.ts';
import { startXeroFake } from '../providers/xero/fake/index.ts';
import { startShopifyFake } from '../providers/shopify/fake/index.ts';
import { DEFAULT_SCHEMA_PATH, schemaFileExists } from '../providers/shopify/fake/schema.ts';

const waitForSignal = () =>
  new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });

async function wooSandbox(argv: string[], wait: () => Promise<void> = waitForSignal): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: '8082' },
      index: { type: 'string' },
      'manual-approve': { type: 'boolean', default: false },
    },
  });
  // Plain http on loopback only: the fake is for this machine.
  const fake = await startWooCommerceFake({
    port: Number(values.port),
    host: '127.0.0.1',
    ...(values.index !== undefined ? { indexPath: values.index } : {}),
    autoApprove: !values['manual-approve'],
    allowHttpCallback: true,
  });
  console.log(`fake WooCommerce listening on ${fake.url} (request validation: ${fake.schemaValidated ? 'on' : 'OFF'})
Start Synq with:
  WOOCOMMERCE_APP_NAME=Synq SYNQ_WOOCOMMERCE_ALLOW_HTTP_LOOPBACK=true npm start
and connect the store URL ${fake.storeUrl('demo')} (any /stores/<name> works).
Inspect state: curl ${fake.url}/_control/stores/demo`);
  await wait();
  await fake.close();
  return 0;
}

async function xeroSandbox(argv: string[], wait: () => Promise<void> = waitForSignal): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: '8083' },
      contracts: { type: 'string' },
      'synq-url': { type: 'string', default: 'http://localhost:8080' },
      'manual-approve': { type: 'boolean', default: false },
    },
  });
  const synqUrl = (values['synq-url'] ?? 'http://localhost:8080').replace(/\/+$/, '');
  const fake = await startXeroFake({
    port: Number(values.port),
    host: '127.0.0.1',
    ...(values.contracts !== undefined ? { contractDir: values.contracts } : {}),
    autoApprove: !values['manual-approve'],
    webhookUrl: `${synqUrl}/unified/webhook/xero`,
  });
  const env = Object.entries(fake.env())
    .map(([k, v]) => `${k}='${v}'`)
    .join(' ');
  console.log(`fake Xero listening on ${fake.url} (request validation: ${fake.schemaValidated ? 'on' : 'OFF'})
Start Synq with:
  ${env} npm start
Webhooks go to ${synqUrl}/unified/webhook/xero. Check them: curl -X POST ${fake.url}/_control/webhooks/intent-to-receive
Inspect state: curl ${fake.url}/_control/organisations`);
  await wait();
  await fake.close();
  return 0;
}

export async function sandboxCommand(argv: string[]): Promise<number> {
  const [provider, ...rest] = argv;
  if (provider === 'all') {
    // One signal stops every fake; each keeps its own default port and prints its own variables.
    const stop = waitForSignal();
    const wait = () => stop;
    const codes = await Promise.all([
      shopifySandbox([], wait),
      wooSandbox([], wait),
      xeroSandbox([], wait),
      quickbooksSandbox([], wait),
      amazonSandbox([], wait),
    ]);
    return Math.max(...codes);
  }
  if (provider === 'woocommerce') return wooSandbox(rest);
  if (provider === 'amazon') return amazonSandbox(rest, waitForSignal);
  if (provider === 'quickbooks') return quickbooksSandbox(rest, waitForSignal);
  if (provider === 'xero') return xeroSandbox(rest);
  if (provider !== 'shopify') {
    console.error('usage: synq sandbox all   (every fake below on its default port)\n       synq sandbox shopify [--port 8081] [--schema <path>] [--client-id ID] [--client-secret SECRET]\n       synq sandbox woocommerce [--port 8082] [--index <wc-v3-index.json>] [--manual-approve]\n       synq sandbox xero [--port 8083] [--contracts <dir>] [--synq-url http://localhost:8080] [--manual-approve]\n       ' + QUICKBOOKS_SANDBOX_USAGE + '\n       ' + AMAZON_SANDBOX_USAGE);
    return 2;
  }
  return shopifySandbox(rest);
}

async function shopifySandbox(argv: string[], wait: () => Promise<void> = waitForSignal): Promise<number> {
  const { values } = parseArgs({
    args: argv,
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
  await wait();
  await fake.close();
  return 0;
}
