// `synq sandbox amazon`: the Amazon fake (Seller Central consent, LWA, Listings Items
// validated against the published model) on this machine, and the variables to give Synq.
import { parseArgs } from 'node:util';
import { startAmazonFake } from '../providers/amazon/fake/index.ts';

export const AMAZON_SANDBOX_USAGE = 'synq sandbox amazon [--port 8084] [--contract <listingsItems_2021-08-01.json>] [--manual-approve] [--token-ttl 3600]';

export async function amazonSandbox(argv: string[], waitForSignal: () => Promise<void>): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: '8084' },
      contract: { type: 'string' },
      'manual-approve': { type: 'boolean', default: false },
      'token-ttl': { type: 'string', default: '3600' },
    },
  });
  // Plain http on loopback only: the fake is for this machine.
  const fake = await startAmazonFake({
    port: Number(values.port),
    host: '127.0.0.1',
    ...(values.contract !== undefined ? { contractPath: values.contract } : {}),
    autoApprove: !values['manual-approve'],
    accessTokenTtlSeconds: Number(values['token-ttl']),
  });
  console.log(`fake Amazon SP-API listening on ${fake.url} (request validation: ${fake.schemaValidated ? 'on' : 'OFF'})
Start Synq with:
  AMAZON_APP_ID='${fake.appId}' AMAZON_CLIENT_ID='${fake.clientId}' AMAZON_CLIENT_SECRET='${fake.clientSecret}' \\
  SYNQ_AMAZON_SELLER_CENTRAL_URL=${fake.url} SYNQ_AMAZON_LWA_URL=${fake.url} SYNQ_AMAZON_SP_API_URL=${fake.url} npm start
Notifications: POST an EventBridge event ({"detail-type": "ORDER_CHANGE", "detail": <notification>}) to
  <synq>/unified/webhook/amazon/<connection_id> with header x-synq-notification-secret: <the connection's secret>.
Inspect state: curl ${fake.url}/_control/sellers ; curl ${fake.url}/_control/stats`);
  await waitForSignal();
  await fake.close();
  return 0;
}
