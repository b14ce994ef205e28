// The two claim statements must stay linear in the connection's targets whatever the planner
// knows. A fresh table has no statistics until autovacuum's first ANALYZE (a new install's first
// push; CI's PostgreSQL runs without autovacuum), and a correlated NOT EXISTS in either claim was
// then planned as a nested loop over all of the connection's targets per target: 21 s for one
// 10,000-product bulk chunk. Buffer reads, from EXPLAIN ANALYZE, are the measure here (a count,
// not a time): linear is a few per target, the quadratic plan is thousands.
import { randomUUID } from 'node:crypto';
import { sql, TransactionRollbackError, type SQL } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/harness.ts';
import { openDatabase, rowsOf, withTenant, type Database } from './client.ts';
import { insertConnection } from './connections.ts';
import { drainClaimProducts, drainWakeQuery } from './push.ts';
import { bulkClaimCandidates, createBatch } from './pushBatches.ts';

const N = 2000;

describe('push claims on a table without statistics', () => {
  let testDb: TestDatabase;
  let database: Database;
  const tenantId = randomUUID();
  const orgId = randomUUID();
  let connectionId = '';

  beforeAll(async () => {
    testDb = await createTestDatabase();
    database = await openDatabase({ databaseUrl: testDb.databaseUrl, dataDir: '', ...(testDb.pglite ? { pglite: testDb.pglite } : {}) });
    const db = database.db;
    await db.execute(sql`INSERT INTO tenants (id, org_id) VALUES (${tenantId}, ${orgId})`);
    const conn = await insertConnection(db, { connectionId: `conn_claims${randomUUID().slice(0, 8)}`, tenantId, orgId, provider: 'shopify', category: 'commerce', status: 'ACTIVE', account: 'claims.myshopify.com', credentials: 'x' });
    connectionId = conn.id;
    await withTenant(db, tenantId, async (tx) => {
      const ids = rowsOf<{ id: string }>(
        await tx.execute(sql`INSERT INTO products (tenant_id, org_id, title) SELECT ${tenantId}::uuid, ${orgId}::uuid, 'p' || i FROM generate_series(1, ${N}) AS i RETURNING id`),
      ).map((r) => r.id);
      // A bulk push of every product, half of it a chunk in flight at the provider...
      await createBatch(tx, { tenantId, orgId }, { action: 'UPSERT', origin: 'api', productIds: ids, connectionIds: [conn.id] });
      await tx.execute(sql`UPDATE push_targets SET status = 'running', leased_until = now() + interval '5 minutes'
        WHERE id IN (SELECT id FROM push_targets ORDER BY created_at, id LIMIT ${N / 2})`);
      // ...and a single-product push of each, queued (every 50th one running).
      await tx.execute(sql`
        WITH j AS (INSERT INTO push_jobs (tenant_id, org_id, product_id, action)
                   SELECT ${tenantId}::uuid, ${orgId}::uuid, p, 'UPSERT' FROM products p(p) RETURNING id, product_id)
        INSERT INTO push_targets (tenant_id, job_id, product_id, connection_id, action, status)
        SELECT ${tenantId}::uuid, j.id, j.product_id, ${conn.id}::uuid, 'UPSERT',
               CASE WHEN row_number() OVER (ORDER BY j.product_id) % 50 = 0 THEN 'running' ELSE 'queued' END FROM j`);
    });
  });
  afterAll(async () => {
    await database?.close();
    await testDb?.drop();
  });

  /** Shared buffers the statement touched (hit or read), from EXPLAIN (ANALYZE, BUFFERS), and its row count. */
  async function buffersOf(query: SQL): Promise<{ buffers: number; rows: number }> {
    return withTenant(database.db, tenantId, async (tx) => {
      const [r] = rowsOf<Record<string, unknown>>(await tx.execute(sql`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${query}`));
      const raw = Object.values(r!)[0];
      const plan = (typeof raw === 'string' ? JSON.parse(raw) : raw) as { Plan: Record<string, number> }[];
      const top = plan[0]!.Plan;
      return { buffers: (top['Shared Hit Blocks'] ?? 0) + (top['Shared Read Blocks'] ?? 0), rows: top['Actual Rows'] ?? 0 };
    });
  }

  it('the table really has no statistics (else this test shows nothing)', async () => {
    const [s] = rowsOf<{ n: number | string }>(await database.db.execute(sql`SELECT count(*) AS n FROM pg_stats WHERE tablename = 'push_targets'`));
    expect(Number(s!.n)).toBe(0);
  });

  it('a bulk claim reads a few buffers per target, not a rescan per target', async () => {
    const { buffers, rows } = await buffersOf(sql`${bulkClaimCandidates(connectionId, N)} FOR UPDATE OF t SKIP LOCKED`);
    // The free half of the batch, less the products whose single push is running (counted the plain way).
    const [expected] = rowsOf<{ n: number | string }>(
      await withTenant(database.db, tenantId, (tx) =>
        tx.execute(sql`SELECT count(*) AS n FROM push_targets t WHERE t.batch_id IS NOT NULL AND t.status = 'queued'
          AND NOT EXISTS (SELECT 1 FROM push_targets o WHERE o.product_id = t.product_id AND o.batch_id IS NULL AND o.status = 'running')`),
      ),
    );
    expect(Number(expected!.n)).toBeGreaterThan(N / 2 - N / 10);
    expect(rows).toBe(Number(expected!.n));
    expect(buffers).toBeLessThan(20 * 2 * N);
  });

  it('a drain claim reads a few buffers per target, not a rescan per candidate', async () => {
    const { buffers, rows } = await buffersOf(sql`SELECT * FROM (${drainClaimProducts(connectionId, 'single', 500)}) AS d`);
    expect(rows).toBe(500);
    expect(buffers).toBeLessThan(20 * 2 * N);
  });

  it('the drain wake-up is what a per-target lookup of each target\'s holders gives', async () => {
    // The statement as it was (a correlated lookup per target), kept here as the definition.
    const definition = (c: string, scope: 'single' | 'all') => sql`
      SELECT extract(epoch FROM min(greatest(coalesce(t.leased_until, now()),
        coalesce((SELECT max(h.leased_until) FROM push_targets h WHERE h.product_id = t.product_id AND h.connection_id = t.connection_id
          AND h.status = 'running' AND h.leased_until > now()), now()))) - now())::float8 AS s
      FROM push_targets t WHERE t.connection_id = ${c}::uuid AND t.status IN ('queued', 'running') ${sql.raw(scope === 'single' ? 'AND t.batch_id IS NULL' : '')}`;
    const target = fc.record({
      product: fc.integer({ min: 0, max: 3 }),
      single: fc.boolean(),
      status: fc.constantFrom('queued', 'running', 'succeeded', 'dead'),
      // Lease end in seconds from now; null for none.
      lease: fc.option(fc.integer({ min: -300, max: 300 }), { nil: null }),
    });
    const products = rowsOf<{ id: string }>(
      await withTenant(database.db, tenantId, (tx) => tx.execute(sql`SELECT id FROM products ORDER BY id LIMIT 4`)),
    ).map((r) => r.id);
    await fc.assert(
      fc.asyncProperty(fc.array(target, { maxLength: 10 }), async (targets) => {
        // Each case in its own transaction, rolled back: a connection of its own, nothing left behind.
        await withTenant(database.db, tenantId, async (tx) => {
          const conn = await insertConnection(tx, { connectionId: `conn_wake${randomUUID().slice(0, 8)}`, tenantId, orgId, provider: 'shopify', category: 'commerce', status: 'ACTIVE', account: 'wake.myshopify.com', credentials: 'x' });
          const batchId = await createBatch(tx, { tenantId, orgId }, { action: 'UPSERT', origin: 'api', productIds: [], connectionIds: [] });
          for (const t of targets) {
            const productId = products[t.product]!;
            const lease = t.lease === null ? sql`NULL` : sql`now() + make_interval(secs => ${t.lease})`;
            if (t.single) {
              await tx.execute(sql`WITH j AS (INSERT INTO push_jobs (tenant_id, org_id, product_id, action) VALUES (${tenantId}, ${orgId}, ${productId}, 'UPSERT') RETURNING id)
                INSERT INTO push_targets (tenant_id, job_id, product_id, connection_id, action, status, leased_until)
                SELECT ${tenantId}::uuid, j.id, ${productId}::uuid, ${conn.id}::uuid, 'UPSERT', ${t.status}, ${lease} FROM j`);
            } else {
              await tx.execute(sql`INSERT INTO push_targets (tenant_id, batch_id, product_id, connection_id, action, status, leased_until)
                VALUES (${tenantId}, ${batchId}, ${productId}, ${conn.id}, 'UPSERT', ${t.status}, ${lease})`);
            }
          }
          for (const scope of ['single', 'all'] as const) {
            // now() is the transaction's start, the same in both statements.
            const [got] = rowsOf<{ s: number | null }>(await tx.execute(drainWakeQuery(conn.id, scope)));
            const [want] = rowsOf<{ s: number | null }>(await tx.execute(definition(conn.id, scope)));
            expect(got!.s === null ? null : Number(got!.s)).toBe(want!.s === null ? null : Number(want!.s));
          }
          await tx.rollback();
        }).catch((err: unknown) => {
          if (!(err instanceof TransactionRollbackError)) throw err;
        });
      }),
      { numRuns: 60 },
    );
  });

  it('the drain wake-up is one grouped pass, not a rescan per target', async () => {
    // It visits every unfinished target in scope (N single pushes) and looks for a holder of each.
    for (const scope of ['single', 'all'] as const) {
      const { buffers } = await buffersOf(drainWakeQuery(connectionId, scope));
      expect(buffers).toBeLessThan(20 * 2 * N);
    }
  });
});
