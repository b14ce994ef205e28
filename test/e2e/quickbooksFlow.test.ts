// The whole QuickBooks Online flow through the fake: auth-url → connect page → Intuit's consent
// (auto-approve) → our callback with code, state and realmId → save (ACTIVE); push UPSERT
// (create Items, then sparse updates with the SyncToken read first, a stale SyncToken retried)
// and DELETE (Items made inactive); signed webhooks into the outbox as accounting.* events
// (bad signature 401, redelivery deduplicated); refresh with short-lived tokens and rotating
// refresh tokens; a revoked grant → REAUTH_REQUIRED; the fake refusing Items that do not
// match Finance.xsd; and not one API request the fake could not validate.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionByPublicId } from '../../src/db/connections.ts';
import { openCredentials } from '../../src/providers/connectionContext.ts';
import { startQuickBooksFake, type QuickBooksFake } from '../../src/providers/quickbooks/fake/index.ts';
import { newTenant, startService, type TestService, type TestTenant } from '../harness.ts';
import { outboxRows } from '../webhooks.ts';
import { connectQuickBooksCompany, pushAndSettle, waitFor } from './flow.ts';

const CLIENT_ID = 'qbo-client';
const CLIENT_SECRET = 'qbo-secret-0123456789';
const VERIFIER = 'qbo-verifier-token-0123456789';

let fake: QuickBooksFake;
let svc: TestService;

beforeAll(async () => {
  fake = await startQuickBooksFake({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, verifierToken: VERIFIER, autoApprove: true, log: () => {} });
  if (!fake.schemaValidated) console.warn('NOTICE: ../shared/contracts/quickbooks is missing: the QuickBooks fake runs WITHOUT request validation in this run');
  svc = await startService({
    worker: true,
    env: {
      QUICKBOOKS_CLIENT_ID: CLIENT_ID,
      QUICKBOOKS_CLIENT_SECRET: CLIENT_SECRET,
      QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN: VERIFIER,
      SYNQ_QUICKBOOKS_APPCENTER_URL: fake.url,
      SYNQ_QUICKBOOKS_OAUTH_URL: fake.url,
      SYNQ_QUICKBOOKS_REVOKE_URL: fake.url,
      SYNQ_QUICKBOOKS_API_URL: fake.url,
      SYNQ_PUSH_RETRY_BASE_MS: '200',
    },
  });
  fake.setWebhookUrl(`${svc.url}/unified/webhook/quickbooks`);
});
afterAll(async () => {
  await svc?.close();
  await fake?.close();
});

async function activeCompany(t: TestTenant, via: 'direct' | 'page' = 'direct') {
  const { connectionId } = await connectQuickBooksCompany(svc, t, via);
  const saved = await svc.app.inject({ method: 'POST', url: '/api/v1/integrations/callback', headers: await svc.headers(t), payload: { connection_id: connectionId, provider: 'quickbooks' } });
  expect(saved.statusCode).toBe(201);
  expect(saved.json()).toMatchObject({ status: 'ACTIVE', provider: 'quickbooks', category: 'accounting' });
  // The initial sync lists the company's Items; wait for it so it does not race the test's pushes.
  await waitFor(async () => (await connectionByPublicId(svc.deps.db, connectionId))?.lastSyncedAt);
  return { connectionId, row: (await connectionByPublicId(svc.deps.db, connectionId))! };
}

async function createProduct(t: TestTenant, body: Record<string, unknown>) {
  const res = await svc.app.inject({ method: 'POST', url: '/api/v1/pim/products', headers: await svc.headers(t), payload: body });
  expect(res.statusCode).toBe(201);
  return res.json() as { id: string };
}

type Item = { Id: string; SyncToken: string; Name: string; Sku: string; Type: string; UnitPrice: number; Active: boolean; QtyOnHand?: number; IncomeAccountRef: { value: string }; AssetAccountRef?: { value: string } };

describe('QuickBooks Online end to end', () => {
  it('connects through Intuit OAuth 2 (the realmId becomes the account, the connection goes ACTIVE) and revokes the grant on disconnect', async () => {
    const t = newTenant();
    const { row } = await activeCompany(t, 'page');
    expect(row.account).toMatch(/^\d+$/);
    expect(row.category).toBe('accounting');
    const creds = openCredentials(svc.deps, row);
    expect(creds.refreshToken).toBeTruthy();
    expect(Date.parse(creds.accessExpiresAt!) - Date.now()).toBeGreaterThan(3000_000);
    expect(fake.refreshTokens(row.account)).toEqual([creds.refreshToken]);

    // Disconnecting revokes the grant at Intuit.
    const revocations = fake.stats.revocations;
    const del = await svc.app.inject({ method: 'DELETE', url: `/api/v1/integrations/connections/${row.connectionId}`, headers: await svc.headers(t) });
    expect(del.statusCode).toBe(204);
    expect(fake.stats.revocations).toBe(revocations + 1);
    expect(fake.refreshTokens(row.account)).toEqual([]);
    expect((await connectionByPublicId(svc.deps.db, row.connectionId))?.status).toBe('DISCONNECTED');
  });

  it('pushes UPSERT as one Item per SKU (create, then sparse update with SyncToken, a stale SyncToken retried) and DELETE as inactive', async () => {
    const t = newTenant();
    const { row } = await activeCompany(t);
    const product = await createProduct(t, {
      title: 'Merino Tee',
      description: '<p>Soft and warm</p>',
      variants: [
        { sku: 'QTEE-S', price: '39.00', currency: 'USD', option_values: { Size: 'S' }, inventory_quantity: 5 },
        { sku: 'QTEE-M', price: '41.50', currency: 'USD', option_values: { Size: 'M' } },
      ],
    });
    const first = await pushAndSettle(svc, t, product.id, 'UPSERT');
    expect(first.targets[0], first.targets[0]?.error ?? '').toMatchObject({ provider: 'quickbooks', status: 'succeeded' });
    let items = fake.items(row.account) as unknown as Item[];
    expect(items).toHaveLength(2);
    const s = items.find((i) => i.Sku === 'QTEE-S')!;
    const m = items.find((i) => i.Sku === 'QTEE-M')!;
    expect(s).toMatchObject({ Name: 'Merino Tee - S (QTEE-S)', Type: 'Inventory', UnitPrice: 39, QtyOnHand: 5, SyncToken: '0', Active: true, AssetAccountRef: { value: '81' } });
    expect(m).toMatchObject({ Type: 'NonInventory', UnitPrice: 41.5, IncomeAccountRef: { value: '79' }, Description: 'Soft and warm' });
    expect(first.targets[0]!.remote_id).toBe(`${s.Id},${m.Id}`);

    await svc.app.inject({ method: 'PATCH', url: `/api/v1/pim/products/${product.id}`, headers: await svc.headers(t), payload: { title: 'Merino Tee v2' } });
    // An accountant edits an Item between our read and our write: Intuit answers 5010, we re-read and retry.
    fake.injectFailure({ kind: 'concurrentEdit', count: 1, realmId: row.account });
    const second = await pushAndSettle(svc, t, product.id, 'UPSERT');
    expect(second.targets[0]).toMatchObject({ status: 'succeeded', remote_id: `${s.Id},${m.Id}`, attempts: 1 });
    items = fake.items(row.account) as unknown as Item[];
    expect(items.map((i) => i.Name).sort()).toEqual(['Merino Tee v2 - M (QTEE-M)', 'Merino Tee v2 - S (QTEE-S)']);
    expect(items.map((i) => Number(i.SyncToken)).sort()).toEqual([1, 2]);

    expect((await pushAndSettle(svc, t, product.id, 'DELETE')).targets[0]!.status).toBe('succeeded');
    items = fake.items(row.account) as unknown as Item[];
    expect(items).toHaveLength(2);
    expect(items.every((i) => i.Active === false)).toBe(true);

    // Pushed again after the delete: the inactive Items are found by SKU and reactivated, never duplicated.
    expect((await pushAndSettle(svc, t, product.id, 'UPSERT')).targets[0]!.status).toBe('succeeded');
    items = fake.items(row.account) as unknown as Item[];
    expect(items).toHaveLength(2);
    expect(items.every((i) => i.Active)).toBe(true);
  });

  it('retries a throttled push (429 ThrottleExceeded) and succeeds', async () => {
    const t = newTenant();
    const { row } = await activeCompany(t);
    const product = await createProduct(t, { title: 'Gift card', variants: [{ sku: 'QGIFT', price: '25.00', currency: 'USD' }] });
    fake.injectFailure({ kind: 'http429', count: 1, realmId: row.account });
    const job = await pushAndSettle(svc, t, product.id, 'UPSERT');
    expect(job.targets[0]).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(fake.items(row.account)).toMatchObject([{ Sku: 'QGIFT', Type: 'NonInventory', Name: 'Gift card (QGIFT)' }]);
  });

  it('takes signed webhooks into the outbox as accounting.* events, one row per entity change, deduplicated; bad signatures get 401', async () => {
    const t = newTenant();
    const { row } = await activeCompany(t);
    const lastUpdated = '2025-03-01T10:00:00.000Z';
    const delivery = await fake.notify(row.account, [
      { name: 'Invoice', id: '130', operation: 'Create', lastUpdated },
      { name: 'Customer', id: '7', operation: 'Update', lastUpdated },
    ]);
    expect(delivery.status, delivery.body).toBe(200);
    expect((JSON.parse(delivery.body) as { event_ids: string[] }).event_ids).toHaveLength(2);
    // Intuit redelivers a notification it thinks failed: stored once.
    expect((await fake.notify(row.account, [{ name: 'Invoice', id: '130', operation: 'Create', lastUpdated }])).status).toBe(200);
    const ce = await fake.notify(row.account, [{ name: 'Item', id: '1001', operation: 'Delete' }], { format: 'cloudevents' });
    expect(ce.status, ce.body).toBe(200);

    const rows = await outboxRows(svc, row.id);
    expect(rows.map((r) => r.event).sort()).toEqual(['accounting.customer.updated', 'accounting.invoice.created', 'accounting.item.deleted']);
    const invoice = rows.find((r) => r.event === 'accounting.invoice.created')!;
    expect(invoice).toMatchObject({ source: 'quickbooks', dedupeKey: `${row.account}:Invoice:130:Create:${lastUpdated}` });
    expect(JSON.parse(invoice.rawBody)).toEqual({ realmId: row.account, entity: 'Invoice', id: '130', operation: 'Create', lastUpdated });

    const forged = await fake.notify(row.account, [{ name: 'Invoice', id: '131', operation: 'Create' }], { signature: Buffer.alloc(32, 1).toString('base64') });
    expect(forged.status).toBe(401);
    const unsigned = await svc.app.inject({ method: 'POST', url: '/unified/webhook/quickbooks', headers: { 'content-type': 'application/json' }, payload: '{"eventNotifications":[]}' });
    expect(unsigned.statusCode).toBe(401);
    // A company without a connection: 200 ignored (Intuit would only retry).
    expect(JSON.parse((await fake.notify('999999', [{ name: 'Invoice', id: '1', operation: 'Create' }])).body)).toEqual({ status: 'ignored' });
    expect(await outboxRows(svc, row.id)).toHaveLength(3);
  });

  it('refreshes short-lived access tokens, storing the rotated refresh token (the used one stops working)', async () => {
    const t = newTenant();
    fake.configure({ accessTokenTtlSeconds: 1 });
    let connected: Awaited<ReturnType<typeof activeCompany>>;
    try {
      connected = await activeCompany(t);
    } finally {
      fake.configure({ accessTokenTtlSeconds: 3600 });
    }
    const { row, connectionId } = connected;
    const before = openCredentials(svc.deps, row);
    const refreshesBefore = fake.stats.refreshes;
    const product = await createProduct(t, { title: 'Scarf', variants: [{ sku: 'QSCARF', price: '19.00', currency: 'USD' }] });
    expect((await pushAndSettle(svc, t, product.id, 'UPSERT')).targets[0]!.status).toBe('succeeded');
    expect(fake.stats.refreshes).toBeGreaterThan(refreshesBefore);
    const after = openCredentials(svc.deps, (await connectionByPublicId(svc.deps.db, connectionId))!);
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(fake.refreshTokens(row.account)).toEqual([after.refreshToken]);
    expect(Date.parse(after.accessExpiresAt!) - Date.now()).toBeGreaterThan(3000_000);
    // The replaced refresh token is dead at Intuit: keeping it would have stranded the connection.
    const old = await fetch(`${fake.url}/oauth2/v1/tokens/bearer`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: before.refreshToken! }).toString(),
    });
    expect(old.status).toBe(400);
    expect(await old.json()).toEqual({ error: 'invalid_grant' });
  });

  it('a revoked grant moves the connection to REAUTH_REQUIRED and fails the push permanently', async () => {
    const t = newTenant();
    const { row, connectionId } = await activeCompany(t);
    fake.revokeCompany(row.account);
    const product = await createProduct(t, { title: 'Beanie', variants: [{ sku: 'QBEANIE', price: '15.00', currency: 'USD' }] });
    const job = await pushAndSettle(svc, t, product.id, 'UPSERT');
    expect(job.targets[0]).toMatchObject({ status: 'failed', attempts: 1 });
    expect(job.targets[0]!.error).toMatch(/REAUTH_REQUIRED/);
    expect((await connectionByPublicId(svc.deps.db, connectionId))?.status).toBe('REAUTH_REQUIRED');
    expect(fake.items(row.account)).toHaveLength(0);
  });

  it('the fake refuses Items that do not match Finance.xsd, and validated every API request of this suite', async () => {
    if (!fake.schemaValidated) {
      console.warn('NOTICE: ../shared/contracts/quickbooks is missing: the Item contract checks are skipped in this run');
      return;
    }
    const t = newTenant();
    const { row } = await activeCompany(t);
    const creds = openCredentials(svc.deps, row);
    const post = (body: unknown) =>
      fetch(`${fake.url}/v3/company/${row.account}/item?minorversion=75`, {
        method: 'POST',
        headers: { authorization: `Bearer ${creds.accessToken}`, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body),
      });
    const before = fake.stats.invalidRequests;
    const badEnum = await post({ Name: 'Bad', Type: 'Gadget', IncomeAccountRef: { value: '79' } });
    expect(badEnum.status).toBe(400);
    expect(await badEnum.json()).toMatchObject({ Fault: { type: 'ValidationFault', Error: [{ code: '2010', element: 'Type' }] } });
    const unknown = await post({ Name: 'Bad', Type: 'NonInventory', IncomeAccountRef: { value: '79' }, Colour: 'red' });
    expect(unknown.status).toBe(400);
    expect(JSON.stringify(await unknown.json())).toContain('Unrecognized field \\"Colour\\"');
    const badType = await post({ Name: 'Bad', Type: 'NonInventory', IncomeAccountRef: { value: '79' }, UnitPrice: '12.00' });
    expect(badType.status).toBe(400);
    const badRef = await post({ Name: 'Bad', Type: 'NonInventory', IncomeAccountRef: { id: '79' } });
    expect(badRef.status).toBe(400);
    expect(fake.stats.invalidRequests).toBe(before + 4);
    const ok = await post({ Name: 'Good', Type: 'NonInventory', IncomeAccountRef: { value: '79' }, UnitPrice: 12 });
    expect(ok.status).toBe(200);

    expect(fake.stats.validatedRequests).toBeGreaterThan(20);
    expect(fake.stats.unvalidatedRequests).toBe(0);
    const logText = svc.logs.join('');
    for (const secret of [creds.accessToken, creds.refreshToken!]) expect(logText).not.toContain(secret);
  });
});
