// The tenant's side of Amazon notifications: GET …/connections/:id/inbound says where the
// EventBridge API destination must POST and which header carries the secret (never the
// secret); POST …/inbound/secret issues a secret and shows it once (ADMIN only, audited,
// not cacheable), and the previous one keeps working during the grace period. Forwarded
// through the fake's EventBridge stand-in with exactly what the tenant was shown.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionByPublicId, transitionConnection } from '../../src/db/connections.ts';
import { auditLog } from '../../src/db/schema.ts';
import { amazonFakeEnv, startAmazonFake, type AmazonFake } from '../../src/providers/amazon/fake/index.ts';
import { orderChangeNotification } from '../../src/providers/amazon/fake/notifications.ts';
import { openCredentials } from '../../src/providers/connectionContext.ts';
import { newTenant, startService, type TestService, type TestTenant } from '../harness.ts';
import { createConnection } from '../webhooks.ts';
import { connectAmazonSeller, waitFor } from './flow.ts';

let fake: AmazonFake;
let svc: TestService;
let seq = 0;

beforeAll(async () => {
  fake = await startAmazonFake({ autoApprove: true, log: () => {} });
  svc = await startService({
    worker: true,
    env: {
      ...amazonFakeEnv(fake),
    },
  });
});
afterAll(async () => {
  await svc?.close();
  await fake?.close();
});

async function activeSeller(t: TestTenant) {
  const sellerId = `AINB${Date.now().toString(36).toUpperCase()}${++seq}`.slice(0, 20);
  fake.setNextSeller(sellerId);
  const { connectionId } = await connectAmazonSeller(svc, t, sellerId);
  const saved = await svc.app.inject({ method: 'POST', url: '/api/v1/integrations/callback', headers: await svc.headers(t), payload: { connection_id: connectionId } });
  expect(saved.statusCode).toBe(201);
  await waitFor(async () => (await connectionByPublicId(svc.deps.db, connectionId))?.lastSyncedAt);
  return { connectionId, sellerId };
}

type Inbound = { url: string; header: string; secret_hint: string | null; secret_rotated_at: string | null; previous_secret_valid_until: string | null; secret?: string };
const get = async (t: TestTenant, id: string, role: 'ADMIN' | 'EDITOR' | 'VIEWER' = 'VIEWER') =>
  svc.app.inject({ method: 'GET', url: `/api/v1/integrations/connections/${id}/inbound`, headers: await svc.headers(t, role) });
const rotate = async (t: TestTenant, id: string, role: 'ADMIN' | 'EDITOR' | 'VIEWER' = 'ADMIN') =>
  svc.app.inject({ method: 'POST', url: `/api/v1/integrations/connections/${id}/inbound/secret`, headers: await svc.headers(t, role) });

describe('Amazon inbound forwarding: URL, header and a show-once secret', () => {
  it('shows where to forward without the secret, issues a secret once, and the forwarded notification gets in with it', async () => {
    const t = newTenant();
    const { connectionId, sellerId } = await activeSeller(t);
    const shown = await get(t, connectionId);
    expect(shown.statusCode, shown.body).toBe(200);
    const info = shown.json() as Inbound;
    expect(info).toMatchObject({
      connection_id: connectionId,
      provider: 'amazon',
      method: 'POST',
      url: `${svc.url}/unified/webhook/amazon/${connectionId}`,
      header: 'x-synq-notification-secret',
      secret_rotated_at: null,
      previous_secret_valid_until: null,
    });
    const connectTimeSecret = openCredentials(svc.deps, (await connectionByPublicId(svc.deps.db, connectionId))!).webhookSecret!;
    expect(info.secret_hint).toBe(`…${connectTimeSecret.slice(-4)}`);
    expect(shown.body).not.toContain(connectTimeSecret);
    expect(info).not.toHaveProperty('secret');

    const issued = await rotate(t, connectionId);
    expect(issued.statusCode, issued.body).toBe(200);
    expect(issued.headers['cache-control']).toBe('no-store');
    const fresh = issued.json() as Inbound;
    expect(fresh.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(fresh.secret).not.toBe(connectTimeSecret);
    expect(fresh.secret_hint).toBe(`…${fresh.secret!.slice(-4)}`);
    expect(Date.parse(fresh.previous_secret_valid_until!) - Date.now()).toBeGreaterThan(23 * 3600 * 1000);

    // Exactly what the tenant was shown configures the sender.
    const send = (secret: string | null, id: string) => fake.forwardNotification(fresh.url, secret, orderChangeNotification({ sellerId, orderId: `903-${id}`, notificationId: id }), fresh.header);
    expect((await send(fresh.secret!, `n-new-${seq}`)).status).toBe(200);
    // The connect-time secret still works during the grace period; anything else does not.
    expect((await send(connectTimeSecret, `n-old-${seq}`)).status).toBe(200);
    expect((await send(`${fresh.secret!.slice(0, -1)}x`, `n-bad-${seq}`)).status).toBe(401);

    // Reading it again never shows the secret; the rotation is audited.
    const again = (await get(t, connectionId)).json() as Inbound;
    expect(again).not.toHaveProperty('secret');
    expect(again.secret_rotated_at).toBe(fresh.secret_rotated_at);
    const audit = await svc.deps.db.select().from(auditLog).where(eq(auditLog.target, connectionId));
    expect(audit.map((a) => a.action)).toContain('INTEGRATION_INBOUND_SECRET_ROTATED');
    expect(JSON.stringify(audit)).not.toContain(fresh.secret!);
    expect(svc.logs.join('\n')).not.toContain(fresh.secret!);

    // A second rotation retires the connect-time secret at once (only the one before is kept).
    const second = (await rotate(t, connectionId)).json() as Inbound;
    expect((await send(connectTimeSecret, `n-older-${seq}`)).status).toBe(401);
    expect((await send(fresh.secret!, `n-prev-${seq}`)).status).toBe(200);
    expect((await send(second.secret!, `n-second-${seq}`)).status).toBe(200);
  });

  it('security: no token 401; VIEWER reads but may not rotate, nor EDITOR; another tenant gets 404', async () => {
    const t = newTenant();
    const { connectionId } = await activeSeller(t);
    expect((await svc.app.inject({ method: 'GET', url: `/api/v1/integrations/connections/${connectionId}/inbound` })).statusCode).toBe(401);
    expect((await svc.app.inject({ method: 'POST', url: `/api/v1/integrations/connections/${connectionId}/inbound/secret` })).statusCode).toBe(401);
    expect((await get(t, connectionId, 'VIEWER')).statusCode).toBe(200);
    for (const role of ['VIEWER', 'EDITOR'] as const) {
      const res = await rotate(t, connectionId, role);
      expect(res.statusCode).toBe(403);
      expect(res.json()).toEqual({ error: expect.any(String) });
    }
    const other = newTenant();
    expect((await get(other, connectionId)).statusCode).toBe(404);
    expect((await rotate(other, connectionId)).statusCode).toBe(404);
    const before = openCredentials(svc.deps, (await connectionByPublicId(svc.deps.db, connectionId))!).webhookSecret;
    expect(openCredentials(svc.deps, (await connectionByPublicId(svc.deps.db, connectionId))!).webhookSecret).toBe(before);
  });

  it('404 for a provider Synq subscribes itself (no forwarding) and unknown ids; 409 when rotating a disconnected connection', async () => {
    const t = newTenant();
    const shopify = await createConnection(svc, t, { provider: 'shopify' });
    for (const res of [await get(t, shopify.connectionId), await rotate(t, shopify.connectionId), await get(t, 'conn_doesnotexist'), await get(t, '00000000-0000-4000-8000-000000000000')]) {
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({ error: expect.any(String) });
    }
    expect((await get(t, 'not-an-id')).statusCode).toBe(400);
    const { connectionId } = await activeSeller(t);
    const row = (await connectionByPublicId(svc.deps.db, connectionId))!;
    // By internal id too.
    expect((await get(t, row.id)).statusCode).toBe(200);
    await transitionConnection(svc.deps.db, row.id, 'DISCONNECTED');
    const res = await rotate(t, connectionId);
    expect(res.statusCode).toBe(409);
    expect(res.json()).toEqual({ error: expect.stringContaining('DISCONNECTED') });
  });
});
