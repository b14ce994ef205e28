import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectionRow } from '../../../db/connections.ts';
import { upsertOrder } from '../../../db/orders.ts';
import { outbox } from '../../../db/schema.ts';
import { newTenant, startService, type TestService, type TestTenant } from '../../../../test/harness.ts';
import { createConnection, eventually, postUnified } from '../../../../test/webhooks.ts';

let svc: TestService;
beforeAll(async () => {
  svc = await startService({ worker: true });
});
afterAll(async () => {
  await svc?.close();
});

interface OrderJson {
  id: string;
  connection_id: string;
  external_id: string;
  name: string | null;
  status: string;
  total: string;
  external_updated_at: string;
}

async function seedOrder(conn: ConnectionRow, externalId: string, over: { updatedAt?: string } = {}) {
  await upsertOrder(
    svc.deps.db,
    { tenantId: conn.tenantId, orgId: conn.orgId, connectionId: conn.id },
    {
      externalId,
      name: `#${externalId}`,
      status: 'paid',
      currency: 'EUR',
      total: '10.50',
      lineItems: [{ sku: 'A', title: 'A thing', quantity: 1, price: '10.50' }],
      externalCreatedAt: null,
      externalUpdatedAt: new Date(over.updatedAt ?? '2024-01-01T00:00:00Z'),
    },
  );
}

async function list(t: TestTenant, query = '') {
  return svc.app.inject({ method: 'GET', url: `/api/v1/oms/orders${query}`, headers: await svc.headers(t) });
}

async function orderNamed(t: TestTenant, externalId: string): Promise<OrderJson | undefined> {
  const res = await list(t, '?limit=200');
  return (res.json().orders as OrderJson[]).find((o) => o.external_id === externalId);
}

const signedOrderEvent = (conn: ConnectionRow, event: string, order: Record<string, unknown>) =>
  JSON.stringify({ connection_id: conn.connectionId, event, data: order });

describe('orders from webhooks (worker running)', () => {
  it('a signed order.created shows up in GET /api/v1/oms/orders', async () => {
    const t = newTenant();
    const conn = await createConnection(svc, t);
    const res = await postUnified(
      svc,
      signedOrderEvent(conn, 'order.created', {
        id: 'A-1',
        name: '#A-1',
        status: 'paid',
        currency: 'EUR',
        total: '179.98',
        created_at: '2024-05-01T10:00:00Z',
        updated_at: '2024-05-01T10:00:00Z',
        line_items: [{ sku: 'SKU-1', title: 'Trail Runner', quantity: 2, price: '89.99' }],
      }),
    );
    expect(res.statusCode).toBe(200);
    const order = await eventually(() => orderNamed(t, 'A-1'));
    expect(order).toEqual({
      id: expect.any(String),
      connection_id: conn.connectionId,
      external_id: 'A-1',
      name: '#A-1',
      status: 'paid',
      currency: 'EUR',
      total: '179.98',
      line_items: [{ sku: 'SKU-1', title: 'Trail Runner', quantity: 2, price: '89.99' }],
      external_created_at: '2024-05-01T10:00:00.000Z',
      external_updated_at: '2024-05-01T10:00:00.000Z',
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    const one = await svc.app.inject({ method: 'GET', url: `/api/v1/oms/orders/${order.id}`, headers: await svc.headers(t) });
    expect(one.statusCode).toBe(200);
    expect(one.json()).toEqual(order);
  });

  it('an older order.updated arriving late does not overwrite a newer one', async () => {
    const t = newTenant();
    const conn = await createConnection(svc, t);
    const base = { id: 'B-1', currency: 'EUR', total: '20.00', line_items: [] };
    await postUnified(svc, signedOrderEvent(conn, 'order.updated', { ...base, status: 'shipped', updated_at: '2024-06-01T12:00:00Z' }));
    await eventually(async () => ((await orderNamed(t, 'B-1'))?.status === 'shipped' ? true : undefined));
    const late = await postUnified(svc, signedOrderEvent(conn, 'order.updated', { ...base, status: 'paid', updated_at: '2024-06-01T11:00:00Z' }));
    const lateEventId = late.json().event_id as string;
    await eventually(async () => {
      const [row] = await svc.deps.db.select().from(outbox).where(eq(outbox.eventId, lateEventId));
      return row?.status === 'processed' ? true : undefined;
    });
    const order = await orderNamed(t, 'B-1');
    expect(order).toMatchObject({ status: 'shipped', external_updated_at: '2024-06-01T12:00:00.000Z' });
  });
});

describe('GET /api/v1/oms/orders', () => {
  it('lists newest first with limit and offset', async () => {
    const t = newTenant();
    const conn = await createConnection(svc, t);
    for (const id of ['o1', 'o2', 'o3']) await seedOrder(conn, id);
    const all = await list(t);
    expect(all.statusCode).toBe(200);
    expect(all.json()).toMatchObject({ limit: 50, offset: 0 });
    expect((all.json().orders as OrderJson[]).map((o) => o.external_id)).toEqual(['o3', 'o2', 'o1']);
    const page = await list(t, '?limit=1&offset=1');
    expect(page.json()).toMatchObject({ limit: 1, offset: 1 });
    expect((page.json().orders as OrderJson[]).map((o) => o.external_id)).toEqual(['o2']);
  });

  it.each(['?limit=0', '?limit=201', '?limit=abc', '?offset=-1', '?offset=1000001', '?limit=1.5'])('rejects %s with 400', async (q) => {
    const res = await list(newTenant(), q);
    expect(res.statusCode).toBe(400);
    expect(Object.keys(res.json())).toEqual(['error']);
  });

  it("shows only the caller's tenant", async () => {
    const a = newTenant();
    const b = newTenant();
    await seedOrder(await createConnection(svc, a), 'mine');
    await seedOrder(await createConnection(svc, b), 'theirs');
    expect((await list(a)).json().orders.map((o: OrderJson) => o.external_id)).toEqual(['mine']);
  });

  it('needs a token (401) matching the tenant headers (403); VIEWER may read', async () => {
    const t = newTenant();
    await seedOrder(await createConnection(svc, t), 'v1');
    const none = await svc.app.inject({ method: 'GET', url: '/api/v1/oms/orders' });
    expect(none.statusCode).toBe(401);
    expect(Object.keys(none.json())).toEqual(['error']);
    const wrong = await svc.app.inject({
      method: 'GET',
      url: '/api/v1/oms/orders',
      headers: { ...(await svc.headers(t)), 'x-tenant-id': randomUUID() },
    });
    expect(wrong.statusCode).toBe(403);
    const viewer = await svc.app.inject({ method: 'GET', url: '/api/v1/oms/orders', headers: await svc.headers(t, 'VIEWER') });
    expect(viewer.statusCode).toBe(200);
    expect(viewer.json().orders).toHaveLength(1);
  });
});

describe('GET /api/v1/oms/orders/:id', () => {
  it("answers 404 for another tenant's order, an unknown id, and 400 for a non-UUID", async () => {
    const owner = newTenant();
    await seedOrder(await createConnection(svc, owner), 'secret');
    const id = ((await list(owner)).json().orders as OrderJson[])[0]!.id;
    const mine = await svc.app.inject({ method: 'GET', url: `/api/v1/oms/orders/${id}`, headers: await svc.headers(owner, 'VIEWER') });
    expect(mine.statusCode).toBe(200);
    const stranger = newTenant();
    const theirs = await svc.app.inject({ method: 'GET', url: `/api/v1/oms/orders/${id}`, headers: await svc.headers(stranger) });
    expect(theirs.statusCode).toBe(404);
    expect(theirs.json()).toEqual({ error: 'Order not found' });
    const unknown = await svc.app.inject({ method: 'GET', url: `/api/v1/oms/orders/${randomUUID()}`, headers: await svc.headers(owner) });
    expect(unknown.statusCode).toBe(404);
    const bad = await svc.app.inject({ method: 'GET', url: '/api/v1/oms/orders/not-a-uuid', headers: await svc.headers(owner) });
    expect(bad.statusCode).toBe(400);
    const noToken = await svc.app.inject({ method: 'GET', url: `/api/v1/oms/orders/${id}` });
    expect(noToken.statusCode).toBe(401);
  });
});
