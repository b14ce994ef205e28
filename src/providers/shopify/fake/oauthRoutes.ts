// The fake's OAuth endpoints: the install page, the signed redirect back to the
// app, and the token endpoint (code exchange with expiring offline tokens,
// rotating refresh). Signing is written out here independently of the
// connector's verifier, so a mistake in one is caught by the other.
import { createHmac } from 'node:crypto';
import type { HttpAnswer } from './graphqlEndpoint.ts';
import { randomToken, type FakeStore } from './state.ts';

export interface OAuthDeps {
  store: FakeStore;
  clientId: string;
  clientSecret: string;
  autoApprove: boolean;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  log: (line: string) => void;
}

/** Authorization codes are short-lived and single-use. */
const CODE_TTL_MS = 60_000;

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** Shopify's redirect signature: hex HMAC-SHA256 over the sorted `k=v` pairs, `&`/`%` escaped. */
export function signRedirectParams(params: Record<string, string>, secret: string): string {
  const esc = (s: string) => s.replace(/%/g, '%25').replace(/&/g, '%26');
  const message = Object.keys(params)
    .sort()
    .map((k) => `${esc(k).replace(/=/g, '%3D')}=${esc(params[k] ?? '')}`)
    .join('&');
  return createHmac('sha256', secret).update(message).digest('hex');
}

interface AuthorizeParams {
  clientId: string;
  scope: string;
  redirectUri: string;
  state: string;
}

function checkAuthorize(deps: OAuthDeps, p: AuthorizeParams): string | null {
  if (p.clientId !== deps.clientId) return 'The client_id is invalid or the app does not exist.';
  try {
    const u = new URL(p.redirectUri);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return 'The redirect_uri is not a web URL.';
  } catch {
    return 'The redirect_uri is missing or not a URL.';
  }
  return null;
}

function approve(deps: OAuthDeps, shop: string, p: AuthorizeParams): HttpAnswer {
  const code = randomToken('');
  deps.store.codes.set(code, { shop, scope: p.scope, expiresAt: Date.now() + CODE_TTL_MS, used: false });
  const params: Record<string, string> = {
    code,
    host: Buffer.from(`admin.shopify.com/store/${shop.split('.')[0] ?? shop}`).toString('base64').replace(/=+$/, ''),
    shop,
    state: p.state,
    timestamp: String(Math.floor(Date.now() / 1000)),
  };
  const url = new URL(p.redirectUri);
  for (const [k, v] of Object.entries({ ...params, hmac: signRedirectParams(params, deps.clientSecret) })) url.searchParams.set(k, v);
  return { status: 302, headers: { location: url.toString() } };
}

function installPage(shop: string, p: AuthorizeParams, action: string): string {
  const hidden = Object.entries({ client_id: p.clientId, scope: p.scope, redirect_uri: p.redirectUri, state: p.state })
    .map(([k, v]) => `<input type="hidden" name="${k}" value="${escapeHtml(v)}">`)
    .join('');
  const scopes = p.scope.split(',').filter(Boolean).map((s) => `<li>${escapeHtml(s.trim())}</li>`).join('');
  return `<!doctype html><html><head><meta charset="utf-8"><title>Install app</title></head><body>
<h1>Install ${escapeHtml(p.clientId)} on ${escapeHtml(shop)}</h1>
<p>This app (Synq, client ${escapeHtml(p.clientId)}) will be able to:</p><ul>${scopes}</ul>
<form method="post" action="${escapeHtml(action)}">${hidden}<button id="install" type="submit">Install app</button></form>
</body></html>`;
}

/** GET (page or auto-approve) and POST (the Install button) of /admin/oauth/authorize. */
export function handleAuthorize(deps: OAuthDeps, shop: string, method: string, fields: URLSearchParams, path: string): HttpAnswer {
  const p: AuthorizeParams = {
    clientId: fields.get('client_id') ?? '',
    scope: fields.get('scope') ?? '',
    redirectUri: fields.get('redirect_uri') ?? '',
    state: fields.get('state') ?? '',
  };
  const problem = checkAuthorize(deps, p);
  if (problem !== null) return { status: 400, headers: { 'content-type': 'text/html; charset=utf-8' }, body: `<h1>Oauth error invalid_request: ${escapeHtml(problem)}</h1>` };
  if (method === 'POST' || deps.autoApprove) return approve(deps, shop, p);
  return { status: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, body: installPage(shop, p, path) };
}

function tokenError(deps: OAuthDeps, status: number, error: string, description: string): HttpAnswer {
  deps.store.stats.rejectedTokenRequests += 1;
  return { status, body: { error, error_description: description } };
}

function mint(deps: OAuthDeps, shop: string, scope: string, expiring: boolean): Record<string, unknown> {
  const s = deps.store.shop(shop);
  const now = Date.now();
  const accessToken = randomToken('shpat_');
  deps.store.accessTokens.set(accessToken, {
    shop,
    generation: s.grantGeneration,
    expiresAt: expiring ? now + deps.accessTokenTtlSeconds * 1000 : null,
    revoked: false,
  });
  if (!expiring) return { access_token: accessToken, scope };
  const refreshToken = randomToken('shprt_');
  deps.store.refreshTokens.set(refreshToken, {
    shop,
    generation: s.grantGeneration,
    expiresAt: now + deps.refreshTokenTtlSeconds * 1000,
    used: false,
    scope,
    accessToken,
  });
  return {
    access_token: accessToken,
    scope,
    expires_in: deps.accessTokenTtlSeconds,
    refresh_token: refreshToken,
    refresh_token_expires_in: deps.refreshTokenTtlSeconds,
  };
}

/** POST /admin/oauth/access_token, JSON or form-encoded like Shopify. */
export function handleAccessToken(deps: OAuthDeps, shop: string, fields: URLSearchParams): HttpAnswer {
  const { store } = deps;
  if (fields.get('client_id') !== deps.clientId || fields.get('client_secret') !== deps.clientSecret) {
    return tokenError(deps, 401, 'invalid_client', 'Client authentication failed.');
  }
  const s = store.shop(shop);
  if (fields.get('grant_type') === 'refresh_token') {
    const token = fields.get('refresh_token') ?? '';
    const rec = store.refreshTokens.get(token);
    if (!rec || rec.shop !== s.domain || rec.used || rec.generation !== s.grantGeneration || rec.expiresAt <= Date.now()) {
      return tokenError(deps, 400, 'invalid_grant', 'The refresh token is invalid, expired, revoked or already used.');
    }
    // Rotation: the refresh token and the access token minted with it both stop working now.
    rec.used = true;
    const old = store.accessTokens.get(rec.accessToken);
    if (old) old.revoked = true;
    store.stats.refreshes += 1;
    return { status: 200, body: mint(deps, s.domain, rec.scope, true) };
  }
  const code = fields.get('code') ?? '';
  const rec = store.codes.get(code);
  if (!rec || rec.shop !== s.domain || rec.used || rec.expiresAt <= Date.now()) {
    return tokenError(deps, 400, 'invalid_grant', 'The authorization code was not found, has expired or was already used.');
  }
  rec.used = true;
  s.installed = true;
  store.stats.tokenExchanges += 1;
  const expiring = fields.get('expiring') === '1' || fields.get('expiring') === 'true';
  return { status: 200, body: mint(deps, s.domain, rec.scope, expiring) };
}
