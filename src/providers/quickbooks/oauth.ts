// Intuit's OAuth 2 authorization code grant: consent URL, callback (code, state, realmId),
// code exchange and refresh at the bearer token endpoint (HTTP Basic client auth,
// form-encoded), refresh tokens that may change on any refresh, and revocation.
import type { QuickBooksAppConfig } from './config.ts';
import { isRecord, readJsonBody, retryAfterMs } from '../transport.ts';
import { ProviderError, type AuthorizeRequest, type CallbackParams, type Credentials } from '../types.ts';
import { AUTHORIZE_PATH, QUICKBOOKS_FACTS, REVOKE_PATH, TOKEN_PATH, normalizeRealmId } from './facts.ts';
import { sendQbo, type QboHttpDeps } from './http.ts';

export function buildAuthorizeUrl(cfg: QuickBooksAppConfig, req: AuthorizeRequest): string {
  const url = new URL(`${cfg.appCenterUrl}${AUTHORIZE_PATH}`);
  url.searchParams.set('client_id', cfg.clientId);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('scope', QUICKBOOKS_FACTS.defaultScopes);
  url.searchParams.set('redirect_uri', req.redirectUri);
  url.searchParams.set('state', req.state);
  return url.toString();
}

function single(query: Record<string, string | string[] | undefined>, key: string): string {
  const v = query[key];
  if (typeof v !== 'string' || v === '') throw new ProviderError('VALIDATION', `Callback is missing "${key}"`);
  return v;
}

/**
 * Intuit does not sign its redirect: the single-use state (checked by the caller) binds it to
 * our request, and the code exchange plus the company lookup in exchangeCode bind the realmId.
 */
export function parseCallback(query: Record<string, string | string[] | undefined>): CallbackParams {
  if (typeof query.error === 'string') throw new ProviderError('VALIDATION', `Authorization was not granted (${query.error.slice(0, 50)})`);
  const realmId = normalizeRealmId(single(query, 'realmId'));
  if (realmId === null) throw new ProviderError('VALIDATION', 'Callback realmId is not a company id');
  return { state: single(query, 'state'), code: single(query, 'code'), account: realmId };
}

interface TokenResponse {
  access_token: string;
  expires_in?: number;
  refresh_token?: string;
  x_refresh_token_expires_in?: number;
}

function parseTokenResponse(body: unknown): TokenResponse {
  if (!isRecord(body) || typeof body.access_token !== 'string' || body.access_token === '') {
    throw new ProviderError('PROTOCOL', 'QuickBooks token response has no access_token');
  }
  const out: TokenResponse = { access_token: body.access_token };
  if (typeof body.expires_in === 'number') out.expires_in = body.expires_in;
  if (typeof body.refresh_token === 'string' && body.refresh_token !== '') out.refresh_token = body.refresh_token;
  if (typeof body.x_refresh_token_expires_in === 'number') out.x_refresh_token_expires_in = body.x_refresh_token_expires_in;
  return out;
}

/** Builds stored credentials; a response without a refresh token keeps the one we have (never strand a connection). */
export function toCredentials(t: TokenResponse, now: number, previous: Credentials | null): Credentials {
  const creds: Credentials = { accessToken: t.access_token, scope: QUICKBOOKS_FACTS.defaultScopes };
  if (t.expires_in !== undefined) creds.accessExpiresAt = new Date(now + t.expires_in * 1000).toISOString();
  if (t.refresh_token !== undefined) {
    creds.refreshToken = t.refresh_token;
    if (t.x_refresh_token_expires_in !== undefined) creds.refreshExpiresAt = new Date(now + t.x_refresh_token_expires_in * 1000).toISOString();
  } else if (previous?.refreshToken !== undefined) {
    creds.refreshToken = previous.refreshToken;
    if (previous.refreshExpiresAt !== undefined) creds.refreshExpiresAt = previous.refreshExpiresAt;
  }
  return creds;
}

/** Maps a non-2xx token endpoint answer; only the OAuth error code is echoed. */
async function tokenError(res: Response, what: string): Promise<ProviderError> {
  let code = '';
  try {
    const body = (await res.json()) as unknown;
    if (isRecord(body) && typeof body.error === 'string') code = body.error.slice(0, 60);
  } catch {
    // not JSON: the status decides
  }
  const status = res.status;
  if (status === 429) {
    const after = retryAfterMs(res.headers.get('retry-after'));
    return new ProviderError('RATE_LIMITED', `QuickBooks ${what} rate limited`, after === undefined ? { status } : { status, retryAfterMs: after });
  }
  if (status >= 500) return new ProviderError('UNAVAILABLE', `QuickBooks ${what} answered HTTP ${status}`, { status });
  // Intuit answers an expired, revoked or already-replaced refresh token (and a used code) with invalid_grant.
  if (code === 'invalid_grant') return new ProviderError('INVALID_GRANT', `QuickBooks ${what} rejected the grant (invalid_grant)`, { status });
  return new ProviderError('VALIDATION', `QuickBooks ${what} refused the request (${code || `HTTP ${status}`})`, { status });
}

const basicAuth = (cfg: QuickBooksAppConfig) => `Basic ${Buffer.from(`${cfg.clientId}:${cfg.clientSecret}`).toString('base64')}`;

async function postToken(deps: QboHttpDeps, cfg: QuickBooksAppConfig, params: Record<string, string>, what: string): Promise<TokenResponse> {
  const res = await sendQbo(deps, what, `${cfg.oauthUrl}${TOKEN_PATH}`, {
    method: 'POST',
    headers: { authorization: basicAuth(cfg), 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams(params).toString(),
  });
  if (!res.ok) throw await tokenError(res, what);
  return parseTokenResponse(await readJsonBody('QuickBooks', res, what));
}

export async function exchangeCode(deps: QboHttpDeps, cfg: QuickBooksAppConfig, code: string, redirectUri: string): Promise<Credentials> {
  const t = await postToken(deps, cfg, { grant_type: 'authorization_code', code, redirect_uri: redirectUri }, 'code exchange');
  return toCredentials(t, Date.now(), null);
}

export async function refreshCredentials(deps: QboHttpDeps, cfg: QuickBooksAppConfig, current: Credentials): Promise<Credentials> {
  if (current.refreshToken === undefined) throw new ProviderError('INVALID_GRANT', 'No refresh token stored for this connection; connect the company again');
  const t = await postToken(deps, cfg, { grant_type: 'refresh_token', refresh_token: current.refreshToken }, 'token refresh');
  return toCredentials(t, Date.now(), current);
}

/** Revokes the grant (the refresh token revokes both tokens). An already-revoked token is success. */
export async function revokeGrant(deps: QboHttpDeps, cfg: QuickBooksAppConfig, creds: Credentials): Promise<void> {
  const res = await sendQbo(deps, 'revoke', `${cfg.revokeUrl}${REVOKE_PATH}`, {
    method: 'POST',
    headers: { authorization: basicAuth(cfg), 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ token: creds.refreshToken ?? creds.accessToken }),
  });
  if (!res.ok && res.status !== 400) throw await tokenError(res, 'revoke');
  await res.body?.cancel();
}
