// The fake's identity service: the consent page (auto-approve, or a page with an
// "approve" button), the token endpoint (client Basic auth, PKCE S256, single-use codes,
// rotating single-use refresh tokens, invalid_grant) and revocation.
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { FakeGrant, FakeWorld, HttpAnswer } from './state.ts';

/** Authorization codes live 5 minutes (developer.xero.com, OAuth 2 auth flow). */
const CODE_TTL_MS = 5 * 60 * 1000;
const REQUIRED_SCOPES = ['offline_access'];

export interface IdentityDeps {
  world: FakeWorld;
  autoApprove: boolean;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const oauthError = (status: number, error: string, description?: string): HttpAnswer => ({
  status,
  body: description === undefined ? { error } : { error, error_description: description },
});

function redirectWith(target: string, params: Record<string, string>): HttpAnswer {
  const u = new URL(target);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return { status: 302, headers: { location: u.toString() } };
}

/** GET shows (or, with auto-approve, skips) the consent page; POST is the "approve" button. */
export function handleAuthorize(deps: IdentityDeps, method: string, params: URLSearchParams): HttpAnswer {
  deps.world.stats.oauthRequests++;
  const p = (k: string) => params.get(k) ?? '';
  // Problems with the client or redirect URI are shown, never redirected (RFC 6749 §4.1.2.1).
  if (p('client_id') !== deps.world.clientId) return { status: 400, body: '<h1>unauthorized_client</h1>' };
  let redirect: URL;
  try {
    redirect = new URL(p('redirect_uri'));
  } catch {
    return { status: 400, body: '<h1>invalid redirect_uri</h1>' };
  }
  if (redirect.protocol !== 'https:' && redirect.protocol !== 'http:') return { status: 400, body: '<h1>invalid redirect_uri</h1>' };
  const state = p('state');
  const fail = (error: string) => redirectWith(redirect.toString(), { error, ...(state ? { state } : {}) });
  if (p('response_type') !== 'code') return fail('unsupported_response_type');
  const scopes = p('scope').split(' ').filter(Boolean);
  if (!REQUIRED_SCOPES.every((s) => scopes.includes(s))) return fail('invalid_scope');
  const challenge = params.get('code_challenge');
  if (challenge !== null && (p('code_challenge_method') !== 'S256' || !/^[A-Za-z0-9_-]{43}$/.test(challenge))) return fail('invalid_request');
  // Synq always uses PKCE: a missing challenge is a Synq bug, so the fake refuses it.
  if (challenge === null) return fail('invalid_request');

  if (method === 'GET' && !deps.autoApprove) {
    const hidden = [...params.entries()].map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`).join('');
    return {
      status: 200,
      body: `<!doctype html><title>Xero | Authorise</title><h1>Synq wants to access your organisation</h1>
<form method="post">${hidden}<button id="approve" type="submit">Allow access</button></form>
<form method="get" action="${esc(redirect.toString())}"><input type="hidden" name="error" value="access_denied"><input type="hidden" name="state" value="${esc(state)}"><button id="deny" type="submit">Cancel</button></form>`,
    };
  }
  // Approval connects a new organisation (the user picks one on the real page).
  const org = deps.world.newOrganisation();
  const grant: FakeGrant = { authEventId: randomUUID(), connectionIds: new Map([[org.tenantId, randomUUID()]]), tenantIds: [org.tenantId], scope: scopes.join(' '), revoked: false };
  const code = randomBytes(32).toString('hex');
  deps.world.codes.set(code, { grant, redirectUri: redirect.toString(), challenge, expiresAt: Date.now() + CODE_TTL_MS, used: false });
  return redirectWith(redirect.toString(), { code, scope: grant.scope, ...(state ? { state } : {}), session_state: randomBytes(8).toString('hex') });
}

function clientAuthenticated(world: FakeWorld, authorization: string | undefined): boolean {
  const m = /^Basic ([A-Za-z0-9+/=]+)$/.exec(authorization ?? '');
  if (!m) return false;
  const given = Buffer.from(m[1]!, 'base64');
  const expected = Buffer.from(`${world.clientId}:${world.clientSecret}`);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export function handleToken(world: FakeWorld, authorization: string | undefined, contentType: string | undefined, raw: string): HttpAnswer {
  world.stats.oauthRequests++;
  if (!clientAuthenticated(world, authorization)) return oauthError(400, 'invalid_client');
  if (!(contentType ?? '').startsWith('application/x-www-form-urlencoded')) return oauthError(400, 'invalid_request', 'form body expected');
  const form = new URLSearchParams(raw);
  const grantType = form.get('grant_type');
  if (grantType === 'authorization_code') {
    const code = world.codes.get(form.get('code') ?? '');
    if (!code || code.used || code.expiresAt < Date.now() || code.grant.revoked) return oauthError(400, 'invalid_grant');
    if (form.get('redirect_uri') !== code.redirectUri) return oauthError(400, 'invalid_grant', 'redirect_uri mismatch');
    const verifier = form.get('code_verifier');
    if (code.challenge !== null) {
      if (verifier === null || !/^[A-Za-z0-9._~-]{43,128}$/.test(verifier)) return oauthError(400, 'invalid_grant', 'code_verifier required');
      if (createHash('sha256').update(verifier, 'ascii').digest('base64url') !== code.challenge) return oauthError(400, 'invalid_grant', 'PKCE verification failed');
    }
    code.used = true;
    return { status: 200, body: { ...world.issueTokens(code.grant, code.grant.scope.split(' ').includes('offline_access')), token_type: 'Bearer', scope: code.grant.scope } };
  }
  if (grantType === 'refresh_token') {
    const token = form.get('refresh_token') ?? '';
    const entry = world.refreshTokens.get(token);
    // Single use: a rotated (already used) refresh token is as dead as a revoked one.
    if (!entry || entry.used || entry.grant.revoked) return oauthError(400, 'invalid_grant');
    entry.used = true;
    world.stats.refreshes++;
    return { status: 200, body: { ...world.issueTokens(entry.grant, true), token_type: 'Bearer', scope: entry.grant.scope } };
  }
  return oauthError(400, 'unsupported_grant_type');
}

/** POST /connect/revocation with a refresh token: the whole grant goes. */
export function handleRevocation(world: FakeWorld, authorization: string | undefined, raw: string): HttpAnswer {
  world.stats.oauthRequests++;
  if (!clientAuthenticated(world, authorization)) return oauthError(400, 'invalid_client');
  const entry = world.refreshTokens.get(new URLSearchParams(raw).get('token') ?? '');
  if (entry) entry.grant.revoked = true;
  return { status: 200 };
}
