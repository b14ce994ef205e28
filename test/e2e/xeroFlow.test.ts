// The whole Xero flow through the fake: auth-url (directly, and through the connect page)
// → Xero's consent page with a PKCE S256 challenge → our callback → the code exchange with
// the verifier → GET /connections names the organisation → save (ACTIVE); push UPSERT
// (create, then update) and DELETE as Items; the Intent to Receive check and signed
// webhooks reaching the outbox (deduplicated, bad signature 401); token refresh with
// short lifetimes and single-use refresh tokens; a revoked grant → REAUTH_REQUIRED; 429
// retried; the fake refusing an invalid Item; and not one request the fake did not
// validate against Xero's published contracts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionByPublicId } from '../../src/db/connections.ts';
import { createConnectionContext, openCredentials } from '../../src/providers/connectionContext.ts';
import { startXeroFake, type XeroFake } from '../../src/providers/xero/fake/index.ts';
import { newTenant, startService, type TestService, type TestTenant } from '../harness.ts';
import { outboxRows } from '../webhooks.ts';
import { pushAndSettle, waitFor } from './flow.ts';
import { haveContracts } from '../contracts.ts';

const HAVE_CONTRACTS = haveContracts('xero');

let fake: XeroFake;
let svc: TestService;

beforeAll(async () => {
  fake = await startXeroFake({ autoApprove: true, log: () => {} });
  if (!fake.schemaValidated) console.warn('NOTICE: ../shared/contracts/xero is missing: the Xero fake runs WITHOUT request validation in this run');
  svc = await startService({ worker: true, env: { ...fake.env(), SYNQ_PUSH_RETRY_BASE_MS: '200', SYNQ_PUSH_RETRY_CAP_MS: '1000' } });
  fake.setWebhookUrl(`${svc.url}/unified/webhook/xero`);
});
afterAll(async () => {
  await svc?.close();
  await fake?.close();
});

/** From the Xero consent URL (auto-approved) through our callback to the page naming the connection. */
async function approveAndReturn(authorize: URL, opts: { tryWrongVerifier?: boolean } = {}): Promise<string> {
  expect(authorize.origin + authorize.pathname).toBe(`${fake.loginUrl}/identity/connect/authorize`);
  expect(authorize.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
  expect(authorize.searchParams.get('scope')).toBe('openid profile email offline_access accounting.settings accounting.transactions');
  const approved = await fetch(authorize, { redirect: 'manual' });
  expect(approved.status, await approved.clone().text()).toBe(302);
  const back = new URL(approved.headers.get('location')!);
  expect(back.toString().startsWith(`${svc.url}/api/v1/integrations/oauth/xero/callback`)).toBe(true);
  if (opts.tryWrongVerifier) {
    // The code is bound to the challenge: anyone holding it without our verifier gets nothing.
    const stolen = await fetch(`${fake.identityUrl}/connect/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${fake.clientId}:${fake.clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: back.searchParams.get('code')!, redirect_uri: `${svc.url}/api/v1/integrations/oauth/xero/callback`, code_verifier: 'x'.repeat(43) }).toString(),
    });
    expect(stolen.status).toBe(400);
    expect(await stolen.json()).toMatchObject({ error: 'invalid_grant' });
  }
  const done = await fetch(back, { redirect: 'manual' });
  const html = await done.text();
  expect(done.status, html).toBe(200);
  const m = /id="connection-id">(conn_[A-Za-z0-9]+)</.exec(html);
  expect(m).not.toBeNull();
  return m![1]!;
}

async function connectDirect(t: TestTenant, opts: { tryWrongVerifier?: boolean } = {}): Promise<string> {
  const res = await svc.app.inject({ method: 'POST', url: '/api/v1/integrations/auth-url', headers: await svc.headers(t), payload: { provider: 'xero' } });
  expect(res.statusCode, res.body).toBe(200);
  return approveAndReturn(new URL((res.json() as { auth_url: string }).auth_url), opts);
}

async function connectViaPage(t: TestTenant): Promise<string> {
  const res = await svc.app.inject({ method: 'POST', url: '/api/v1/integrations/auth-url', headers: await svc.headers(t), payload: { category: 'accounting' } });
  expect(res.statusCode).toBe(200);
  const connectUrl = (res.json() as { auth_url: string }).auth_url;
  expect(connectUrl.startsWith(`${svc.url}/connect/`)).toBe(true);
  expect(await (await fetch(connectUrl)).text()).toContain('id="connect-xero"');
  const form = await fetch(connectUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ provider: 'xero' }).toString(),
    redirect: 'manual',
  });
  expect(form.status, await form.clone().text()).toBe(302);
  return approveAndReturn(new URL(form.headers.get('location')!));
}

async function activeOrg(t: TestTenant, via: 'direct' | 'page' = 'direct') {
  const connectionId = via === 'direct' ? await connectDirect(t) : await connectViaPage(t);
  const saved = await svc.app.inject({ method: 'POST', url: '/api/v1/integrations/callback', headers: await svc.headers(t), payload: { connection_id: connectionId, provider: 'xero' } });
  expect(saved.statusCode, saved.body).toBe(201);
  expect(saved.json()).toMatchObject({ status: 'ACTIVE', provider: 'xero', category: 'accounting' });
  // The initial sync (GET /Items) has run once this is set.
  const row = await waitFor(async () => {
    const r = await connectionByPublicId(svc.deps.db, connectionId);
    return r?.lastSyncedAt ? r : null;
  });
  return { connectionId, row, tenantId: row.account };
}

async function createProduct(t: TestTenant, body: Record<string, unknown>) {
  const res = await svc.app.inject({ method: 'POST', url: '/api/v1/pim/products', headers: await svc.headers(t), payload: body });
  expect(res.statusCode).toBe(201);
  return res.json() as { id: string };
}

const tokenRequest = (params: Record<string, string>) =>
  fetch(`${fake.identityUrl}/connect/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${fake.clientId}:${fake.clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params).toString(),
  });

describe('Xero end to end', () => {
  it('connects directly from auth-url with PKCE and stores the organisation /connections names', async () => {
    const t = newTenant();
    const connectionId = await connectDirect(t, { tryWrongVerifier: true });
    const row = (await connectionByPublicId(svc.deps.db, connectionId))!;
    expect(row).toMatchObject({ provider: 'xero', category: 'accounting', status: 'PENDING' });
    expect(fake.organisations().map((o) => o.tenantId)).toContain(row.account);
    const creds = openCredentials(svc.deps, row);
    expect(creds.refreshToken).toMatch(/^[0-9a-f]{64}$/);
    expect(Date.parse(creds.accessExpiresAt!)).toBeGreaterThan(Date.now());
    const saved = await svc.app.inject({ method: 'POST', url: '/api/v1/integrations/callback', headers: await svc.headers(t), payload: { connection_id: connectionId } });
    expect(saved.json()).toMatchObject({ status: 'ACTIVE', provider: 'xero' });
  });

  it('connects through the hosted connect page, which now creates a PKCE verifier too', async () => {
    const t = newTenant();
    const { row } = await activeOrg(t, 'page');
    expect(fake.organisation(row.account).tenantId).toBe(row.account);
  });

  it('pushes UPSERT (create, then update) and DELETE as one Item per variant', async () => {
    const t = newTenant();
    const { tenantId } = await activeOrg(t);
    const product = await createProduct(t, {
      title: 'Merino Tee',
      description: 'Soft and warm',
      variants: [
        { sku: 'XTEE-S', price: '39.00', currency: 'USD', option_values: { Size: 'S' } },
        { sku: 'XTEE-M', price: '41.5', currency: 'USD', option_values: { Size: 'M' } },
      ],
    });
    const first = await pushAndSettle(svc, t, product.id, 'UPSERT');
    expect(first.targets[0]).toMatchObject({ provider: 'xero', status: 'succeeded' });
    const remoteId = first.targets[0]!.remote_id!;
    let items = fake.organisation(tenantId).items;
    expect(items.map((i) => [i.Code, i.Name, i.SalesDetails.UnitPrice, i.Description, i.IsSold]).sort()).toEqual([
      ['XTEE-M', 'Merino Tee - M', 41.5, 'Soft and warm', true],
      ['XTEE-S', 'Merino Tee - S', 39, 'Soft and warm', true],
    ]);
    expect(remoteId.split(',').sort()).toEqual(items.map((i) => i.ItemID).sort());

    await svc.app.inject({ method: 'PATCH', url: `/api/v1/pim/products/${product.id}`, headers: await svc.headers(t), payload: { title: 'Merino Tee v2' } });
    const second = await pushAndSettle(svc, t, product.id, 'UPSERT');
    expect(second.targets[0]).toMatchObject({ status: 'succeeded', remote_id: remoteId });
    items = fake.organisation(tenantId).items;
    expect(items.map((i) => i.Name).sort()).toEqual(['Merino Tee v2 - M', 'Merino Tee v2 - S']);

    expect((await pushAndSettle(svc, t, product.id, 'DELETE')).targets[0]!.status).toBe('succeeded');
    expect(fake.organisation(tenantId).items).toHaveLength(0);
  });

  it('removes the Item of a variant the product no longer has (connector level)', async () => {
    const t = newTenant();
    const { row, tenantId } = await activeOrg(t);
    const connector = svc.deps.providers.get('xero')!;
    const ctx = createConnectionContext(svc.deps, connector, (await connectionByPublicId(svc.deps.db, row.connectionId))!);
    const variant = (sku: string) => ({ sku, barcode: null, price: '5.00', currency: 'USD', optionValues: { Size: sku }, inventoryQuantity: null });
    const base = { id: 'p', title: 'Hat', description: null, brand: null, category: null, handle: null, status: 'active' as const, images: [] };
    const both = await connector.upsertProduct(ctx, { ...base, variants: [variant('XHAT-S'), variant('XHAT-M')] }, null);
    expect(Object.keys(both.variantIds).sort()).toEqual(['XHAT-M', 'XHAT-S']);
    expect(await connector.findRemoteProduct(ctx, ['XHAT-S', 'XHAT-M'])).toBe(both.remoteId);
    const one = await connector.upsertProduct(ctx, { ...base, variants: [variant('XHAT-S')] }, both.remoteId);
    expect(one.remoteId).toBe(both.variantIds['XHAT-S']);
    expect(fake.organisation(tenantId).items.map((i) => i.Code)).toEqual(['XHAT-S']);
  });

  it('retries a 429 (Retry-After, X-Rate-Limit-Problem) and then succeeds', async () => {
    const t = newTenant();
    const { tenantId } = await activeOrg(t);
    const product = await createProduct(t, { title: 'Gift card', variants: [{ sku: 'XGIFT', price: '25.00', currency: 'USD' }] });
    fake.injectFailure({ kind: 'http429', count: 1, tenantId, retryAfterSeconds: 1, problem: 'minute' });
    const job = await pushAndSettle(svc, t, product.id, 'UPSERT');
    expect(job.targets[0]).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(fake.organisation(tenantId).items.map((i) => i.Code)).toEqual(['XGIFT']);
  });

  it('answers the Intent to Receive check, stores signed events once, and refuses a bad signature', async () => {
    const t = newTenant();
    const { row, tenantId } = await activeOrg(t);
    expect(await fake.intentToReceive()).toEqual({ passed: true, correctlySigned: 200, wronglySigned: 401 });
    expect(await outboxRows(svc, row.id)).toHaveLength(0);

    const delivery = await fake.sendEvents(tenantId, [
      { category: 'INVOICE', type: 'CREATE' },
      { category: 'CONTACT', type: 'UPDATE' },
    ]);
    expect(delivery.status, delivery.body).toBe(200);
    expect(delivery.body).toBe(''); // Xero wants no body
    const events = (delivery.payload as { events: { resourceId: string; eventDateUtc: string }[] }).events;
    const rows = await outboxRows(svc, row.id);
    expect(rows.map((r) => r.event).sort()).toEqual(['accounting.contact.updated', 'accounting.invoice.created']);
    const invoice = rows.find((r) => r.event === 'accounting.invoice.created')!;
    expect(invoice).toMatchObject({ source: 'xero', dedupeKey: `${tenantId}:${events[0]!.resourceId}:${events[0]!.eventDateUtc}` });
    expect(JSON.parse(invoice.rawBody)).toMatchObject({ eventCategory: 'INVOICE', eventType: 'CREATE', tenantId });

    // Xero redelivers a batch it got no 2xx for: stored once.
    expect((await fake.resend(delivery.payload)).status).toBe(200);
    expect(await outboxRows(svc, row.id)).toHaveLength(2);
    // The worker applies both (recorded; invoices are not orders).
    await waitFor(async () => ((await outboxRows(svc, row.id)).every((r) => r.status === 'processed') ? true : null));

    const forged = await fake.sendEvents(tenantId, [{ category: 'INVOICE', type: 'UPDATE' }], { wrongSignature: true });
    expect(forged.status).toBe(401);
    const unsigned = await fetch(`${svc.url}/unified/webhook/xero`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"events":[]}' });
    expect(unsigned.status).toBe(401);
    expect(await outboxRows(svc, row.id)).toHaveLength(2);

    // An organisation nobody connected: 200 "ignored", so Xero keeps the webhook enabled.
    const stranger = await fake.sendEvents('0b6e2f57-4a5c-4a8e-9d51-1f0d6a1c2b3e', [{ category: 'INVOICE', type: 'CREATE' }]);
    expect(stranger.status).toBe(200);
  });

  it('refreshes short-lived tokens, rotating the single-use refresh token (the old one is refused)', async () => {
    fake.setAccessTokenTtl(30); // under Synq's 60 s margin: every use refreshes
    try {
      const t = newTenant();
      const { row, tenantId } = await activeOrg(t);
      const before = openCredentials(svc.deps, (await connectionByPublicId(svc.deps.db, row.connectionId))!);
      const refreshesBefore = fake.stats.refreshes;
      const product = await createProduct(t, { title: 'Socks', variants: [{ sku: 'XSOCK', price: '9.00', currency: 'USD' }] });
      expect((await pushAndSettle(svc, t, product.id, 'UPSERT')).targets[0]!.status).toBe('succeeded');
      expect(fake.stats.refreshes).toBeGreaterThan(refreshesBefore);
      const after = openCredentials(svc.deps, (await connectionByPublicId(svc.deps.db, row.connectionId))!);
      expect(after.refreshToken).not.toBe(before.refreshToken);
      expect(after.accessToken).not.toBe(before.accessToken);

      // Single use: the refresh token Synq rotated away from is dead.
      const reuse = await tokenRequest({ grant_type: 'refresh_token', refresh_token: before.refreshToken! });
      expect(reuse.status).toBe(400);
      expect(await reuse.json()).toEqual({ error: 'invalid_grant' });

      // And the connection keeps working on the newest one.
      await svc.app.inject({ method: 'PATCH', url: `/api/v1/pim/products/${product.id}`, headers: await svc.headers(t), payload: { title: 'Socks v2' } });
      expect((await pushAndSettle(svc, t, product.id, 'UPSERT')).targets[0]!.status).toBe('succeeded');
      expect(fake.organisation(tenantId).items[0]!.Name).toBe('Socks v2');
      expect((await connectionByPublicId(svc.deps.db, row.connectionId))!.status).toBe('ACTIVE');
    } finally {
      fake.setAccessTokenTtl(1800);
    }
  });

  it('moves a connection whose grant was revoked to REAUTH_REQUIRED and fails the push permanently', async () => {
    const t = newTenant();
    const { row, tenantId } = await activeOrg(t);
    fake.revokeGrant(tenantId);
    const product = await createProduct(t, { title: 'Cap', variants: [{ sku: 'XCAP', price: '15.00', currency: 'USD' }] });
    const job = await pushAndSettle(svc, t, product.id, 'UPSERT');
    expect(job.targets[0]).toMatchObject({ status: 'failed', attempts: 1 });
    expect(job.targets[0]!.error).toMatch(/REAUTH_REQUIRED/);
    expect((await connectionByPublicId(svc.deps.db, row.connectionId))!.status).toBe('REAUTH_REQUIRED');
    expect(fake.organisation(tenantId).items).toHaveLength(0);
  });

  it('revokes the grant at Xero when the tenant disconnects', async () => {
    const t = newTenant();
    const { row } = await activeOrg(t);
    const creds = openCredentials(svc.deps, (await connectionByPublicId(svc.deps.db, row.connectionId))!);
    const res = await svc.app.inject({ method: 'DELETE', url: `/api/v1/integrations/connections/${row.connectionId}`, headers: await svc.headers(t) });
    expect(res.statusCode).toBe(204);
    expect((await connectionByPublicId(svc.deps.db, row.connectionId))!.status).toBe('DISCONNECTED');
    const reuse = await tokenRequest({ grant_type: 'refresh_token', refresh_token: creds.refreshToken! });
    expect(await reuse.json()).toEqual({ error: 'invalid_grant' });
  });

  it.skipIf(!HAVE_CONTRACTS)('the fake refuses an invalid Item with a ValidationException, and validated every request of this suite', async () => {
    const t = newTenant();
    const { row, tenantId } = await activeOrg(t);
    const creds = openCredentials(svc.deps, (await connectionByPublicId(svc.deps.db, row.connectionId))!);
    const before = fake.stats.invalidRequests;
    const post = (body: unknown, headers: Record<string, string> = { 'xero-tenant-id': tenantId }) =>
      fetch(`${fake.apiUrl}/api.xro/2.0/Items`, { method: 'POST', headers: { authorization: `Bearer ${creds.accessToken}`, 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    const bad = await post({ Items: [{ Code: 'X'.repeat(31), Name: 42, SalesDetails: { UnitPrice: '9.99' }, Colour: 'red' }] });
    expect(bad.status).toBe(400);
    const err = (await bad.json()) as { Type: string; Elements: { ValidationErrors: { Message: string }[] }[] };
    expect(err.Type).toBe('ValidationException');
    expect(err.Elements[0]!.ValidationErrors.length).toBeGreaterThanOrEqual(3);
    expect((await post({ Items: [{ Name: 'no code' }] })).status).toBe(400);
    expect((await post({ Items: [{ Code: 'OK-1' }] }, {})).status).toBe(400); // no xero-tenant-id
    expect(fake.stats.invalidRequests).toBe(before + 3);
    expect(fake.organisation(tenantId).items).toHaveLength(0);

    if (fake.schemaValidated) {
      expect(fake.stats.validatedRequests).toBeGreaterThan(15);
      expect(fake.stats.validatedWebhooks).toBeGreaterThan(3);
      expect(fake.stats.unvalidatedRequests).toBe(0);
    }
    // No token, refresh token or webhook key in any log line.
    const logText = svc.logs.join('');
    for (const secret of [creds.accessToken, creds.refreshToken!, fake.webhookKey, fake.clientSecret]) expect(logText).not.toContain(secret);
  });
});
