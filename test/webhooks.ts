// Test helpers for inbound webhooks: ACTIVE connections inserted directly, signed
// deliveries, and polling for the worker's effects without timed assertions.
import { createHmac, randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { insertConnection, type ConnectionRow } from '../src/db/connections.ts';
import { outbox } from '../src/db/schema.ts';
import type { ConnectionStatus } from '../src/domain/connectionLifecycle.ts';
import { TEST_WEBHOOK_SECRET, type TestService, type TestTenant } from './harness.ts';

export const newConnectionId = () => `conn_${randomBytes(9).toString('hex')}`;

export async function createConnection(
  svc: TestService,
  t: TestTenant,
  opts: { status?: ConnectionStatus; provider?: string; account?: string; category?: string } = {},
): Promise<ConnectionRow> {
  return insertConnection(svc.deps.db, {
    connectionId: newConnectionId(),
    tenantId: t.tenantId,
    orgId: t.orgId,
    provider: opts.provider ?? 'shopify',
    category: opts.category ?? 'commerce',
    status: opts.status ?? 'ACTIVE',
    account: opts.account ?? `shop-${randomBytes(4).toString('hex')}.myshopify.com`,
    credentials: 'x',
  });
}

export const signHex = (body: string | Buffer, secret: string = TEST_WEBHOOK_SECRET) => createHmac('sha256', secret).update(body).digest('hex');

/** POSTs exactly these bytes, signed unless a signature header is given. */
export async function postUnified(svc: TestService, body: string | Buffer, headers: Record<string, string> = {}) {
  const signature = 'x-unified-signature' in headers ? {} : { 'x-unified-signature': signHex(body) };
  return svc.app.inject({
    method: 'POST',
    url: '/unified/webhook',
    headers: { 'content-type': 'application/json', ...signature, ...headers },
    payload: body,
  });
}

export async function outboxRows(svc: TestService, connectionUuid: string) {
  return svc.deps.db.select().from(outbox).where(eq(outbox.connectionId, connectionUuid));
}

/** Polls until `check` returns a value (not undefined) or the deadline passes; the deadline only bounds a hang. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 20_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
