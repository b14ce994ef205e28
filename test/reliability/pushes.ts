// Helpers shared by the reliability suites that push products: create and push many
// products, read every push target of a tenant in one query, and read the push
// worker's log lines back as data.
import { sql } from 'drizzle-orm';
import { expect } from 'vitest';
import { rowsOf, withTenant } from '../../src/db/client.ts';
import type { TestService, TestTenant } from '../harness.ts';
import { waitFor } from '../e2e/flow.ts';

export interface Pushed {
  productIds: string[];
  skus: string[];
  jobIds: string[];
}

/** Creates `n` single-variant products (SKU `${prefix}-${i}`) and pushes each (UPSERT) to every active connection. */
export async function createAndPush(svc: TestService, t: TestTenant, n: number, prefix: string): Promise<Pushed> {
  const headers = await svc.headers(t);
  const out: Pushed = { productIds: [], skus: [], jobIds: [] };
  for (let i = 0; i < n; i++) {
    const sku = `${prefix}-${i}`;
    const p = await svc.app.inject({
      method: 'POST',
      url: '/api/v1/pim/products',
      headers,
      payload: { title: `${prefix} ${i}`, variants: [{ sku, price: '3.00', currency: 'USD' }] },
    });
    expect(p.statusCode, p.body).toBe(201);
    const productId = (p.json() as { id: string }).id;
    const push = await svc.app.inject({ method: 'POST', url: '/unified/sync/push/product', headers, payload: { productId, action: 'UPSERT' } });
    expect(push.statusCode, push.body).toBe(202);
    out.productIds.push(productId);
    out.skus.push(sku);
    out.jobIds.push((push.json() as { job_id: string }).job_id);
  }
  return out;
}

export interface TargetState {
  productId: string;
  connectionId: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed' | 'dead';
  attempts: number;
  error: string | null;
}

/** Every push target of the tenant, read in one tenant-scoped transaction (cheap enough to poll for 1,000 targets). */
export async function targetsOf(svc: TestService, t: TestTenant): Promise<TargetState[]> {
  return withTenant(svc.deps.db, t.tenantId, async (tx) =>
    rowsOf<TargetState>(
      await tx.execute(sql`
        SELECT product_id::text AS "productId", connection_id::text AS "connectionId", status::text AS status, attempts, error
        FROM push_targets WHERE tenant_id = ${t.tenantId}::uuid`),
    ),
  );
}

export const unsettled = (ts: TargetState[]) => ts.filter((x) => x.status === 'queued' || x.status === 'running');

/** Waits until no target of the tenant is queued or running; returns them all. */
export async function waitSettled(svc: TestService, t: TestTenant, timeoutMs: number): Promise<TargetState[]> {
  return waitFor(async () => {
    const ts = await targetsOf(svc, t);
    return ts.length > 0 && unsettled(ts).length === 0 ? ts : null;
  }, timeoutMs, 250);
}

/** A push worker's log line, as pushTask writes it. */
export interface PushLog {
  time: number;
  msg: 'push succeeded' | 'push failed';
  productId: string;
  attempt: number;
  code?: string;
  retryAfterMs?: number;
  next?: string;
  retryInMs?: number;
}

/** The push outcome lines among pino JSON log chunks, in order. */
export function pushLogs(chunks: readonly string[]): PushLog[] {
  const out: PushLog[] = [];
  for (const chunk of chunks) {
    for (const line of chunk.split('\n')) {
      if (!line.includes('"msg":"push ')) continue;
      try {
        const o = JSON.parse(line) as PushLog;
        if (o.msg === 'push succeeded' || o.msg === 'push failed') out.push(o);
      } catch {
        // a line cut by a crash; not ours to judge here
      }
    }
  }
  return out;
}

/** SKUs created more than once at a fake. */
export const duplicates = (creations: Record<string, number>): Record<string, number> =>
  Object.fromEntries(Object.entries(creations).filter(([, n]) => n > 1));
