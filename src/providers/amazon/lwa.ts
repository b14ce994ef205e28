// Amazon's website authorization workflow: the Seller Central consent URL, the callback
// (state, selling_partner_id, spapi_oauth_code), and Login with Amazon (LWA) token calls.
// LWA refresh tokens do not rotate: a refresh answers a new access token only, and the
// stored refresh token (plus the connection's notification secret) is kept.
import { randomBytes } from 'node:crypto';
import type { AmazonAppConfig } from './config.ts';
import { isRecord, readJsonBody, retryAfterMs, transportError } from '../transport.ts';
import { ProviderError, type AuthorizeRequest, type CallbackParams, type Credentials, type OAuth2Authorization } from '../types.ts';
import { SELLER_ID } from './facts.ts';

export interface LwaDeps {
  fetch: typeof fetch;
  timeoutMs: number;
}

export function buildConsentUrl(cfg: AmazonAppConfig, req: AuthorizeRequest): string {
  const url = new URL(`${cfg.sellerCentralUrl}/apps/authorize/consent`);
  url.searchParams.set('application_id', cfg.appId);
  url.searchParams.set('state', req.state);
  // Must be one of the application's registered OAuth redirect URIs; naming it keeps the choice explicit.
  url.searchParams.set('redirect_uri', req.redirectUri);
  // Draft applications can only be authorized with version=beta.
  if (cfg.beta) url.searchParams.set('version', 'beta');
  return url.toString();
}

function single(query: Record<string, string | string[] | undefined>, key: string): string {
  const v = query[key];
  if (typeof v !== 'string' || v === '') throw new ProviderError('VALIDATION', `Callback is missing "${key}"`);
  return v;
}

/**
 * Amazon does not sign the redirect: what makes it trustworthy is the single-use state
 * (consumed by the route) and the code, which only LWA can redeem, within 5 minutes,
 * with our client secret. Here only shapes are checked, so nonsense never reaches LWA.
 */
export function parseConsentCallback(query: Record<string, string | string[] | undefined>): CallbackParams {
  const sellerId = single(query, 'selling_partner_id');
  if (!SELLER_ID.test(sellerId)) throw new ProviderError('VALIDATION', 'Callback selling_partner_id is not an Amazon seller id');
  const code = single(query, 'spapi_oauth_code');
  if (code.length > 2048 || !/^[\x21-\x7e]+$/.test(code)) throw new ProviderError('VALIDATION', 'Callback spapi_oauth_code is malformed');
  return { state: single(query, 'state'), code, account: sellerId };
}

async function tokenError(res: Response, what: string): Promise<ProviderError> {
  let code = '';
  try {
    const body = (await res.json()) as unknown;
    if (isRecord(body) && typeof body.error === 'string') code = body.error.slice(0, 100);
  } catch {
    // not JSON: the status decides
  }
  const status = res.status;
  if (status === 429) {
    const after = retryAfterMs(res.headers.get('retry-after'));
    return new ProviderError('RATE_LIMITED', `Amazon LWA ${what} rate limited`, after === undefined ? { status } : { status, retryAfterMs: after });
  }
  if (status >= 500) return new ProviderError('UNAVAILABLE', `Amazon LWA ${what} answered HTTP ${status}`, { status });
  // An expired, used or revoked code or refresh token: the seller must authorize again.
  if (code === 'invalid_grant') return new ProviderError('INVALID_GRANT', `Amazon LWA ${what} rejected the grant (invalid_grant)`, { status });
  return new ProviderError('VALIDATION', `Amazon LWA ${what} refused the request (${code || `HTTP ${status}`})`, { status });
}

interface LwaToken {
  accessToken: string;
  expiresIn: number | undefined;
  refreshToken: string | undefined;
}

async function postToken(deps: LwaDeps, cfg: AmazonAppConfig, what: string, params: Record<string, string>): Promise<LwaToken> {
  let res: Response;
  try {
    res = await deps.fetch(`${cfg.lwaUrl}/auth/o2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8', accept: 'application/json' },
      body: new URLSearchParams({ ...params, client_id: cfg.clientId, client_secret: cfg.clientSecret }).toString(),
      redirect: 'error',
      signal: AbortSignal.timeout(deps.timeoutMs),
    });
  } catch (err) {
    throw transportError('Amazon LWA', what, deps.timeoutMs, err) ?? err;
  }
  if (!res.ok) throw await tokenError(res, what);
  const body = await readJsonBody('Amazon LWA', res, what);
  if (!isRecord(body) || typeof body.access_token !== 'string' || body.access_token === '') {
    throw new ProviderError('PROTOCOL', `Amazon LWA ${what} answer has no access_token`);
  }
  return {
    accessToken: body.access_token,
    expiresIn: typeof body.expires_in === 'number' ? body.expires_in : undefined,
    refreshToken: typeof body.refresh_token === 'string' && body.refresh_token !== '' ? body.refresh_token : undefined,
  };
}

const expiry = (t: LwaToken, now: number): string => new Date(now + (t.expiresIn ?? 3600) * 1000).toISOString();

export async function exchangeConsentCode(deps: LwaDeps, cfg: AmazonAppConfig, code: string, redirectUri: string): Promise<Credentials> {
  const t = await postToken(deps, cfg, 'code exchange', { grant_type: 'authorization_code', code, redirect_uri: redirectUri });
  if (t.refreshToken === undefined) throw new ProviderError('PROTOCOL', 'Amazon LWA code exchange answer has no refresh_token');
  return {
    accessToken: t.accessToken,
    accessExpiresAt: expiry(t, Date.now()),
    refreshToken: t.refreshToken,
    // The EventBridge API destination of this connection sends it with every notification
    // (see notifications.ts); generated here, at connect time, and sealed with the tokens.
    webhookSecret: randomBytes(32).toString('base64url'),
  };
}

export async function refreshLwa(deps: LwaDeps, cfg: AmazonAppConfig, current: Credentials): Promise<Credentials> {
  if (current.refreshToken === undefined) throw new ProviderError('INVALID_GRANT', 'No LWA refresh token stored; authorize the seller account again');
  const t = await postToken(deps, cfg, 'token refresh', { grant_type: 'refresh_token', refresh_token: current.refreshToken });
  // Everything else stored stays: the refresh token does not rotate, the notification secret is ours.
  return { ...current, accessToken: t.accessToken, accessExpiresAt: expiry(t, Date.now()) };
}

export function createLwaAuthorization(deps: LwaDeps, cfg: AmazonAppConfig): OAuth2Authorization {
  return {
    kind: 'oauth2',
    buildAuthorizeUrl: (req) => buildConsentUrl(cfg, req),
    parseCallback: (query) => parseConsentCallback(query),
    exchangeCode: (_account, code, redirectUri) => exchangeConsentCode(deps, cfg, code, redirectUri),
  };
}
