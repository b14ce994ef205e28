// WooCommerce's app key flow (not OAuth): the browser goes to the store's
// /wc-auth/v1/authorize, the store POSTs the new REST keys to our callback_url
// server to server, then sends the browser to return_url with success=1|0 and the
// user_id we gave it (our state). The POST is untrusted input until it names a live state.
import { randomBytes } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { compileValidator } from '../../lib/validate.ts';
import { ProviderError, type CredentialPostAuthorization, type CredentialPostAuthorizeRequest } from '../types.ts';

/** Our states are 32 random bytes, base64url (see lib/pkce.ts newState). */
const STATE = '^[A-Za-z0-9_-]{43}$';

/**
 * The body WooCommerce's WC_Auth::post_consumer_data sends. Keys are "ck_"/"cs_" + 40 hex
 * characters (a SHA-1 of random data). Extra fields are tolerated (newer stores may add
 * some) but never read.
 */
const CredentialPost = Type.Object({
  key_id: Type.Integer({ minimum: 1 }),
  user_id: Type.String({ pattern: STATE }),
  consumer_key: Type.String({ pattern: '^ck_[0-9a-f]{40}$' }),
  consumer_secret: Type.String({ pattern: '^cs_[0-9a-f]{40}$' }),
  // We ask for read_write; a key that cannot write could not push.
  key_permissions: Type.Literal('read_write'),
});
const checkPost = compileValidator(CredentialPost);

/** The POST is a few hundred bytes; 4 KiB leaves room and bounds what we parse. */
export const MAX_CREDENTIAL_POST_BYTES = 4096;

function single(query: Record<string, string | string[] | undefined>, key: string): string {
  const v = query[key];
  if (typeof v !== 'string' || v === '') throw new ProviderError('VALIDATION', `Return is missing "${key}"`);
  return v;
}

export function createKeyAuthorization(appName: string): CredentialPostAuthorization {
  return {
    kind: 'credential-post',
    maxPostBytes: MAX_CREDENTIAL_POST_BYTES,
    buildAuthorizeUrl(req: CredentialPostAuthorizeRequest): string {
      const url = new URL(`${req.account}/wc-auth/v1/authorize`);
      url.searchParams.set('app_name', appName);
      url.searchParams.set('scope', 'read_write');
      url.searchParams.set('user_id', req.state);
      url.searchParams.set('return_url', req.returnUrl);
      url.searchParams.set('callback_url', req.callbackUrl);
      return url.toString();
    },
    parseCredentialPost(body) {
      const r = checkPost(body);
      if (!r.ok) throw new ProviderError('VALIDATION', `Credential post ${r.error}`);
      return {
        state: r.value.user_id,
        credentials: {
          accessToken: r.value.consumer_key,
          accessSecret: r.value.consumer_secret,
          scope: r.value.key_permissions,
          // Chosen here, stored encrypted with the keys, given to the store with each webhook.
          webhookSecret: randomBytes(32).toString('base64url'),
        },
      };
    },
    parseReturn(query) {
      const state = single(query, 'user_id');
      if (!new RegExp(STATE).test(state)) throw new ProviderError('VALIDATION', 'Return user_id is not a Synq state');
      const success = single(query, 'success');
      if (success !== '1' && success !== '0') throw new ProviderError('VALIDATION', 'Return success must be 1 or 0');
      return { state, approved: success === '1' };
    },
  };
}
