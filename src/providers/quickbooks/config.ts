// QuickBooks Online's environment variables (README configuration table) and their parsing.
import type { ProviderConfigSpec } from '../descriptor.ts';

export interface QuickBooksAppConfig {
  clientId: string;
  clientSecret: string;
  /** Signs every webhook delivery of the app (Intuit developer portal, Webhooks); empty = inbound events rejected. */
  webhookVerifierToken: string;
  /** https://appcenter.intuit.com: the consent page (/connect/oauth2). */
  appCenterUrl: string;
  /** https://oauth.platform.intuit.com: the token endpoint (/oauth2/v1/tokens/bearer). */
  oauthUrl: string;
  /** https://developer.api.intuit.com: the revocation endpoint (/v2/oauth2/tokens/revoke). */
  revokeUrl: string;
  /** https://quickbooks.api.intuit.com (production) or https://sandbox-quickbooks.api.intuit.com: the Accounting API. */
  apiUrl: string;
  /** Accounting API minor version sent on every call. */
  minorVersion: number;
}

export const quickBooksConfig: ProviderConfigSpec<QuickBooksAppConfig> = {
  vars: [
    {
      vars: ['QUICKBOOKS_CLIENT_ID', 'QUICKBOOKS_CLIENT_SECRET'],
      secrets: ['QUICKBOOKS_CLIENT_SECRET'],
      meaning: 'your Intuit app (redirect URI `<SYNQ_PUBLIC_URL>/api/v1/integrations/oauth/quickbooks/callback`); set both to offer QuickBooks Online',
      default: 'unset (QuickBooks not offered)',
    },
    {
      vars: ['QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN'],
      secrets: ['QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN'],
      meaning: "the app's webhook verifier token (Intuit developer portal → Webhooks, URL `<SYNQ_PUBLIC_URL>/unified/webhook/quickbooks`)",
      default: 'unset (QuickBooks webhooks refused)',
    },
    {
      vars: ['SYNQ_QUICKBOOKS_APPCENTER_URL', 'SYNQ_QUICKBOOKS_OAUTH_URL', 'SYNQ_QUICKBOOKS_REVOKE_URL', 'SYNQ_QUICKBOOKS_API_URL'],
      meaning:
        "Intuit's origins (consent page `/connect/oauth2`; token endpoint `/oauth2/v1/tokens/bearer`; `/v2/oauth2/tokens/revoke`; the Accounting API, `https://sandbox-quickbooks.api.intuit.com` for Intuit sandbox companies); tests and `synq sandbox quickbooks` point them at the local fake (http only outside production)",
      default: '`https://appcenter.intuit.com`, `https://oauth.platform.intuit.com`, `https://developer.api.intuit.com`, `https://quickbooks.api.intuit.com`',
    },
    {
      vars: ['SYNQ_QUICKBOOKS_MINOR_VERSION'],
      meaning: 'Accounting API `minorversion` sent on every call (Intuit accepts 75 and later)',
      default: '`75`',
    },
  ],
  parse(env) {
    const protocols = env.production ? ['https:'] : ['https:', 'http:'];
    const minorRaw = env.text('SYNQ_QUICKBOOKS_MINOR_VERSION', '75');
    // Intuit retired minor versions 1-74 on 2025-08-01; 75 is the floor it accepts.
    if (!/^\d{1,3}$/.test(minorRaw) || Number(minorRaw) < 75) env.problem('SYNQ_QUICKBOOKS_MINOR_VERSION must be an integer >= 75');
    env.together(['QUICKBOOKS_CLIENT_ID', 'QUICKBOOKS_CLIENT_SECRET']);
    return {
      clientId: env.raw('QUICKBOOKS_CLIENT_ID') ?? '',
      clientSecret: env.raw('QUICKBOOKS_CLIENT_SECRET') ?? '',
      webhookVerifierToken: env.raw('QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN') ?? '',
      appCenterUrl: env.origin('SYNQ_QUICKBOOKS_APPCENTER_URL', 'https://appcenter.intuit.com', protocols),
      oauthUrl: env.origin('SYNQ_QUICKBOOKS_OAUTH_URL', 'https://oauth.platform.intuit.com', protocols),
      revokeUrl: env.origin('SYNQ_QUICKBOOKS_REVOKE_URL', 'https://developer.api.intuit.com', protocols),
      apiUrl: env.origin('SYNQ_QUICKBOOKS_API_URL', 'https://quickbooks.api.intuit.com', protocols),
      minorVersion: Number(minorRaw),
    };
  },
};
