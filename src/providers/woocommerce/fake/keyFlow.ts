// The fake's /wc-auth/v1/authorize: WooCommerce's app key flow. GET shows the approval
// page (buttons #approve and #deny) or, with auto-approve, approves at once. Approving
// issues a key pair, POSTs it as JSON to callback_url (anything but 200 deletes the key and
// fails, like WC_Auth::post_consumer_data), then redirects to return_url with
// success=1&user_id=…; denying redirects with success=0.
import type { FakeStoreData, FakeWorld, HttpAnswer } from './state.ts';

export interface KeyFlowDeps {
  world: FakeWorld;
  autoApprove: boolean;
  /** Real stores refuse a callback_url that is not https; the local fake may allow http (tests, sandbox). */
  allowHttpCallback: boolean;
}

const SCOPES = new Set(['read', 'write', 'read_write']);

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const errorPage = (status: number, message: string): HttpAnswer => ({
  status,
  headers: { 'content-type': 'text/html; charset=utf-8' },
  body: `<!doctype html><html><body><p id="error">Error: ${escapeHtml(message)}.</p></body></html>`,
});

interface AuthorizeParams {
  appName: string;
  scope: string;
  userId: string;
  returnUrl: string;
  callbackUrl: string;
}

function check(deps: KeyFlowDeps, f: URLSearchParams): AuthorizeParams | HttpAnswer {
  const p = { appName: f.get('app_name') ?? '', scope: f.get('scope') ?? '', userId: f.get('user_id') ?? '', returnUrl: f.get('return_url') ?? '', callbackUrl: f.get('callback_url') ?? '' };
  for (const [k, v] of Object.entries({ app_name: p.appName, scope: p.scope, user_id: p.userId, return_url: p.returnUrl, callback_url: p.callbackUrl })) {
    if (v === '') return errorPage(400, `Missing parameter ${k}`);
  }
  if (!SCOPES.has(p.scope)) return errorPage(400, 'Invalid scope');
  let cb: URL;
  try {
    cb = new URL(p.callbackUrl);
    new URL(p.returnUrl);
  } catch {
    return errorPage(400, 'The return_url and callback_url must be valid URLs');
  }
  if (cb.protocol !== 'https:' && !(deps.allowHttpCallback && cb.protocol === 'http:')) return errorPage(400, 'The callback_url needs to be over SSL');
  return p;
}

function withParams(url: string, params: Record<string, string>): string {
  const u = new URL(url);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u.toString();
}

async function approve(deps: KeyFlowDeps, store: FakeStoreData, p: AuthorizeParams): Promise<HttpAnswer> {
  const key = deps.world.issueKey(store.name, p.appName, p.scope as 'read' | 'write' | 'read_write');
  let status: number | null = null;
  try {
    const res = await fetch(p.callbackUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'WooCommerce (fake)' },
      body: JSON.stringify({ key_id: key.keyId, user_id: p.userId, consumer_key: key.consumerKey, consumer_secret: key.consumerSecret, key_permissions: key.permissions }),
      redirect: 'manual',
      signal: AbortSignal.timeout(30_000),
    });
    await res.body?.cancel();
    status = res.status;
  } catch {
    status = null;
  }
  if (status !== 200) {
    store.keys = store.keys.filter((k) => k !== key);
    return errorPage(401, 'An error occurred in the request and at the time were unable to send the consumer data');
  }
  return { status: 302, headers: { location: withParams(p.returnUrl, { success: '1', user_id: p.userId }) } };
}

function page(store: FakeStoreData, p: AuthorizeParams, action: string): HttpAnswer {
  const hidden = Object.entries({ app_name: p.appName, scope: p.scope, user_id: p.userId, return_url: p.returnUrl, callback_url: p.callbackUrl })
    .map(([k, v]) => `<input type="hidden" name="${k}" value="${escapeHtml(v)}">`)
    .join('');
  return {
    status: 200,
    headers: { 'content-type': 'text/html; charset=utf-8' },
    body: `<!doctype html><html><head><meta charset="utf-8"><title>Authorize ${escapeHtml(p.appName)}</title></head><body>
<h1>${escapeHtml(p.appName)} would like to connect to ${escapeHtml(store.name)}</h1>
<p>This will give "${escapeHtml(p.appName)}" <strong>${escapeHtml(p.scope)}</strong> access.</p>
<form method="post" action="${escapeHtml(action)}">${hidden}
<button id="approve" name="wc-auth-action" value="approve" type="submit">Approve</button>
<button id="deny" name="wc-auth-action" value="deny" type="submit">Deny</button></form></body></html>`,
  };
}

export async function handleAuthorize(deps: KeyFlowDeps, store: FakeStoreData, method: string, fields: URLSearchParams, path: string): Promise<HttpAnswer> {
  const p = check(deps, fields);
  if ('status' in p) return p;
  if (method === 'POST') {
    if (fields.get('wc-auth-action') === 'deny') return { status: 302, headers: { location: withParams(p.returnUrl, { success: '0', user_id: p.userId }) } };
    return approve(deps, store, p);
  }
  if (deps.autoApprove) return approve(deps, store, p);
  return page(store, p, path);
}
