import type { Queryable } from './client.ts';
import { auditLog } from './schema.ts';

export type AuditAction = 'INTEGRATION_CONNECTED' | 'INTEGRATION_DISCONNECTED' | 'INTEGRATION_REAUTH_REQUIRED' | 'INTEGRATION_INBOUND_SECRET_ROTATED';

export async function writeAudit(
  db: Queryable,
  entry: { tenantId: string; orgId: string; actor: string | null; action: AuditAction; target: string; data?: Record<string, unknown> },
): Promise<void> {
  await db.insert(auditLog).values({ ...entry, data: entry.data ?? {} });
}
