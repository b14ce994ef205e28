// Xero's environment variables (README configuration table) and their parsing.
import type { ProviderConfigSpec } from '../descriptor.ts';

export interface XeroAppConfig {
  clientId: string;
  clientSecret: string;
  /** Signs every webhook delivery of the app (Xero developer portal, Webhooks tab); empty = inbound events rejected. */
  webhookKey: string;
  /** https://login.xero.com: the consent page. */
  loginUrl: string;
  /** https://identity.xero.com: the token and revocation endpoints. */
  identityUrl: string;
  /** https://api.xero.com: /connections and the Accounting API. */
  apiUrl: string;
}

export const xeroConfig: ProviderConfigSpec<XeroAppConfig> = {
  vars: [
    {
      vars: ['XERO_CLIENT_ID', 'XERO_CLIENT_SECRET'],
      secrets: ['XERO_CLIENT_SECRET'],
      meaning: 'your Xero app (Web app, redirect URI `<SYNQ_PUBLIC_URL>/api/v1/integrations/oauth/xero/callback`); set both to offer Xero',
      default: 'unset (Xero not offered)',
    },
    {
      vars: ['XERO_WEBHOOK_KEY'],
      secrets: ['XERO_WEBHOOK_KEY'],
      meaning: "the app's webhook signing key (developer portal → Webhooks, URL `<SYNQ_PUBLIC_URL>/unified/webhook/xero`)",
      default: 'unset (Xero webhooks refused)',
    },
    {
      vars: ['SYNQ_XERO_LOGIN_URL', 'SYNQ_XERO_IDENTITY_URL', 'SYNQ_XERO_API_URL'],
      meaning:
        "Xero's origins (consent page; token endpoint; `/connections` and the Accounting API); tests and `synq sandbox xero` point them at the local fake (http only outside production)",
      default: '`https://login.xero.com`, `https://identity.xero.com`, `https://api.xero.com`',
    },
  ],
  parse(env) {
    const protocols = env.production ? ['https:'] : ['https:', 'http:'];
    env.together(['XERO_CLIENT_ID', 'XERO_CLIENT_SECRET']);
    return {
      clientId: env.raw('XERO_CLIENT_ID') ?? '',
      clientSecret: env.raw('XERO_CLIENT_SECRET') ?? '',
      webhookKey: env.raw('XERO_WEBHOOK_KEY') ?? '',
      loginUrl: env.origin('SYNQ_XERO_LOGIN_URL', 'https://login.xero.com', protocols),
      identityUrl: env.origin('SYNQ_XERO_IDENTITY_URL', 'https://identity.xero.com', protocols),
      apiUrl: env.origin('SYNQ_XERO_API_URL', 'https://api.xero.com', protocols),
    };
  },
};
