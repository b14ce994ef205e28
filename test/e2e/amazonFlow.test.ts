// The whole Amazon SP-API flow through the fake: auth-url → connect page → Seller Central
// consent → callback (state, selling_partner_id, spapi_oauth_code) → LWA exchange → save
// (ACTIVE); push UPSERT (create, then update) and DELETE as Listings Items PUT/DELETE, with
// the listing's asynchronous issues shown on the push target; the VALIDATION_PREVIEW dry
// run; EventBridge-forwarded notifications into the outbox (schema-checked, secret-checked,
// deduplicated); token refresh without rotation; a revoked grant → REAUTH_REQUIRED; the
// fake refusing requests that do not match the published model, and validating all others.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionByPublicId } from '../../src/db/connections.ts';
import type { AmazonConnector } from '../../src/providers/amazon/connector.ts';
import { amazonFakeEnv, startAmazonFake, type AmazonFake } from '../../src/providers/amazon/fake/index.ts';
import { listingIssuesNotification, listingStatusNotification, orderChangeNotification } from '../../src/providers/amazon/fake/notifications.ts';
import { createConnectionContext, openCredentials } from '../../src/providers/connectionContext.ts';
import { newTenant, startService, type TestService, type TestTenant } from '../harness.ts';
import { outboxRows } from '../webhooks.ts';
import { connectAmazonSeller, pushAndSettle, waitFor } from './flow.ts';
import { haveContracts } from '../contracts.ts';

const HAVE_CONTRACTS = haveContracts('amazon');


let fake: AmazonFake;
let svc: TestService;
let sellerSeq = 0;
const newSeller = () => `A${Date.now().toString(36).toUpperCase()}${String(++sellerSeq).padStart(4, '0')}`.slice(0, 21);

beforeAll(async () => {
  fake = await startAmazonFake({ autoApprove: true, log: () => {} });
  if (!fake.schemaValidated) console.warn('NOTICE: ../shared/contracts/amazon is missing: the Amazon fake runs WITHOUT request validation in this run');
  svc = await startService({
    worker: true,
    env: {
      ...amazonFakeEnv(fake),
      SYNQ_AMAZON_ISSUE_POLL_MS: '20',
      SYNQ_PUSH_RETRY_BASE_MS: '200',
      SYNQ_PUSH_RETRY_CAP_MS: '500',
    },
  });
});
afterAll(async () => {
  await svc?.close();
  await fake?.close();
});

async function activeSeller(t: TestTenant, sellerId = newSeller()) {
  fake.setNextSeller(sellerId);
  const { connectionId } = await connectAmazonSeller(svc, t, sellerId);
  expect(fake.stats.consents).toBeGreaterThan(0);
  const saved = await svc.app.inject({ method: 'POST', url: '/api/v1/integrations/callback', headers: await svc.headers(t), payload: { connection_id: connectionId, provider: 'amazon' } });
  expect(saved.statusCode).toBe(201);
  expect(saved.json()).toMatchObject({ status: 'ACTIVE', provider: 'amazon', category: 'commerce' });
  // The initial sync (searchListingsItems) runs first, so later assertions meet a settled connection.
  await waitFor(async () => (await connectionByPublicId(svc.deps.db, connectionId))?.lastSyncedAt);
  return { connectionId, sellerId, row: (await connectionByPublicId(svc.deps.db, connectionId))! };
}

async function createProduct(t: TestTenant, body: Record<string, unknown>) {
  const res = await svc.app.inject({ method: 'POST', url: '/api/v1/pim/products', headers: await svc.headers(t), payload: body });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string };
}

type Target = { status: string; remote_id: string | null; error: string | null; attempts: number; remote_status?: string | null };
const amazonConnector = () => svc.deps.providers.get('amazon') as AmazonConnector;
const attr = (attributes: Record<string, unknown>, name: string) => (attributes[name] as Record<string, unknown>[] | undefined)?.[0];

function orderNotification(sellerId: string, orderId: string, notificationId: string): Record<string, unknown> {
  return orderChangeNotification({ sellerId, orderId, notificationId, applicationId: fake.appId });
}

describe('Amazon end to end', () => {
  it('connects through the Seller Central consent and the LWA exchange', async () => {
    const t = newTenant();
    const { row, sellerId } = await activeSeller(t);
    expect(row.account).toBe(sellerId);
    expect(row.status).toBe('ACTIVE');
    const creds = openCredentials(svc.deps, row);
    expect(creds.accessToken).toMatch(/^Atza\|/);
    expect(creds.refreshToken).toMatch(/^Atzr\|/);
    expect(creds.webhookSecret?.length).toBeGreaterThanOrEqual(32);
    expect(Date.parse(creds.accessExpiresAt!) - Date.now()).toBeGreaterThan(3000_000);
    // The code is single-use: replaying the callback fails (the state is consumed too).
    expect(fake.stats.consents).toBeGreaterThanOrEqual(1);
  });

  it('pushes UPSERT (create, then update) and DELETE as one listing per variant SKU', async () => {
    const t = newTenant();
    const { sellerId } = await activeSeller(t);
    const product = await createProduct(t, {
      title: 'Trail Sock',
      brand: 'Synq Outdoor',
      description: 'Merino blend',
      variants: [
        { sku: 'AZ-SOCK-S', price: '12.50', currency: 'USD', option_values: { Size: 'S' }, inventory_quantity: 4, barcode: '012345678905' },
        { sku: 'AZ-SOCK-M', price: '13.00', currency: 'USD', option_values: { Size: 'M' }, inventory_quantity: 7 },
      ],
    });
    const first = await pushAndSettle(svc, t, product.id, 'UPSERT');
    const target = first.targets[0] as Target;
    expect(target, JSON.stringify(target)).toMatchObject({ status: 'succeeded', remote_id: 'AZ-SOCK-S,AZ-SOCK-M', remote_status: 'live' });
    let listings = fake.seller(sellerId).listings;
    expect(listings.map((l) => l.sku).sort()).toEqual(['AZ-SOCK-M', 'AZ-SOCK-S']);
    const small = listings.find((l) => l.sku === 'AZ-SOCK-S')!;
    expect(small).toMatchObject({ productType: 'PRODUCT', requirements: 'LISTING', marketplaceId: 'ATVPDKIKX0DER', status: ['BUYABLE', 'DISCOVERABLE'] });
    expect(attr(small.attributes, 'item_name')).toEqual({ value: 'Trail Sock (Size: S)', language_tag: 'en_US', marketplace_id: 'ATVPDKIKX0DER' });
    expect(attr(small.attributes, 'brand')).toMatchObject({ value: 'Synq Outdoor' });
    expect(attr(small.attributes, 'externally_assigned_product_identifier')).toEqual({ type: 'upc', value: '012345678905', marketplace_id: 'ATVPDKIKX0DER' });
    expect(attr(small.attributes, 'purchasable_offer')).toEqual({ marketplace_id: 'ATVPDKIKX0DER', currency: 'USD', our_price: [{ schedule: [{ value_with_tax: 12.5 }] }] });
    expect(attr(small.attributes, 'fulfillment_availability')).toEqual({ fulfillment_channel_code: 'DEFAULT', quantity: 4 });

    const patched = await svc.app.inject({ method: 'PATCH', url: `/api/v1/pim/products/${product.id}`, headers: await svc.headers(t), payload: { title: 'Trail Sock v2' } });
    expect(patched.statusCode).toBe(200);
    const second = await pushAndSettle(svc, t, product.id, 'UPSERT');
    expect(second.targets[0]).toMatchObject({ status: 'succeeded', remote_id: 'AZ-SOCK-S,AZ-SOCK-M' });
    listings = fake.seller(sellerId).listings;
    expect(listings).toHaveLength(2);
    expect(listings.map((l) => (attr(l.attributes, 'item_name') as { value: string }).value).sort()).toEqual(['Trail Sock v2 (Size: M)', 'Trail Sock v2 (Size: S)']);

    expect((await pushAndSettle(svc, t, product.id, 'DELETE')).targets[0]!.status).toBe('succeeded');
    expect(fake.seller(sellerId).listings).toHaveLength(0);
  });

  it('shows the issues Amazon reports after ACCEPTED on the push target, and fails an INVALID submission permanently', async () => {
    const t = newTenant();
    const { sellerId } = await activeSeller(t);
    fake.queueIssues(sellerId, 'AZ-IMG-1', [{ code: '18027', message: 'The image does not meet the image requirements.', severity: 'ERROR', categories: ['INVALID_IMAGE'], attributeNames: ['main_product_image_locator'] }]);
    const product = await createProduct(t, { title: 'Camp Mug', variants: [{ sku: 'AZ-IMG-1', price: '9.00', currency: 'USD', inventory_quantity: 3 }] });
    const job = await pushAndSettle(svc, t, product.id, 'UPSERT');
    const target = job.targets[0] as Target;
    expect(target.status).toBe('succeeded');
    expect(target.remote_status).toMatch(/^issues: AZ-IMG-1 \[ERROR 18027\] The image does not meet/);
    expect(fake.seller(sellerId).listings[0]!.status).toEqual([]);

    const bad = await createProduct(t, { title: 'x'.repeat(250), variants: [{ sku: 'AZ-LONG-1', price: '5.00', currency: 'USD' }] });
    const refused = (await pushAndSettle(svc, t, bad.id, 'UPSERT')).targets[0] as Target;
    expect(refused).toMatchObject({ status: 'failed', attempts: 1 });
    expect(refused.error).toMatch(/VALIDATION: Amazon refused listing AZ-LONG-1: AZ-LONG-1 \[ERROR 90000900\]/);
  });

  it('dry-runs a product with VALIDATION_PREVIEW without creating listings', async () => {
    const t = newTenant();
    const { row, sellerId } = await activeSeller(t);
    const connector = amazonConnector();
    const ctx = createConnectionContext(svc.deps, connector, row);
    const base = { id: 'p1', description: null, brand: null, category: null, handle: null, status: 'active' as const, images: [] };
    const variant = { sku: 'AZ-DRY-1', barcode: null, price: '19.99', currency: 'USD', optionValues: {}, inventoryQuantity: 2 };
    expect(await connector.validateProduct(ctx, { ...base, title: 'Dry run', variants: [variant] })).toEqual({ valid: true, issues: [] });
    const invalid = await connector.validateProduct(ctx, { ...base, title: 'y'.repeat(201), variants: [{ ...variant, price: '0' }] });
    expect(invalid.valid).toBe(false);
    expect(invalid.issues.map((i) => [i.sku, i.code, i.severity])).toEqual([
      ['AZ-DRY-1', '90000900', 'ERROR'],
      ['AZ-DRY-1', '90000900', 'ERROR'],
    ]);
    expect(fake.seller(sellerId).listings).toHaveLength(0);
  });

  it('takes EventBridge-forwarded notifications into the outbox: schema-checked, secret-checked, deduplicated', async () => {
    const t = newTenant();
    const { row, sellerId } = await activeSeller(t);
    const secret = openCredentials(svc.deps, row).webhookSecret!;
    const url = `${svc.url}/unified/webhook/amazon/${row.connectionId}`;
    const order = orderNotification(sellerId, '902-1111111-2222222', 'notif-order-1');
    const first = await fake.forwardNotification(url, secret, order);
    expect(first.status, first.body).toBe(200);
    expect(JSON.parse(first.body)).toMatchObject({ status: 'accepted', event_id: expect.stringMatching(/^evt_/) });
    // A redelivery of the same notification id is stored once.
    expect((await fake.forwardNotification(url, secret, order)).status).toBe(200);
    let rows = await outboxRows(svc, row.id);
    expect(rows.filter((r) => r.event === 'order.updated')).toHaveLength(1);
    expect(rows[0]).toMatchObject({ source: 'amazon', dedupeKey: 'notif-order-1' });
    expect(rows[0]!.rawBody).toContain('902-1111111-2222222');

    const status = listingStatusNotification({ sellerId, sku: 'AZ-SOCK-S', notificationId: 'notif-status-1', applicationId: fake.appId });
    expect((await fake.forwardNotification(url, secret, status)).status).toBe(200);
    const issues = listingIssuesNotification({ sellerId, sku: 'AZ-SOCK-S', notificationId: 'notif-issues-1', applicationId: fake.appId });
    expect((await fake.forwardNotification(url, secret, issues)).status).toBe(200);
    rows = await outboxRows(svc, row.id);
    expect(rows.map((r) => r.event).sort()).toEqual(['listing.issues_changed', 'listing.status_changed', 'order.updated']);

    // Refused: a body that does not match the schema (400), a wrong or missing secret (401).
    const invalid = orderNotification(sellerId, '902-3', 'notif-bad-1');
    delete (invalid.NotificationMetadata as Record<string, unknown>).PublishTime;
    (invalid.Payload as Record<string, unknown>).OrderChangeNotification = 'nope';
    const refused = await fake.forwardNotification(url, secret, invalid);
    expect(refused.status, refused.body).toBe(400);
    expect(JSON.parse(refused.body)).toMatchObject({ error: expect.stringContaining('ORDER_CHANGE schema') });
    expect((await fake.forwardNotification(url, `${secret.slice(0, -1)}x`, orderNotification(sellerId, '902-4', 'notif-4'))).status).toBe(401);
    expect((await fake.forwardNotification(url, null, orderNotification(sellerId, '902-5', 'notif-5'))).status).toBe(401);
    expect((await outboxRows(svc, row.id))).toHaveLength(3);
  });

  it('refreshes short-lived access tokens and keeps the refresh token (LWA does not rotate it)', async () => {
    const t = newTenant();
    fake.setAccessTokenTtl(30); // inside the 60 s refresh margin: every use refreshes first
    try {
      const { row } = await activeSeller(t);
      const before = openCredentials(svc.deps, row);
      const refreshes = fake.stats.refreshes;
      const connector = amazonConnector();
      await connector.listProducts(createConnectionContext(svc.deps, connector, row), null);
      expect(fake.stats.refreshes).toBeGreaterThan(refreshes);
      const after = openCredentials(svc.deps, (await connectionByPublicId(svc.deps.db, row.connectionId))!);
      expect(after.accessToken).not.toBe(before.accessToken);
      expect(after.refreshToken).toBe(before.refreshToken);
      expect(after.webhookSecret).toBe(before.webhookSecret);
    } finally {
      fake.setAccessTokenTtl(3600);
    }
    // A token the provider rejects (403 Unauthorized) is refreshed once and the call retried.
    const { row } = await activeSeller(newTenant());
    fake.expireAccessTokens();
    const connector = amazonConnector();
    const page = await connector.listProducts(createConnectionContext(svc.deps, connector, row), null);
    expect(page.items).toEqual([]);
  });

  it('moves the connection to REAUTH_REQUIRED when the seller revokes the authorization', async () => {
    const t = newTenant();
    const { row, sellerId } = await activeSeller(t);
    const product = await createProduct(t, { title: 'Revoked', variants: [{ sku: 'AZ-REV-1', price: '3.00', currency: 'USD' }] });
    fake.revoke(sellerId);
    const target = (await pushAndSettle(svc, t, product.id, 'UPSERT')).targets[0] as Target;
    expect(target).toMatchObject({ status: 'failed', attempts: 1 });
    expect(target.error).toMatch(/REAUTH_REQUIRED/);
    expect((await connectionByPublicId(svc.deps.db, row.connectionId))?.status).toBe('REAUTH_REQUIRED');
  });

  it('retries a throttled push (429) and succeeds', async () => {
    const t = newTenant();
    const { sellerId } = await activeSeller(t);
    const product = await createProduct(t, { title: 'Throttled', variants: [{ sku: 'AZ-429-1', price: '4.00', currency: 'USD', inventory_quantity: 1 }] });
    fake.injectFailure({ kind: 'http429', count: 1, seller: sellerId });
    const target = (await pushAndSettle(svc, t, product.id, 'UPSERT')).targets[0] as Target;
    expect(target).toMatchObject({ status: 'succeeded', attempts: 2, remote_status: 'live' });
  });

  it.skipIf(!HAVE_CONTRACTS)('the fake refuses requests that do not match the model, and validated every request of this suite', async () => {
    const t = newTenant();
    const { row, sellerId } = await activeSeller(t);
    const token = openCredentials(svc.deps, row).accessToken;
    const before = fake.stats.invalidRequests;
    const item = `${fake.url}/listings/2021-08-01/items/${sellerId}/AZ-RAW-1`;
    const headers = { 'x-amz-access-token': token, 'content-type': 'application/json' };
    const noType = await fetch(`${item}?marketplaceIds=ATVPDKIKX0DER`, { method: 'PUT', headers, body: JSON.stringify({ requirements: 'EVERYTHING', attributes: [] }) });
    expect(noType.status).toBe(400);
    expect(await noType.json()).toMatchObject({ errors: [{ code: 'InvalidInput', message: 'Invalid request body' }] });
    const noMarketplace = await fetch(item, { method: 'PUT', headers, body: JSON.stringify({ productType: 'PRODUCT', attributes: {} }) });
    expect(noMarketplace.status).toBe(400);
    // PUT takes exactly one marketplace (maxItems: 1 in the model).
    const twoMarketplaces = await fetch(`${item}?marketplaceIds=ATVPDKIKX0DER,A2EUQ1WTGCTBG2`, { method: 'PUT', headers, body: JSON.stringify({ productType: 'PRODUCT', attributes: {} }) });
    expect(twoMarketplaces.status).toBe(400);
    const badMode = await fetch(`${item}?marketplaceIds=ATVPDKIKX0DER&mode=YOLO`, { method: 'PUT', headers, body: JSON.stringify({ productType: 'PRODUCT', attributes: {} }) });
    expect(badMode.status).toBe(400);
    expect(fake.stats.invalidRequests).toBe(before + 4);
    // No token → 403 Unauthorized, like SP-API.
    expect((await fetch(`${item}?marketplaceIds=ATVPDKIKX0DER`)).status).toBe(403);

    if (fake.schemaValidated) {
      expect(fake.stats.validatedRequests).toBeGreaterThan(20);
      expect(fake.stats.unvalidatedRequests).toBe(0);
      expect(fake.stats.invalidResponses).toBe(0);
    }
    const logText = svc.logs.join('');
    const creds = openCredentials(svc.deps, row);
    for (const secret of [creds.accessToken, creds.refreshToken!, creds.webhookSecret!, fake.clientSecret]) expect(logText).not.toContain(secret);
  });
});
