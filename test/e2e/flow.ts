// Helpers for end-to-end tests: the connect flow as a browser would do it
// (without a browser), and polling for background work.
import { expect } from 'vitest';
import { connectionByPublicId, type ConnectionRow } from '../../src/db/connections.ts';
import type { AmazonFake } from '../../src/providers/amazon/fake/index.ts';
import type { TestService, TestTenant } from '../harness.ts';

export async function waitFor<T>(probe: () => Promise<T | null | undefined | false>, timeoutMs = 20_000, stepMs = 150): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error('waitFor: condition not met in time');
    await new Promise((r) => setTimeout(r, stepMs));
  }
}


/** auth-url with no body: the hosted connect page's URL. */
export async function connectPageUrl(svc: TestService, t: TestTenant): Promise<string> {
  const authUrl = await svc.app.inject({ method: 'POST', url: '/api/v1/integrations/auth-url', headers: await svc.headers(t), payload: {} });
  expect(authUrl.statusCode).toBe(200);
  return (authUrl.json() as { auth_url: string }).auth_url;
}

/** Follows the provider's redirect back to Synq and reads the new connection id off the success page. */
export async function connectionFromSuccessPage(callback: string | URL): Promise<{ connectionId: string }> {
  const done = await fetch(callback, { redirect: 'manual' });
  const html = await done.text();
  expect(done.status, html).toBe(200);
  const m = /id="connection-id">(conn_[A-Za-z0-9]+)</.exec(html);
  expect(m).not.toBeNull();
  return { connectionId: m![1]! };
}

/** auth-url → connect page → form → Shopify authorize (auto-approve) → our callback. Returns the new connection id. */
export async function connectShop(svc: TestService, t: TestTenant, shop: string): Promise<{ connectionId: string }> {
  const connectUrl = await connectPageUrl(svc, t);
  expect(connectUrl.startsWith(`${svc.url}/connect/`)).toBe(true);

  const pageRes = await fetch(connectUrl);
  expect(pageRes.status).toBe(200);
  expect(await pageRes.text()).toContain('Shopify');

  const form = await fetch(connectUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ provider: 'shopify', account: shop }).toString(),
    redirect: 'manual',
  });
  expect(form.status).toBe(302);
  const authorize = form.headers.get('location')!;
  expect(authorize).toContain('/admin/oauth/authorize');

  const approved = await fetch(authorize, { redirect: 'manual' });
  expect(approved.status).toBe(302);
  const callback = approved.headers.get('location')!;
  expect(callback.startsWith(`${svc.url}/api/v1/integrations/oauth/shopify/callback`)).toBe(true);

  return connectionFromSuccessPage(callback);
}

/**
 * auth-url → connect page → form (store URL) → WooCommerce /wc-auth/v1/authorize (auto-approve:
 * the store POSTs the keys to Synq server to server) → the browser's return → page with the
 * connection id. Returns the new connection id.
 */
export async function connectWooStore(svc: TestService, t: TestTenant, storeUrl: string): Promise<{ connectionId: string }> {
  const connectUrl = await connectPageUrl(svc, t);
  const pageRes = await fetch(connectUrl);
  expect(await pageRes.text()).toContain('WooCommerce');

  const form = await fetch(connectUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ provider: 'woocommerce', account: storeUrl }).toString(),
    redirect: 'manual',
  });
  expect(form.status, await form.clone().text()).toBe(302);
  const authorize = new URL(form.headers.get('location')!);
  expect(authorize.pathname.endsWith('/wc-auth/v1/authorize')).toBe(true);
  expect(authorize.searchParams.get('scope')).toBe('read_write');
  expect(authorize.searchParams.get('callback_url')).toBe(`${svc.url}/api/v1/integrations/keys/woocommerce/callback`);

  const approved = await fetch(authorize, { redirect: 'manual' });
  expect(approved.status, await approved.clone().text()).toBe(302);
  const back = approved.headers.get('location')!;
  expect(back.startsWith(`${svc.url}/api/v1/integrations/keys/woocommerce/return`)).toBe(true);
  expect(new URL(back).searchParams.get('success')).toBe('1');

  const done = await fetch(back, { redirect: 'manual' });
  const html = await done.text();
  expect(done.status, html).toBe(200);
  const m = /id="connection-id">(conn_[A-Za-z0-9]+)</.exec(html);
  expect(m).not.toBeNull();
  return { connectionId: m![1]! };
}

/** POST /unified/sync/push/product and wait until every target settled. */
export async function pushAndSettle(svc: TestService, t: TestTenant, productId: string, action: 'UPSERT' | 'DELETE') {
  const res = await svc.app.inject({ method: 'POST', url: '/unified/sync/push/product', headers: await svc.headers(t), payload: { productId, action } });
  expect(res.statusCode).toBe(202);
  const jobId = (res.json() as { job_id: string }).job_id;
  return waitFor(async () => {
    const job = await svc.app.inject({ method: 'GET', url: `/unified/sync/jobs/${jobId}`, headers: await svc.headers(t) });
    const body = job.json() as { status: string; targets: { connection_id: string; provider: string; status: string; attempts: number; remote_id: string | null; error: string | null }[] };
    return body.targets.length > 0 && body.targets.every((x) => x.status !== 'queued' && x.status !== 'running') ? body : null;
  });
}

/**
 * auth-url with provider "xero" → Xero's consent page (the fake auto-approves; PKCE S256) →
 * our callback (code exchange with the verifier, GET /connections) → page with the connection id.
 */
export async function connectXeroOrg(svc: TestService, t: TestTenant): Promise<{ connectionId: string }> {
  const authUrl = await svc.app.inject({ method: 'POST', url: '/api/v1/integrations/auth-url', headers: await svc.headers(t), payload: { provider: 'xero' } });
  expect(authUrl.statusCode, authUrl.body).toBe(200);
  const authorize = new URL((authUrl.json() as { auth_url: string }).auth_url);
  expect(authorize.pathname.endsWith('/identity/connect/authorize')).toBe(true);
  expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
  const approved = await fetch(authorize, { redirect: 'manual' });
  expect(approved.status, await approved.clone().text()).toBe(302);
  const back = approved.headers.get('location')!;
  expect(back.startsWith(`${svc.url}/api/v1/integrations/oauth/xero/callback`)).toBe(true);
  const done = await fetch(back, { redirect: 'manual' });
  const html = await done.text();
  expect(done.status, html).toBe(200);
  const m = /id="connection-id">(conn_[A-Za-z0-9]+)</.exec(html);
  expect(m).not.toBeNull();
  return { connectionId: m![1]! };
}

/**
 * auth-url (provider "quickbooks", or the connect page for category "accounting") → Intuit's
 * consent page (the fake auto-approves) → our callback with code, state and realmId → page
 * with the connection id.
 */
export async function connectQuickBooksCompany(svc: TestService, t: TestTenant, via: 'direct' | 'page' = 'direct'): Promise<{ connectionId: string }> {
  const payload = via === 'direct' ? { provider: 'quickbooks' } : { category: 'accounting' };
  const authUrl = await svc.app.inject({ method: 'POST', url: '/api/v1/integrations/auth-url', headers: await svc.headers(t), payload });
  expect(authUrl.statusCode, authUrl.body).toBe(200);
  let authorize = new URL((authUrl.json() as { auth_url: string }).auth_url);
  if (via === 'page') {
    expect(authorize.toString().startsWith(`${svc.url}/connect/`)).toBe(true);
    expect(await (await fetch(authorize)).text()).toContain('QuickBooks Online');
    const form = await fetch(authorize, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ provider: 'quickbooks' }).toString(),
      redirect: 'manual',
    });
    expect(form.status, await form.clone().text()).toBe(302);
    authorize = new URL(form.headers.get('location')!);
  }
  expect(authorize.pathname).toBe('/connect/oauth2');
  expect(authorize.searchParams.get('scope')).toBe('com.intuit.quickbooks.accounting');
  expect(authorize.searchParams.get('redirect_uri')).toBe(`${svc.url}/api/v1/integrations/oauth/quickbooks/callback`);
  const approved = await fetch(authorize, { redirect: 'manual' });
  expect(approved.status, await approved.clone().text()).toBe(302);
  const callback = new URL(approved.headers.get('location')!);
  expect(callback.searchParams.get('realmId')).toMatch(/^\d+$/);
  return connectionFromSuccessPage(callback);
}

/**
 * auth-url → connect page → form (no account: Amazon names the seller) → Seller Central consent
 * (auto-approve) → our callback with state, selling_partner_id and spapi_oauth_code → page with
 * the connection id. The fake decides the seller (AmazonFake.setNextSeller before calling).
 */
export async function connectAmazonSeller(svc: TestService, t: TestTenant, expectedSeller: string): Promise<{ connectionId: string }> {
  const connectUrl = await connectPageUrl(svc, t);
  expect(await (await fetch(connectUrl)).text()).toContain('Amazon');
  const form = await fetch(connectUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ provider: 'amazon' }).toString(),
    redirect: 'manual',
  });
  expect(form.status, await form.clone().text()).toBe(302);
  const consent = new URL(form.headers.get('location')!);
  expect(consent.pathname).toBe('/apps/authorize/consent');
  expect(consent.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(consent.searchParams.get('redirect_uri')).toBe(`${svc.url}/api/v1/integrations/oauth/amazon/callback`);
  const approved = await fetch(consent, { redirect: 'manual' });
  expect(approved.status).toBe(302);
  const back = new URL(approved.headers.get('location')!);
  expect(back.searchParams.get('selling_partner_id')).toBe(expectedSeller);
  expect(back.searchParams.get('spapi_oauth_code')).toBeTruthy();
  const done = await fetch(back, { redirect: 'manual' });
  const html = await done.text();
  expect(done.status, html).toBe(200);
  const m = /id="connection-id">(conn_[A-Za-z0-9]+)</.exec(html);
  expect(m).not.toBeNull();
  return { connectionId: m![1]! };
}

/** The variables that point Synq's Amazon connector at a local fake (one definition, beside the fake). */
export { amazonFakeEnv } from '../../src/providers/amazon/fake/index.ts';

/** connectAmazonSeller, then save: an ACTIVE connection whose initial sync has finished. */
export async function activeAmazonSeller(svc: TestService, fake: AmazonFake, t: TestTenant, sellerId: string): Promise<{ connectionId: string; row: ConnectionRow }> {
  fake.setNextSeller(sellerId);
  const { connectionId } = await connectAmazonSeller(svc, t, sellerId);
  const saved = await svc.app.inject({ method: 'POST', url: '/api/v1/integrations/callback', headers: await svc.headers(t), payload: { connection_id: connectionId } });
  expect(saved.statusCode).toBe(201);
  await waitFor(async () => (await connectionByPublicId(svc.deps.db, connectionId))?.lastSyncedAt);
  return { connectionId, row: (await connectionByPublicId(svc.deps.db, connectionId))! };
}
