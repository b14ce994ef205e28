import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionById } from '../db/connections.ts';
import { rowsOf } from '../db/client.ts';
import { outboxById } from '../db/outbox.ts';
import { textArray } from '../db/arrayParams.ts';
import { orderByExternalId } from '../db/orders.ts';
import type { Connector } from '../providers/types.ts';
import { newTenant, startService, type TestService } from '../../test/harness.ts';
import { createConnection, outboxRows, postUnified } from '../../test/webhooks.ts';
import { processOutboxBatch } from './outboxRelay.ts';
import type { ConnectionRow } from '../db/connections.ts';

let svc: TestService;
beforeAll(async () => {
  svc = await startService();
});
afterAll(async () => {
  await svc?.close();
});

const unifiedOrder = (over: Record<string, unknown> = {}) => ({
  id: 'ord_1001',
  name: '#1001',
  status: 'paid',
  currency: 'EUR',
  total: '179.98',
  created_at: '2024-05-01T10:00:00Z',
  updated_at: '2024-05-01T10:00:00Z',
  line_items: [
    { sku: 'SKU-1', title: 'Trail Runner', quantity: 2, price: '89.99' },
    { title: 'Gift wrap', quantity: 1, price: 0 },
  ],
  ...over,
});

/** Ingests through the real endpoint and returns the outbox id. */
async function ingest(conn: ConnectionRow, event: string, data: unknown): Promise<number> {
  const res = await postUnified(svc, JSON.stringify({ connection_id: conn.connectionId, event, data, nonce: Math.random() }));
  expect(res.statusCode).toBe(200);
  const row = (await outboxRows(svc, conn.id)).find((r) => r.eventId === res.json().event_id);
  return row!.id;
}

/** Runs the relay's batch until nothing due is left (the service here runs no worker), then reads the row. */
async function run(outboxId: number) {
  while ((await processOutboxBatch(svc.deps)).claimed > 0);
  return (await outboxById(svc.deps.db, outboxId))!;
}

describe('outbox batcher', () => {
  it('stores any text exactly, in one flush, with duplicates and inactive connections answered per event', async () => {
    const conn = await createConnection(svc, newTenant());
    const other = await createConnection(svc, newTenant());
    await svc.deps.db.execute(sql`UPDATE connections SET status = 'DISCONNECTED' WHERE id = ${other.id}::uuid`);
    // What an array literal must quote or escape: quotes, backslashes, braces, commas, spaces, NULL, empty.
    const nasty = ['{"a":"b\\"c"}', 'back\\slash', '{,}', 'NULL', '', ' padded ', 'ünï 😀', 'line\nbreak', '"quoted"'];
    const stamp = Date.now();
    const events = nasty.map((text, i) => ({
      eventId: `evt_nasty_${stamp}_${i}`,
      connectionId: conn.id,
      source: `src ${text}`,
      event: `ev,${text}`,
      dedupeKey: `key-${stamp}-${i}-${text}`,
      rawBody: text,
    }));
    const dup = { ...events[0]!, eventId: `evt_nasty_${stamp}_dup` };
    const inactive = { ...events[1]!, eventId: `evt_nasty_${stamp}_off`, connectionId: other.id };
    const outcomes = await Promise.all([...events, dup, inactive].map((e) => svc.deps.outbox.submit(e)));
    expect(outcomes.slice(0, nasty.length).every((o) => o.kind === 'inserted')).toBe(true);
    // The duplicate of the first event, in the same flush, is answered with the first one's row.
    expect(outcomes[nasty.length]).toEqual({ kind: 'duplicate', id: (outcomes[0] as { id: number }).id, eventId: events[0]!.eventId });
    expect(outcomes[nasty.length + 1]).toEqual({ kind: 'inactive' });
    const rows = rowsOf<{ event_id: string; source: string; event: string; dedupe_key: string; raw_body: string }>(
      await svc.deps.db.execute(sql`SELECT event_id, source, event, dedupe_key, raw_body FROM outbox WHERE connection_id IN (${conn.id}::uuid, ${other.id}::uuid) ORDER BY id`),
    );
    expect(rows).toEqual(events.map((e) => ({ event_id: e.eventId, source: e.source, event: e.event, dedupe_key: e.dedupeKey, raw_body: e.rawBody })));
  });

  it('quotes every element of a text[] parameter so the database reads back exactly what was sent', async () => {
    const values = ['"', '\\', '\\"', '{}', 'a,b', 'NULL', '', ' ', '\t', 'ö'];
    const back = rowsOf<{ v: string }>(await svc.deps.db.execute(sql`SELECT unnest(${textArray(values)}::text[]) AS v`)).map((r) => r.v);
    expect(back).toEqual(values);
  });
});

describe('outbox relay', () => {
  it('stores a unified order.created with exact decimals and marks the row processed', async () => {
    const conn = await createConnection(svc, newTenant());
    const row = await run(await ingest(conn, 'order.created', unifiedOrder()));
    expect(row).toMatchObject({ status: 'processed', attempts: 1, error: null });
    expect(row.processedAt).toBeInstanceOf(Date);
    const order = await orderByExternalId(svc.deps.db, conn.id, 'ord_1001');
    expect(order).toMatchObject({
      name: '#1001',
      status: 'paid',
      currency: 'EUR',
      total: '179.98',
      lineItems: [
        { sku: 'SKU-1', title: 'Trail Runner', quantity: 2, price: '89.99' },
        { sku: null, title: 'Gift wrap', quantity: 1, price: '0' },
      ],
    });
    expect(order!.externalUpdatedAt.toISOString()).toBe('2024-05-01T10:00:00.000Z');
  });

  it('applies newer updates and never lets an older one overwrite a newer one', async () => {
    const conn = await createConnection(svc, newTenant());
    await run(await ingest(conn, 'order.created', unifiedOrder({ updated_at: '2024-05-01T10:00:00Z' })));
    await run(await ingest(conn, 'accounting.order.updated', unifiedOrder({ status: 'shipped', updated_at: '2024-05-01T12:00:00Z' })));
    const stale = await run(await ingest(conn, 'order.updated', unifiedOrder({ status: 'pending', total: '1.00', updated_at: '2024-05-01T11:00:00Z' })));
    // An out-of-date event is not an error: it was seen, and the newer state wins.
    expect(stale.status).toBe('processed');
    const order = await orderByExternalId(svc.deps.db, conn.id, 'ord_1001');
    expect(order).toMatchObject({ status: 'shipped', total: '179.98' });
    expect(order!.externalUpdatedAt.toISOString()).toBe('2024-05-01T12:00:00.000Z');
  });

  it('keys orders by connection and external id (external_id wins over id)', async () => {
    const conn = await createConnection(svc, newTenant());
    await run(await ingest(conn, 'order.created', unifiedOrder({ id: 1, external_id: 'EXT-1' })));
    expect(await orderByExternalId(svc.deps.db, conn.id, 'EXT-1')).not.toBeNull();
    expect(await orderByExternalId(svc.deps.db, conn.id, '1')).toBeNull();
  });

  it.each([
    ['no currency', { currency: undefined }],
    ['a lower-case currency', { currency: 'eur' }],
    ['a total with 5 decimals', { total: '1.23456' }],
    ['a negative total', { total: '-5' }],
    ['a total in exponent form', { total: 1e21 }],
    ['no updated_at', { updated_at: undefined }],
    ['a non-timestamp updated_at', { updated_at: 'yesterday' }],
    ['no id', { id: undefined }],
    ['a bad line item price', { line_items: [{ title: 'x', quantity: 1, price: 'free' }] }],
    ['a fractional quantity', { line_items: [{ title: 'x', quantity: 1.5, price: '1' }] }],
    ['a NUL in a title', { line_items: [{ title: 'a\u0000b', quantity: 1, price: '1' }] }],
  ])('marks an order with %s failed, with the reason, without throwing', async (_name, over) => {
    const conn = await createConnection(svc, newTenant());
    const row = await run(await ingest(conn, 'order.created', JSON.parse(JSON.stringify(unifiedOrder(over)))));
    expect(row.status).toBe('failed');
    expect(row.attempts).toBe(1);
    expect(row.error).toMatch(/order/);
    expect(await orderByExternalId(svc.deps.db, conn.id, 'ord_1001')).toBeNull();
  });

  it('marks a non-object order payload failed', async () => {
    const conn = await createConnection(svc, newTenant());
    expect((await run(await ingest(conn, 'order.created', 'not an order'))).status).toBe('failed');
  });

  it('records other events as processed without side effects', async () => {
    const conn = await createConnection(svc, newTenant());
    const row = await run(await ingest(conn, 'product.updated', { id: 'p1' }));
    expect(row.status).toBe('processed');
  });

  it('disconnects the connection on app.uninstalled; ingress refuses it at once', async () => {
    const conn = await createConnection(svc, newTenant());
    const row = await run(await ingest(conn, 'app.uninstalled', {}));
    expect(row.status).toBe('processed');
    expect((await connectionById(svc.deps.db, conn.id))?.status).toBe('DISCONNECTED');
    const res = await postUnified(svc, JSON.stringify({ connection_id: conn.connectionId, event: 'order.created', data: unifiedOrder() }));
    expect(res.statusCode).toBe(404);
  });

  it('applies a row once when two relays claim at the same time (SKIP LOCKED)', async () => {
    const conn = await createConnection(svc, newTenant());
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push(await ingest(conn, 'order.created', unifiedOrder({ id: `ord_c${i}` })));
    const [a, b] = await Promise.all([processOutboxBatch(svc.deps, 3), processOutboxBatch(svc.deps, 3)]);
    // Disjoint batches: together they cover the five rows at most once each.
    expect(a.claimed + b.claimed).toBeLessThanOrEqual(5);
    await run(ids[0]!);
    for (const id of ids) expect(await outboxById(svc.deps.db, id)).toMatchObject({ status: 'processed', attempts: 1 });
  });

  it('maps provider events with the connector (a Shopify REST order payload)', async () => {
    const conn = await createConnection(svc, newTenant());
    const payload = {
      id: 450789469,
      admin_graphql_api_id: 'gid://shopify/Order/450789469',
      name: '#1001',
      financial_status: 'paid',
      currency: 'USD',
      total_price: '598.94',
      created_at: '2024-05-01T10:00:00-04:00',
      updated_at: '2024-05-01T10:05:00-04:00',
      line_items: [{ sku: 'IPOD2008BLACK', title: 'IPod Nano - 8gb', quantity: 1, price: '199.00' }],
    };
    const stored = await svc.deps.outbox.submit({
      eventId: `evt_test${Date.now()}`,
      connectionId: conn.id,
      source: 'shopify',
      event: 'order.created',
      dedupeKey: 'shopify-delivery-1',
      rawBody: JSON.stringify(payload),
    });
    if (stored.kind !== 'inserted') throw new Error('not inserted');
    const row = await run(stored.id);
    expect(row.status).toBe('processed');
    const order = await orderByExternalId(svc.deps.db, conn.id, 'gid://shopify/Order/450789469');
    expect(order).toMatchObject({ total: '598.94', currency: 'USD', status: 'paid' });
    expect(order!.externalUpdatedAt.toISOString()).toBe('2024-05-01T14:05:00.000Z');
  });

  it('retries a crash after a backoff without holding up the rest of the batch, and parks the row as failed on the last attempt', async () => {
    const conn = await createConnection(svc, newTenant());
    const stored = await svc.deps.outbox.submit({
      eventId: `evt_crash${Date.now()}`,
      connectionId: conn.id,
      source: 'shopify',
      event: 'order.updated',
      dedupeKey: 'crash-1',
      rawBody: '{}',
    });
    if (stored.kind !== 'inserted') throw new Error('not inserted');
    const healthy = await ingest(conn, 'product.updated', { id: 'p-after-crash' });
    const real = svc.deps.providers;
    const crashing = {
      orderFromEvent: () => {
        throw new Error('connector bug');
      },
    } as unknown as Connector;
    svc.deps.providers = { get: () => crashing, configured: () => [], modules: () => [] };
    try {
      const first = await processOutboxBatch(svc.deps);
      expect(first).toMatchObject({ retried: 1 });
      expect(await outboxById(svc.deps.db, stored.id)).toMatchObject({ status: 'pending', attempts: 1, error: 'connector bug' });
      // The row after it in the same batch committed.
      expect(await outboxById(svc.deps.db, healthy)).toMatchObject({ status: 'processed' });
      // Held back for its backoff: an immediate second claim does not take it.
      const crashedRow = await outboxById(svc.deps.db, stored.id);
      if (crashedRow!.nextAttemptAt.getTime() > Date.now() + 5) expect((await processOutboxBatch(svc.deps)).claimed).toBe(0);
      // Fast-forward to the last attempt.
      await svc.deps.db.execute(sql`UPDATE outbox SET attempts = 5, next_attempt_at = now() WHERE id = ${stored.id}`);
      expect(await processOutboxBatch(svc.deps)).toMatchObject({ failed: 1 });
      const row = await outboxById(svc.deps.db, stored.id);
      expect(row).toMatchObject({ status: 'failed', attempts: 6 });
      expect(row!.error).toMatch(/gave up after 6 attempts: connector bug/);
    } finally {
      svc.deps.providers = real;
    }
  });

  it('claims nothing when nothing is pending', async () => {
    while ((await processOutboxBatch(svc.deps)).claimed > 0);
    await expect(processOutboxBatch(svc.deps)).resolves.toEqual({ claimed: 0, processed: 0, failed: 0, retried: 0 });
  });
});
