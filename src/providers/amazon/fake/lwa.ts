// The fake's Seller Central consent page and Login with Amazon token endpoint.
// Consent: GET /apps/authorize/consent?application_id&state[&version=beta][&redirect_uri]
// shows a page whose button (id "approve") sends the browser back with state,
// selling_partner_id and spapi_oauth_code; with auto-approve the redirect is immediate.
// Token: POST /auth/o2/token, form-encoded, authorization_code (code good for 5 minutes,
// once) or refresh_token (a new access token; the refresh token stays the same).
import { esc } from './html.ts';
import { newSellerId, type FakeWorld, type HttpAnswer } from './state.ts';

export interface LwaFakeOptions {
  appId: string;
  clientId: string;
  clientSecret: string;
  autoApprove: boolean;
  /** Seconds an access token lives (3600 at Amazon; tests shorten it). */
  accessTokenTtlSeconds: number;
  /** How long a spapi_oauth_code can be redeemed (300 s at Amazon). */
  codeTtlSeconds: number;
  /** The application's registered OAuth redirect URIs; empty = any http(s) URI (sandbox). */
  redirectUris: string[];
}

const html = (title: string, body: string) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${esc(title)}</title></head><body><h1>${esc(title)}</h1>${body}</body></html>`;

function approvedRedirect(world: FakeWorld, redirectUri: string, state: string, seller: string): HttpAnswer {
  world.seller(seller);
  world.stats.consents++;
  const code = world.issueCode(seller, redirectUri);
  const back = new URL(redirectUri);
  back.searchParams.set('state', state);
  back.searchParams.set('selling_partner_id', seller);
  back.searchParams.set('spapi_oauth_code', code);
  return { status: 302, headers: { location: back.toString() }, body: '' };
}

export function handleConsent(world: FakeWorld, opts: LwaFakeOptions, method: string, params: URLSearchParams): HttpAnswer {
  const appId = params.get('application_id');
  const state = params.get('state');
  const version = params.get('version');
  const redirectUri = params.get('redirect_uri') ?? opts.redirectUris[0] ?? null;
  if (appId !== opts.appId) return { status: 400, body: html('Unknown application', '<p>application_id does not name a registered application.</p>') };
  if (!state) return { status: 400, body: html('Missing state', '<p>state is required.</p>') };
  if (version !== null && version !== 'beta') return { status: 400, body: html('Bad version', '<p>version must be beta when present.</p>') };
  if (redirectUri === null || !/^https?:\/\//.test(redirectUri) || (opts.redirectUris.length > 0 && !opts.redirectUris.includes(redirectUri))) {
    return { status: 400, body: html('Redirect URI not registered', '<p>redirect_uri is not one of the application\'s OAuth redirect URIs.</p>') };
  }
  const pick = () => {
    const s = world.nextSeller ?? newSellerId();
    world.nextSeller = null;
    return s;
  };
  if (method === 'POST') {
    if (params.get('decision') !== 'approve') return { status: 200, body: html('Authorization cancelled', '<p>You did not authorize the application.</p>') };
    const seller = params.get('selling_partner_id') || pick();
    return approvedRedirect(world, redirectUri, state, seller);
  }
  if (opts.autoApprove) return approvedRedirect(world, redirectUri, state, pick());
  const hidden = [...params].map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`).join('');
  return {
    status: 200,
    body: html(
      'Authorize Synq',
      `<form method="post" action="/apps/authorize/consent">${hidden}
        <label for="seller">Seller id</label><input id="seller" name="selling_partner_id" value="${esc(world.nextSeller ?? newSellerId())}">
        <button type="submit" id="approve" name="decision" value="approve">Confirm</button>
        <button type="submit" id="deny" name="decision" value="deny">Cancel</button></form>`,
    ),
  };
}

const tokenError = (status: number, error: string, description: string): HttpAnswer => ({ status, body: { error, error_description: description } });

export function handleToken(world: FakeWorld, opts: LwaFakeOptions, contentType: string, raw: string): HttpAnswer {
  world.stats.tokenRequests++;
  if (!contentType.startsWith('application/x-www-form-urlencoded')) return tokenError(400, 'invalid_request', 'Content-Type must be application/x-www-form-urlencoded');
  const form = new URLSearchParams(raw);
  if (form.get('client_id') !== opts.clientId || form.get('client_secret') !== opts.clientSecret) return tokenError(401, 'invalid_client', 'Client authentication failed');
  const grant = form.get('grant_type');
  if (grant === 'authorization_code') {
    const code = form.get('code') ?? '';
    const c = world.codes.get(code);
    if (!c || c.used || Date.now() - c.issuedAt > opts.codeTtlSeconds * 1000) return tokenError(400, 'invalid_grant', 'The authorization code is invalid or has expired');
    const redirect = form.get('redirect_uri');
    if (redirect !== null && c.redirectUri !== null && redirect !== c.redirectUri) return tokenError(400, 'invalid_grant', 'redirect_uri does not match the authorization request');
    c.used = true;
    return {
      status: 200,
      body: {
        access_token: world.issueAccessToken(c.seller, opts.accessTokenTtlSeconds),
        refresh_token: world.issueRefreshToken(c.seller),
        token_type: 'bearer',
        expires_in: opts.accessTokenTtlSeconds,
      },
    };
  }
  if (grant === 'refresh_token') {
    const token = form.get('refresh_token') ?? '';
    const r = world.refreshTokens.get(token);
    if (!r || r.revoked) return tokenError(400, 'invalid_grant', 'The request has an invalid grant parameter : refresh_token');
    world.stats.refreshes++;
    // LWA answers the same refresh token: it does not rotate.
    return { status: 200, body: { access_token: world.issueAccessToken(r.seller, opts.accessTokenTtlSeconds), refresh_token: token, token_type: 'bearer', expires_in: opts.accessTokenTtlSeconds } };
  }
  return tokenError(400, 'unsupported_grant_type', 'grant_type must be authorization_code or refresh_token');
}
