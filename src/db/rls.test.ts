// Row-level security as defence in depth: with synq.tenant_id set for a
// transaction, a query that forgot its tenant filter still sees one tenant only.
// Superusers bypass RLS, so the check runs as a plain role, as production should.
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
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
