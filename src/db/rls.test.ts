// Row-level security as defence in depth: with synq.tenant_id set for a
// transaction, a query that forgot its tenant filter still sees one tenant only.
// Superusers bypass RLS, so the check runs as a plain role, as production should.
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newTenant, startService, type TestService } from '../../test/harness.ts';
import { rowsOf } from './client.ts';

let svc: TestService;
const role = `synq_rls_probe_${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  svc = await startService();
  await svc.deps.db.execute(sql.raw(`CREATE ROLE ${role} NOLOGIN`));
  await svc.deps.db.execute(sql.raw(`GRANT SELECT, INSERT ON products TO ${role}`));
});
afterAll(async () => {
  await svc?.deps.db.execute(sql.raw(`REVOKE ALL ON products FROM ${role}`)).catch(() => {});
  await svc?.deps.db.execute(sql.raw(`DROP ROLE IF EXISTS ${role}`)).catch(() => {});
  await svc?.close();
});

describe('row-level security', () => {
  it('an unfiltered query inside a tenant transaction sees only that tenant', async () => {
    const a = newTenant();
    const b = newTenant();
    for (const t of [a, b]) {
      const res = await svc.app.inject({ method: 'POST', url: '/api/v1/pim/products', headers: await svc.headers(t), payload: { title: `for ${t.tenantId}` } });
      expect(res.statusCode).toBe(201);
    }
    const seen = await svc.deps.db.transaction(async (tx) => {
      await tx.execute(sql`SELECT set_config('synq.tenant_id', ${a.tenantId}, true)`);
      await tx.execute(sql.raw(`SET LOCAL ROLE ${role}`));
      // Deliberately no WHERE tenant_id: the policy is what filters.
      return rowsOf<{ tenant_id: string }>(await tx.execute(sql`SELECT tenant_id::text FROM products`));
    });
    expect(seen.length).toBeGreaterThan(0);
    expect(new Set(seen.map((r) => r.tenant_id))).toEqual(new Set([a.tenantId]));
  });

  it('with no tenant and no system scope set, every tenant table shows zero rows (same session, plain role)', async () => {
    const a = newTenant();
    const res = await svc.app.inject({ method: 'POST', url: '/api/v1/pim/products', headers: await svc.headers(a), payload: { title: 'visible to nobody unscoped' } });
    expect(res.statusCode).toBe(201);
    const counts = await svc.deps.db.transaction(async (tx) => {
      // Undo the session's system scope for this transaction only, then drop privileges.
      await tx.execute(sql`SELECT set_config('synq.scope', '', true)`);
      await tx.execute(sql.raw(`SET LOCAL ROLE ${role}`));
      return rowsOf<{ n: number }>(await tx.execute(sql`SELECT count(*)::int AS n FROM products`));
    });
    expect(Number(counts[0]!.n)).toBe(0);
    // The same session as Synq (system scope) does see it.
    const all = rowsOf<{ n: number }>(await svc.deps.db.execute(sql`SELECT count(*)::int AS n FROM products WHERE tenant_id = ${a.tenantId}`));
    expect(Number(all[0]!.n)).toBe(1);
  });

  it.skipIf(!process.env.DATABASE_URL || process.env.SYNQ_TEST_DB !== 'postgres')(
    'PostgreSQL: the application role (login, not owner, not superuser) connecting with nothing set sees zero rows in every tenant table',
    async () => {
      const a = newTenant();
      const res = await svc.app.inject({ method: 'POST', url: '/api/v1/pim/products', headers: await svc.headers(a), payload: { title: 'for the login probe' } });
      expect(res.statusCode).toBe(201);
      const tables = rowsOf<{ tablename: string; tableowner: string }>(
        await svc.deps.db.execute(sql`SELECT c.relname AS tablename, pg_get_userbyid(c.relowner) AS tableowner FROM pg_class c
          JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relrowsecurity AND c.relforcerowsecurity`),
      );
      expect(tables.map((t) => t.tablename).sort()).toEqual(
        ['audit_log', 'catalog_feeds', 'catalog_versions', 'connections', 'oauth_states', 'orders', 'outbox', 'product_links', 'products', 'push_batches', 'push_jobs', 'push_targets', 'variants'].sort(),
      );
      const login = `synq_app_probe_${randomUUID().slice(0, 8)}`;
      await svc.deps.db.execute(sql.raw(`CREATE ROLE ${login} LOGIN NOSUPERUSER NOBYPASSRLS`));
      await svc.deps.db.execute(sql.raw(`GRANT SELECT ON ${tables.map((t) => `"${t.tablename}"`).join(', ')} TO ${login}`));
      const url = new URL(svc.config.databaseUrl ?? '');
      url.username = login;
      const client = new pg.Client({ connectionString: url.toString() });
      await client.connect();
      try {
        const me = await client.query<{ rolsuper: boolean; rolbypassrls: boolean }>('SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user');
        expect(me.rows[0]).toEqual({ rolsuper: false, rolbypassrls: false });
        for (const t of tables) expect(t.tableowner).not.toBe(login);
        for (const t of tables) {
          const r = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${t.tablename}"`);
          expect({ table: t.tablename, rows: r.rows[0]!.n }).toEqual({ table: t.tablename, rows: 0 });
        }
        // Setting the tenant shows exactly that tenant's rows.
        await client.query('BEGIN');
        await client.query(`SELECT set_config('synq.tenant_id', $1, true)`, [a.tenantId]);
        const own = await client.query<{ tenant_id: string }>('SELECT tenant_id::text FROM products');
        await client.query('COMMIT');
        expect(own.rows.map((r) => r.tenant_id)).toEqual([a.tenantId]);
      } finally {
        await client.end();
        await svc.deps.db.execute(sql.raw(`REVOKE ALL ON ${tables.map((t) => `"${t.tablename}"`).join(', ')} FROM ${login}`)).catch(() => {});
        await svc.deps.db.execute(sql.raw(`DROP ROLE IF EXISTS ${login}`)).catch(() => {});
      }
    },
  );

  it("writing another tenant's row is refused by the policy", async () => {
    const a = newTenant();
    const err = await svc.deps.db
      .transaction(async (tx) => {
        await tx.execute(sql`SELECT set_config('synq.tenant_id', ${a.tenantId}, true)`);
        await tx.execute(sql.raw(`SET LOCAL ROLE ${role}`));
        await tx.execute(sql`INSERT INTO products (tenant_id, org_id, title) VALUES (${randomUUID()}, ${randomUUID()}, 'smuggled')`);
      })
      .catch((e: unknown) => e);
    expect(String((err as { cause?: unknown })?.cause ?? err)).toMatch(/row-level security/);
  });
});
