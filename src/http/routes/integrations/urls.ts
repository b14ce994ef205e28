import type { Config } from '../../../config.ts';
import { badRequest } from '../../errors.ts';

/** Where a provider sends the browser back after consent. */
export const callbackUrl = (config: Config, provider: string) => `${config.publicUrl}/api/v1/integrations/oauth/${provider}/callback`;

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
