import type { Config } from '../../../config.ts';
import type { Connector } from '../../../providers/types.ts';
import { badRequest } from '../../errors.ts';

/** Where an OAuth 2 provider sends the browser back after consent. */
export const callbackUrl = (config: Config, provider: string) => `${config.publicUrl}/api/v1/integrations/oauth/${provider}/callback`;

/** Where a credential-post provider POSTs the credentials, server to server. */
export const keyCallbackUrl = (config: Config, provider: string) => `${config.publicUrl}/api/v1/integrations/keys/${provider}/callback`;

/** Where a credential-post provider sends the browser after the POST. */
export const keyReturnUrl = (config: Config, provider: string) => `${config.publicUrl}/api/v1/integrations/keys/${provider}/return`;

/** The URL a provider delivers a connection's webhooks to; the route depends on who signs them. */
export function webhookCallbackUrl(config: Config, connector: Connector, connectionId: string): string {
  const base = `${config.publicUrl}/unified/webhook/${connector.facts.id}`;
  return connector.facts.webhookSigning === 'connection-secret' ? `${base}/${connectionId}` : base;
}

/** The provider's authorize URL for this state, whatever its authorization kind. */
export function providerAuthorizeUrl(config: Config, connector: Connector, account: string, state: string, pkceChallenge: string | null): string {
  const auth = connector.authorization;
  switch (auth.kind) {
    case 'oauth2':
      return auth.buildAuthorizeUrl({
        account,
        state,
        redirectUri: callbackUrl(config, connector.facts.id),
        ...(pkceChallenge !== null ? { pkceChallenge } : {}),
      });
    case 'credential-post':
      return auth.buildAuthorizeUrl({
        account,
        state,
        callbackUrl: keyCallbackUrl(config, connector.facts.id),
        returnUrl: keyReturnUrl(config, connector.facts.id),
      });
    default: {
      const never: never = auth;
      return never;
    }
  }
}

/** A tenant-supplied redirect must be an absolute http(s) URL on an allow-listed origin. */
export function checkRedirect(config: Config, raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw badRequest('redirect_uri is not a valid URL');
  }
  if ((u.protocol !== 'https:' && u.protocol !== 'http:') || u.username || u.password) throw badRequest('redirect_uri must be an http(s) URL without credentials');
  if (!config.connectRedirectAllowlist.includes(u.origin)) throw badRequest('redirect_uri is not on the allow-list (SYNQ_CONNECT_REDIRECT_ALLOWLIST)');
  return u.toString();
}
