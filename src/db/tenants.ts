import { sql } from 'drizzle-orm';
import type { Deps } from '../deps.ts';
import type { AuthContext } from '../http/auth.ts';
import { ApiError } from '../http/errors.ts';
import { rowsOf } from './client.ts';

/**
 * Tenants are created on their first authenticated request (the identity provider
 * owns who exists). A tenant id seen with another org is refused: ids never move orgs.
 * The per-process cache makes this one query per tenant per process.
 */
export async function ensureTenant(deps: Pick<Deps, 'db' | 'caches'>, auth: AuthContext): Promise<void> {
  const key = `${auth.tenantId}:${auth.orgId}`;
  if (deps.caches.tenants.has(key)) return;
  const result = await deps.db.execute(sql`
    WITH ins AS (
      INSERT INTO tenants (id, org_id) VALUES (${auth.tenantId}, ${auth.orgId})
      ON CONFLICT (id) DO NOTHING RETURNING org_id
    )
    SELECT org_id::text AS org_id FROM ins UNION ALL SELECT org_id::text FROM tenants WHERE id = ${auth.tenantId} LIMIT 1`);
  const orgId = rowsOf<{ org_id: string }>(result)[0]?.org_id;
  if (orgId !== auth.orgId) throw new ApiError('FORBIDDEN', 'Tenant belongs to another org');
  if (deps.caches.tenants.size > 100_000) deps.caches.tenants.clear();
  deps.caches.tenants.add(key);
}
