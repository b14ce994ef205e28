// `synq sandbox quickbooks`: the fake Intuit (consent page, token endpoint, Accounting API,
// signed webhooks) on loopback, and the variables that point Synq at it.
import { parseArgs } from 'node:util';
import { startQuickBooksFake } from '../providers/quickbooks/fake/index.ts';

export const QUICKBOOKS_SANDBOX_USAGE =
  'synq sandbox quickbooks [--port 8085] [--contracts <dir with Finance.xsd>] [--synq-url http://localhost:8080] [--client-id ID] [--client-secret SECRET] [--verifier-token TOKEN] [--manual-approve]';

export async function quickbooksSandbox(argv: string[], waitForSignal: () => Promise<void>): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: '8085' },
      contracts: { type: 'string' },
      'synq-url': { type: 'string', default: 'http://localhost:8080' },
      'client-id': { type: 'string', default: 'sandbox-qbo-client-id' },
      'client-secret': { type: 'string', default: 'sandbox-qbo-client-secret-change-me' },
      'verifier-token': { type: 'string', default: 'sandbox-qbo-verifier-token-change-me' },
      'manual-approve': { type: 'boolean', default: false },
    },
  });
  const synqUrl = (values['synq-url'] ?? 'http://localhost:8080').replace(/\/+$/, '');
  const clientId = values['client-id'] ?? '';
  const clientSecret = values['client-secret'] ?? '';
  const verifierToken = values['verifier-token'] ?? '';
  const fake = await startQuickBooksFake({
    port: Number(values.port),
    host: '127.0.0.1',
    clientId,
    clientSecret,
    verifierToken,
    ...(values.contracts !== undefined ? { contractDir: values.contracts } : {}),
    autoApprove: !values['manual-approve'],
    webhookUrl: `${synqUrl}/unified/webhook/quickbooks`,
  });
  console.log(`fake QuickBooks Online listening on ${fake.url} (request validation: ${fake.schemaValidated ? 'on' : 'OFF'})
Start Synq with:
  QUICKBOOKS_CLIENT_ID=${clientId} QUICKBOOKS_CLIENT_SECRET=${clientSecret} QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN=${verifierToken} \\
  SYNQ_QUICKBOOKS_APPCENTER_URL=${fake.url} SYNQ_QUICKBOOKS_OAUTH_URL=${fake.url} SYNQ_QUICKBOOKS_REVOKE_URL=${fake.url} SYNQ_QUICKBOOKS_API_URL=${fake.url} npm start
Send a signed webhook: curl -X POST ${fake.url}/_control/companies/<realmId>/notify -d '{"entities":[{"name":"Invoice","id":"1","operation":"Create"}]}'
Inspect state: curl ${fake.url}/_control/companies`);
  await waitForSignal();
  await fake.close();
  return 0;
}
