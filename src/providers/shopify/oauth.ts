// Shopify's OAuth authorization code grant with expiring offline tokens:
// authorize URL, signed-callback check, code exchange and rotating refresh.
import type { ShopifyAppConfig } from './config.ts';
import { verifyHmacSha256 } from '../../lib/signatures.ts';
import { ProviderError, type AuthorizeRequest, type CallbackParams, type Credentials } from '../types.ts';
import { normalizeShopDomain } from './facts.ts';
import { isRecord, readJson, retryAfterMs, send, type HttpDeps } from './http.ts';

/** Callbacks older (or newer, for clock skew) than this are refused: limits replay of a leaked URL. */
export const CALLBACK_MAX_SKEW_SECONDS = 600;

/** Base URL of a shop's admin. Validates the domain first so a bad one never reaches a URL. */
export function shopBaseUrl(cfg: ShopifyAppConfig, shop: string): string {
  const valid = normalizeShopDomain(shop);
  if (valid === null) throw new ProviderError('VALIDATION', 'Not a valid *.myshopify.com shop domain');
  return cfg.shopUrlTemplate.replace('{shop}', valid).replace(/\/+$/, '');
}

export function buildAuthorizeUrl(cfg: ShopifyAppConfig, req: AuthorizeRequest): string {
  const url = new URL(`${shopBaseUrl(cfg, req.account)}/admin/oauth/authorize`);
  url.searchParams.set('client_id', cfg.clientId);
  url.searchParams.set('scope', cfg.scopes);
  url.searchParams.set('redirect_uri', req.redirectUri);
  url.searchParams.set('state', req.state);
  // No grant_options[]=per-user: we want an offline (shop-level) token that background jobs can use.
  return url.toString();
}

function escapeValue(s: string): string {
  return s.replace(/%/g, '%25').replace(/&/g, '%26');
}

/**
 * The message Shopify signs on a redirect: every parameter except `hmac`, decoded, sorted by key
 * (byte order), `key=value` joined with `&`. `%` and `&` are escaped in keys and values and `=` in
 * keys, so a value cannot forge a pair boundary. Array parameters (`ids[]=1&ids[]=2`) are signed as
 * `ids=["1", "2"]`, the form Shopify uses for bulk-action links.
 */
export function callbackSigningMessage(query: Record<string, string | string[] | undefined>): string {
  const pairs: [string, string][] = [];
  for (const [rawKey, value] of Object.entries(query)) {
    if (rawKey === 'hmac' || value === undefined) continue;
    if (Array.isArray(value)) {
      const key = rawKey.endsWith('[]') ? rawKey.slice(0, -2) : rawKey;
      pairs.push([key, `[${value.map((v) => `"${v}"`).join(', ')}]`]);
    } else {
      pairs.push([rawKey, value]);
    }
  }
  pairs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return pairs.map(([k, v]) => `${escapeValue(k).replace(/=/g, '%3D')}=${escapeValue(v)}`).join('&');
}

function single(query: Record<string, string | string[] | undefined>, key: string): string {
  const v = query[key];
  if (typeof v !== 'string' || v === '') throw new ProviderError('VALIDATION', `Callback is missing "${key}"`);
  return v;
}

export function parseCallback(
  cfg: ShopifyAppConfig,
  query: Record<string, string | string[] | undefined>,
  now: Date = new Date(),
): CallbackParams {
  const hmac = single(query, 'hmac');
  // Signature first: nothing else in the query is trusted until it verifies.
  if (!verifyHmacSha256(cfg.clientSecret, callbackSigningMessage(query), hmac, 'hex')) {
    throw new ProviderError('VALIDATION', 'Callback signature does not verify');
  }
  const timestamp = Number(single(query, 'timestamp'));
  if (!Number.isInteger(timestamp)) throw new ProviderError('VALIDATION', 'Callback timestamp is not a number');
  if (Math.abs(now.getTime() / 1000 - timestamp) > CALLBACK_MAX_SKEW_SECONDS) {
    throw new ProviderError('VALIDATION', 'Callback timestamp is outside the accepted window');
  }
  const shop = normalizeShopDomain(single(query, 'shop'));
  if (shop === null) throw new ProviderError('VALIDATION', 'Callback shop is not a *.myshopify.com domain');
  return { state: single(query, 'state'), code: single(query, 'code'), account: shop };
}

interface TokenResponse {
  access_token: string;
  scope?: string;
  expires_in?: number;
  refresh_token?: string;
  refresh_token_expires_in?: number;
}

function parseTokenResponse(body: unknown): TokenResponse {
  if (!isRecord(body) || typeof body.access_token !== 'string' || body.access_token === '') {
    throw new ProviderError('PROTOCOL', 'Shopify token response has no access_token');
  }
  const out: TokenResponse = { access_token: body.access_token };
  if (typeof body.scope === 'string') out.scope = body.scope;
  if (typeof body.expires_in === 'number') out.expires_in = body.expires_in;
  if (typeof body.refresh_token === 'string' && body.refresh_token !== '') out.refresh_token = body.refresh_token;
  if (typeof body.refresh_token_expires_in === 'number') out.refresh_token_expires_in = body.refresh_token_expires_in;
  return out;
}

function toCredentials(t: TokenResponse, now: number, previous: Credentials | null): Credentials {
  const creds: Credentials = { accessToken: t.access_token };
  if (t.expires_in !== undefined) creds.accessExpiresAt = new Date(now + t.expires_in * 1000).toISOString();
  if (t.refresh_token !== undefined) {
    creds.refreshToken = t.refresh_token;
    if (t.refresh_token_expires_in !== undefined) {
      creds.refreshExpiresAt = new Date(now + t.refresh_token_expires_in * 1000).toISOString();
    }
  } else if (previous?.refreshToken !== undefined) {
    // A response without a refresh token must not strand the connection: keep the one we have.
    creds.refreshToken = previous.refreshToken;
    if (previous.refreshExpiresAt !== undefined) creds.refreshExpiresAt = previous.refreshExpiresAt;
  }
  const scope = t.scope ?? previous?.scope;
  if (scope !== undefined) creds.scope = scope;
  return creds;
}

/** Maps a non-2xx token endpoint answer. The body's error code is echoed; descriptions could carry input. */
async function tokenError(res: Response, what: string, grant: 'code' | 'refresh'): Promise<ProviderError> {
  let code = '';
  let description = '';
  try {
    const body = (await res.json()) as unknown;
    if (isRecord(body)) {
      code = typeof body.error === 'string' ? body.error : '';
      description = typeof body.error_description === 'string' ? body.error_description : '';
    }
  } catch {
    // Not JSON: the status alone decides.
  }
  const status = res.status;
  if (status === 429) {
    const after = retryAfterMs(res.headers.get('retry-after'));
    return new ProviderError('RATE_LIMITED', `Shopify ${what} rate limited`, after === undefined ? { status } : { status, retryAfterMs: after });
  }
  if (status >= 500) return new ProviderError('UNAVAILABLE', `Shopify ${what} answered HTTP ${status}`, { status });
  // Shopify answers a used/revoked grant with 400 invalid_grant, and has been seen answering an
  // orphaned refresh token with 401 invalid_request "requires an active refresh_token".
  const grantGone =
    code === 'invalid_grant' || (grant === 'refresh' && (status === 400 || status === 401) && /refresh_token/i.test(description));
  if (grantGone) return new ProviderError('INVALID_GRANT', `Shopify ${what} rejected the grant (${code || status})`, { status });
  return new ProviderError('VALIDATION', `Shopify ${what} refused the request (${code || `HTTP ${status}`})`, { status });
}

async function postToken(
  deps: HttpDeps,
  cfg: ShopifyAppConfig,
  shop: string,
  params: Record<string, string>,
  grant: 'code' | 'refresh',
): Promise<TokenResponse> {
  const what = grant === 'code' ? 'code exchange' : 'token refresh';
  const res = await send(deps, what, `${shopBaseUrl(cfg, shop)}/admin/oauth/access_token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({ client_id: cfg.clientId, client_secret: cfg.clientSecret, ...params }).toString(),
  });
  if (!res.ok) throw await tokenError(res, what, grant);
  return parseTokenResponse(await readJson(res, what));
}

export async function exchangeCode(deps: HttpDeps, cfg: ShopifyAppConfig, shop: string, code: string): Promise<Credentials> {
  // expiring=1 asks for a 60-minute offline token plus a rotating refresh token (Dec 2025 protocol);
  // without it Shopify issues a non-expiring token, which public apps lose on 2027-01-01.
  const t = await postToken(deps, cfg, shop, { code, expiring: '1' }, 'code');
  return toCredentials(t, Date.now(), null);
}

export async function refreshCredentials(
  deps: HttpDeps,
  cfg: ShopifyAppConfig,
  shop: string,
  current: Credentials,
): Promise<Credentials> {
  if (current.refreshToken === undefined) {
    throw new ProviderError('INVALID_GRANT', 'No refresh token stored for this connection; reconnect the shop');
  }
  const t = await postToken(deps, cfg, shop, { grant_type: 'refresh_token', refresh_token: current.refreshToken }, 'refresh');
  return toCredentials(t, Date.now(), current);
}
