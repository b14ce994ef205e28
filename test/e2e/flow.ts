// Helpers for end-to-end tests: the connect flow as a browser would do it
// (without a browser), and polling for background work.
import { expect } from 'vitest';
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

/** auth-url → connect page → form → Shopify authorize (auto-approve) → our callback. Returns the new connection id. */
export async function connectShop(svc: TestService, t: TestTenant, shop: string): Promise<{ connectionId: string }> {
  const authUrl = await svc.app.inject({ method: 'POST', url: '/api/v1/integrations/auth-url', headers: await svc.headers(t), payload: {} });
  expect(authUrl.statusCode).toBe(200);
  const connectUrl = (authUrl.json() as { auth_url: string }).auth_url;
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

  const done = await fetch(callback, { redirect: 'manual' });
  const html = await done.text();
  expect(done.status, html).toBe(200);
  const m = /id="connection-id">(conn_[A-Za-z0-9]+)</.exec(html);
  expect(m).not.toBeNull();
  return { connectionId: m![1]! };
}
