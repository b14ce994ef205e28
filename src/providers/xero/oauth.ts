// Xero's OAuth 2 authorization code grant with PKCE (S256): the consent URL on the login
// origin, the code exchange and rotating refresh on the identity origin (client id and
// secret as HTTP Basic), and GET /connections to learn which organisation was authorized.
import type { XeroAppConfig } from './config.ts';
import { isRecord, readJsonBody, retryAfterMs, transportError } from '../transport.ts';
import { ProviderError, type AuthorizeRequest, type CallbackParams, type Credentials } from '../types.ts';
import { normalizeTenantId, XERO_FACTS } from './facts.ts';

export interface XeroHttpDeps {
  fetch: typeof fetch;
  timeoutMs: number;
}

export async function send(deps: XeroHttpDeps, what: string, url: string, init: RequestInit): Promise<Response> {
  try {
    return await deps.fetch(url, { ...init, redirect: 'error', signal: AbortSignal.timeout(deps.timeoutMs) });
  } catch (err) {
    throw transportError('Xero', what, deps.timeoutMs, err) ?? err;
  }
}

export function buildAuthorizeUrl(cfg: XeroAppConfig, req: AuthorizeRequest): string {
  // PKCE is not optional for Xero here: without a challenge the exchange could not prove the browser.
  if (req.pkceChallenge === undefined) throw new ProviderError('VALIDATION', 'Xero authorization needs a PKCE challenge');
  const url = new URL(`${cfg.loginUrl}/identity/connect/authorize`);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', cfg.clientId);
  url.searchParams.set('redirect_uri', req.redirectUri);
  url.searchParams.set('scope', XERO_FACTS.defaultScopes);
  url.searchParams.set('state', req.state);
  url.searchParams.set('code_challenge', req.pkceChallenge);
  url.searchParams.set('code_challenge_method', 'S256');
  return url.toString();
}

/**
 * Xero's redirect carries code and state (plus scope and session_state) and no signature:
 * the single-use state and the PKCE verifier are what bind it to our request. The account
 * is unknown until GET /connections, so it is ''.
 */
export function parseCallback(query: Record<string, string | string[] | undefined>): CallbackParams {
  const one = (k: string): string | undefined => (typeof query[k] === 'string' ? (query[k] as string) : undefined);
  const error = one('error');
  if (error !== undefined) throw new ProviderError('VALIDATION', `Xero answered the authorization with "${error.slice(0, 50)}"`);
  const code = one('code');
  const state = one('state');
  if (!code || !state) throw new ProviderError('VALIDATION', 'Callback is missing "code" or "state"');
  return { state, code, account: '' };
}

interface TokenResponse {
  access_token: string;
  expires_in: number | undefined;
  refresh_token: string | undefined;
  scope: string | undefined;
}

function parseTokenResponse(body: unknown): TokenResponse {
  if (!isRecord(body) || typeof body.access_token !== 'string' || body.access_token === '') {
    throw new ProviderError('PROTOCOL', 'Xero token response has no access_token');
  }
  return {
    access_token: body.access_token,
    expires_in: typeof body.expires_in === 'number' ? body.expires_in : undefined,
    refresh_token: typeof body.refresh_token === 'string' && body.refresh_token !== '' ? body.refresh_token : undefined,
    scope: typeof body.scope === 'string' ? body.scope : undefined,
  };
}

function toCredentials(t: TokenResponse, now: number, previous: Credentials | null): Credentials {
  const creds: Credentials = { accessToken: t.access_token };
  const ttl = t.expires_in ?? XERO_FACTS.accessTokenTtlSeconds;
  if (ttl !== null) creds.accessExpiresAt = new Date(now + ttl * 1000).toISOString();
  // Rotation: the new refresh token replaces the used one, which Xero has already invalidated.
  const refresh = t.refresh_token ?? previous?.refreshToken;
  if (refresh !== undefined) creds.refreshToken = refresh;
  const scope = t.scope ?? previous?.scope;
  if (scope !== undefined) creds.scope = scope;
  return creds;
}

/** A non-2xx token answer. Only the OAuth error code is echoed; descriptions may carry input. */
async function tokenError(res: Response, what: string): Promise<ProviderError> {
  let code = '';
  try {
    const body = (await res.json()) as unknown;
    if (isRecord(body) && typeof body.error === 'string') code = body.error.slice(0, 50);
  } catch {
    // not JSON: the status decides
  }
  const status = res.status;
  if (status === 429) {
    const after = retryAfterMs(res.headers.get('retry-after'));
    return new ProviderError('RATE_LIMITED', `Xero ${what} rate limited`, after === undefined ? { status } : { status, retryAfterMs: after });
  }
  if (status >= 500) return new ProviderError('UNAVAILABLE', `Xero ${what} answered HTTP ${status}`, { status });
  // A used (rotated), expired or revoked refresh token, or a used code: invalid_grant.
  if (code === 'invalid_grant') return new ProviderError('INVALID_GRANT', `Xero ${what} rejected the grant (invalid_grant)`, { status });
  return new ProviderError('VALIDATION', `Xero ${what} refused the request (${code || `HTTP ${status}`})`, { status });
}

async function postToken(deps: XeroHttpDeps, cfg: XeroAppConfig, params: Record<string, string>, what: string): Promise<TokenResponse> {
  const basic = Buffer.from(`${cfg.clientId}:${cfg.clientSecret}`).toString('base64');
  const res = await send(deps, what, `${cfg.identityUrl}/connect/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams(params).toString(),
  });
  if (!res.ok) throw await tokenError(res, what);
  return parseTokenResponse(await readJsonBody('Xero', res, what));
}

export async function exchangeCode(deps: XeroHttpDeps, cfg: XeroAppConfig, code: string, redirectUri: string, verifier: string | undefined): Promise<Credentials> {
  if (verifier === undefined) throw new ProviderError('VALIDATION', 'Xero code exchange needs the PKCE verifier of this authorization');
  const t = await postToken(deps, cfg, { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier }, 'code exchange');
  return toCredentials(t, Date.now(), null);
}

export async function refreshCredentials(deps: XeroHttpDeps, cfg: XeroAppConfig, current: Credentials): Promise<Credentials> {
  if (current.refreshToken === undefined) throw new ProviderError('INVALID_GRANT', 'No Xero refresh token stored; connect the organisation again');
  const t = await postToken(deps, cfg, { grant_type: 'refresh_token', refresh_token: current.refreshToken }, 'token refresh');
  return toCredentials(t, Date.now(), current);
}

/** The authentication_event_id claim of Xero's JWT access token; read, not verified (it came straight from the token endpoint). */
function authEventIdOf(accessToken: string): string | null {
  const payload = accessToken.split('.')[1];
  if (payload === undefined) return null;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown;
    return isRecord(claims) && typeof claims.authentication_event_id === 'string' ? claims.authentication_event_id : null;
  } catch {
    return null;
  }
}

interface XeroConnection {
  tenantId: string;
  tenantType: string;
  authEventId: string | null;
  createdDateUtc: string;
}

/**
 * GET /connections lists every organisation the user ever connected to this app. The one
 * this consent added carries the token's authentication_event_id; without that claim the
 * most recently connected organisation is taken.
 */
export async function resolveTenant(deps: XeroHttpDeps, cfg: XeroAppConfig, creds: Credentials): Promise<string> {
  const res = await send(deps, 'connections', `${cfg.apiUrl}/connections`, {
    headers: { authorization: `Bearer ${creds.accessToken}`, accept: 'application/json' },
  });
  if (!res.ok) {
    await res.body?.cancel();
    if (res.status === 429 || res.status >= 500) throw new ProviderError(res.status === 429 ? 'RATE_LIMITED' : 'UNAVAILABLE', `Xero connections answered HTTP ${res.status}`, { status: res.status });
    throw new ProviderError('VALIDATION', `Xero connections refused the token (HTTP ${res.status})`, { status: res.status });
  }
  const body = await readJsonBody('Xero', res, 'connections');
  if (!Array.isArray(body)) throw new ProviderError('PROTOCOL', 'Xero connections is not a list');
  const orgs: XeroConnection[] = body.filter(isRecord).flatMap((c) =>
    typeof c.tenantId === 'string' && c.tenantType === 'ORGANISATION'
      ? [{ tenantId: c.tenantId, tenantType: c.tenantType, authEventId: typeof c.authEventId === 'string' ? c.authEventId : null, createdDateUtc: typeof c.createdDateUtc === 'string' ? c.createdDateUtc : '' }]
      : [],
  );
  const eventId = authEventIdOf(creds.accessToken);
  const fromThisConsent = eventId === null ? [] : orgs.filter((o) => o.authEventId === eventId);
  const pool = fromThisConsent.length > 0 ? fromThisConsent : orgs;
  const chosen = [...pool].sort((a, b) => (a.createdDateUtc < b.createdDateUtc ? 1 : a.createdDateUtc > b.createdDateUtc ? -1 : 0))[0];
  const tenantId = chosen === undefined ? null : normalizeTenantId(chosen.tenantId);
  if (tenantId === null) throw new ProviderError('VALIDATION', 'The Xero authorization did not include an organisation');
  return tenantId;
}

/** Revokes the refresh token, and with it the whole grant (developer.xero.com, "Revoking tokens"). */
export async function revokeGrant(deps: XeroHttpDeps, cfg: XeroAppConfig, creds: Credentials): Promise<void> {
  if (creds.refreshToken === undefined) return;
  const basic = Buffer.from(`${cfg.clientId}:${cfg.clientSecret}`).toString('base64');
  const res = await send(deps, 'revocation', `${cfg.identityUrl}/connect/revocation`, {
    method: 'POST',
    headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: creds.refreshToken }).toString(),
  });
  await res.body?.cancel();
  if (!res.ok) throw new ProviderError(res.status >= 500 ? 'UNAVAILABLE' : 'VALIDATION', `Xero revocation answered HTTP ${res.status}`, { status: res.status });
}
