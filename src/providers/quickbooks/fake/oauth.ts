// The fake's Intuit OAuth 2 endpoints: the consent page (auto-approve, or a page with an
// "approve" button), the bearer token endpoint (authorization_code and refresh_token with
// Basic client auth, refresh tokens rotated on every refresh by default) and revocation.
import { FakeWorld, token, type HttpAnswer } from './state.ts';

export interface OAuthDeps {
  world: FakeWorld;
  clientId: string;
  clientSecret: string;
  autoApprove: boolean;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  /** true: every refresh returns a new refresh token and the used one stops working. */
  rotateRefreshTokens: boolean;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const oauthError = (status: number, error: string): HttpAnswer => ({ status, body: { error } });

function redirectWithCode(deps: OAuthDeps, redirectUri: string, state: string, realmId: string): HttpAnswer {
  const code = token('AB11');
  deps.world.codes.set(code, { realmId, redirectUri, expiresAt: Date.now() + 5 * 60_000 });
  deps.world.company(realmId);
  const target = new URL(redirectUri);
  target.searchParams.set('code', code);
  target.searchParams.set('state', state);
  target.searchParams.set('realmId', realmId);
  return { status: 302, headers: { location: target.toString() } };
}

export function handleAuthorize(deps: OAuthDeps, method: string, params: URLSearchParams): HttpAnswer {
  const clientId = params.get('client_id');
  const redirectUri = params.get('redirect_uri');
  const state = params.get('state');
  const scope = params.get('scope') ?? '';
  if (clientId !== deps.clientId) return { status: 400, body: '<p>Invalid client_id</p>' };
  if (params.get('response_type') !== 'code') return { status: 400, body: '<p>response_type must be code</p>' };
  if (!redirectUri || !/^https?:\/\//.test(redirectUri)) return { status: 400, body: '<p>Invalid redirect_uri</p>' };
  if (!state) return { status: 400, body: '<p>state is required</p>' };
  if (!scope.split(' ').includes('com.intuit.quickbooks.accounting')) return { status: 400, body: '<p>scope must include com.intuit.quickbooks.accounting</p>' };
  const realm = params.get('realmId');
  if (method === 'POST' || deps.autoApprove) {
    if (params.get('decision') === 'deny') {
      const target = new URL(redirectUri);
      target.searchParams.set('error', 'access_denied');
      target.searchParams.set('state', state);
      return { status: 302, headers: { location: target.toString() } };
    }
    return redirectWithCode(deps, redirectUri, state, realm && /^\d+$/.test(realm) ? realm : deps.world.newRealm());
  }
  const hidden = ['client_id', 'response_type', 'scope', 'redirect_uri', 'state']
    .map((k) => `<input type="hidden" name="${k}" value="${esc(params.get(k) ?? '')}">`)
    .join('');
  return {
    status: 200,
    body: `<!doctype html><title>Connect to QuickBooks (fake)</title><h1>Connect your QuickBooks company</h1>
<form method="post" action="/connect/oauth2">${hidden}
<label>Company (realmId) <input name="realmId" id="realm" value="${esc(realm ?? deps.world.newRealm())}"></label>
<button type="submit" id="approve" name="decision" value="approve">Connect</button>
<button type="submit" id="deny" name="decision" value="deny">Cancel</button></form>`,
  };
}

function issue(deps: OAuthDeps, grantId: string, realmId: string, refreshToken: string) {
  const access = token('eyJfake.');
  deps.world.accessTokens.set(access, { grantId, realmId, expiresAt: Date.now() + deps.accessTokenTtlSeconds * 1000 });
  return {
    token_type: 'bearer',
    access_token: access,
    expires_in: deps.accessTokenTtlSeconds,
    refresh_token: refreshToken,
    x_refresh_token_expires_in: deps.refreshTokenTtlSeconds,
  };
}

function clientOk(deps: OAuthDeps, authorization: string | undefined): boolean {
  const m = /^Basic ([A-Za-z0-9+/=]+)$/.exec(authorization ?? '');
  return m !== null && Buffer.from(m[1]!, 'base64').toString('utf8') === `${deps.clientId}:${deps.clientSecret}`;
}

export function handleToken(deps: OAuthDeps, contentType: string | undefined, authorization: string | undefined, raw: string): HttpAnswer {
  const { world } = deps;
  world.stats.tokenRequests += 1;
  if (!clientOk(deps, authorization)) return oauthError(401, 'invalid_client');
  if (!(contentType ?? '').startsWith('application/x-www-form-urlencoded')) return oauthError(400, 'invalid_request');
  const form = new URLSearchParams(raw);
  const grantType = form.get('grant_type');
  if (grantType === 'authorization_code') {
    const code = form.get('code') ?? '';
    const entry = world.codes.get(code);
    world.codes.delete(code); // single use
    if (!entry || entry.expiresAt < Date.now() || entry.redirectUri !== form.get('redirect_uri')) return oauthError(400, 'invalid_grant');
    const grantId = token('g');
    const refresh = token('AB11rt');
    world.grants.set(grantId, { id: grantId, realmId: entry.realmId, revoked: false, refreshToken: refresh, refreshExpiresAt: Date.now() + deps.refreshTokenTtlSeconds * 1000 });
    return { status: 200, body: issue(deps, grantId, entry.realmId, refresh) };
  }
  if (grantType === 'refresh_token') {
    const given = form.get('refresh_token') ?? '';
    const grant = [...world.grants.values()].find((g) => g.refreshToken === given);
    if (!grant || grant.revoked || grant.refreshExpiresAt < Date.now()) return oauthError(400, 'invalid_grant');
    world.stats.refreshes += 1;
    if (deps.rotateRefreshTokens) {
      grant.refreshToken = token('AB11rt');
      grant.refreshExpiresAt = Date.now() + deps.refreshTokenTtlSeconds * 1000;
    }
    return { status: 200, body: issue(deps, grant.id, grant.realmId, grant.refreshToken) };
  }
  return oauthError(400, 'unsupported_grant_type');
}

/** Revoking either token of a grant revokes the whole grant (access and refresh), as Intuit does. */
export function revokeGrantOf(world: FakeWorld, given: string): boolean {
  const grantId = world.accessTokens.get(given)?.grantId ?? [...world.grants.values()].find((g) => g.refreshToken === given)?.id;
  const grant = grantId === undefined ? undefined : world.grants.get(grantId);
  if (!grant) return false;
  grant.revoked = true;
  for (const [t, a] of world.accessTokens) if (a.grantId === grant.id) world.accessTokens.delete(t);
  return true;
}

export function handleRevoke(deps: OAuthDeps, authorization: string | undefined, raw: string): HttpAnswer {
  if (!clientOk(deps, authorization)) return oauthError(401, 'invalid_client');
  let given = '';
  try {
    const body = JSON.parse(raw) as { token?: unknown };
    given = typeof body.token === 'string' ? body.token : '';
  } catch {
    return oauthError(400, 'invalid_request');
  }
  if (given === '') return oauthError(400, 'invalid_request');
  deps.world.stats.revocations += 1;
  return revokeGrantOf(deps.world, given) ? { status: 200, body: {} } : oauthError(400, 'invalid_token');
}
