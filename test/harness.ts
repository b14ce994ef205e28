// Shared test harness: a database per suite (restored PGlite snapshot, or a
// PostgreSQL database cloned from a migrated template), a fresh tenant per test,
// and a small typed client.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { inject } from 'vitest';
import { loadConfig, type Config } from '../src/config.ts';
import { insertConnection } from '../src/db/connections.ts';
import { createDeps, type Deps } from '../src/deps.ts';
import { buildApp, type App } from '../src/http/app.ts';
import { mintDevToken, type Role } from '../src/http/auth.ts';
import { startWorker, type Worker } from '../src/jobs/worker.ts';
import { sealCredentials } from '../src/providers/connectionContext.ts';
import type { ProviderModule } from '../src/providers/descriptor.ts';
import type { Connector, ProviderId } from '../src/providers/types.ts';
import { captureLogLine, registerConfigSecrets, registerSecret, watchSealedCredentials } from './logCapture.ts';

export const TEST_AUTH_SECRET = 'test-auth-secret-0123456789abcdef-0123456789';
export const TEST_WEBHOOK_SECRET = 'test-webhook-secret-0123456789abcdef';
export const TEST_ENCRYPTION_KEYS = `t1:${Buffer.alloc(32, 7).toString('base64')}`;

export const dbKind = (): 'pglite' | 'postgres' => (process.env.SYNQ_TEST_DB === 'postgres' ? 'postgres' : 'pglite');

export interface TestDatabase {
  databaseUrl: string | undefined;
  pglite: PGlite | undefined;
  drop(): Promise<void>;
}

/** A fresh, migrated database for one suite. */
export async function createTestDatabase(): Promise<TestDatabase> {
  if (dbKind() === 'postgres') {
    const base = process.env.DATABASE_URL;
    if (!base) throw new Error('SYNQ_TEST_DB=postgres needs DATABASE_URL');
    const name = `synq_t_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: base });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${inject('pgTemplate')}`);
    await admin.end();
    const url = new URL(base);
    url.pathname = `/${name}`;
    return {
      databaseUrl: url.toString(),
      pglite: undefined,
      drop: async () => {
        const c = new pg.Client({ connectionString: base });
        await c.connect();
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
        await c.end();
      },
    };
  }
  const snapshot = readFileSync(inject('pgliteSnapshot'));
  const pglite = new PGlite({ loadDataDir: new Blob([snapshot]) });
  await pglite.waitReady;
  return { databaseUrl: undefined, pglite, drop: async () => {} };
}

export interface TestTenant {
  tenantId: string;
  orgId: string;
}

export const newTenant = (): TestTenant => ({ tenantId: randomUUID(), orgId: randomUUID() });

export interface TestService {
  app: App;
  deps: Deps;
  config: Config;
  url: string;
  worker: Worker | null;
  /** Every log line the service wrote, for secret-leak checks. */
  logs: string[];
  token(t: TestTenant, role?: Role, extra?: { ttl?: string }): Promise<string>;
  headers(t: TestTenant, role?: Role): Promise<Record<string, string>>;
  close(): Promise<void>;
}

export interface ServiceOptions {
  env?: Record<string, string>;
  worker?: boolean;
  providerOverrides?: Readonly<Record<string, Connector>>;
  /** The provider table (default: src/providers/registry.ts); tests add rows to prove a new provider needs nothing else. */
  providers?: readonly ProviderModule[];
  /** Reuse a database across services (two processes on one database). */
  database?: TestDatabase;
}

export async function startService(opts: ServiceOptions = {}): Promise<TestService> {
  const database = opts.database ?? (await createTestDatabase());
  const dataDir = mkdtempSync(join(tmpdir(), 'synq-svc-'));
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    PORT: '0',
    SYNQ_DATA_DIR: dataDir,
    SYNQ_AUTH_SECRET: TEST_AUTH_SECRET,
    SYNQ_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
    SYNQ_ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS,
    LOG_LEVEL: 'debug',
    ...(database.databaseUrl ? { DATABASE_URL: database.databaseUrl } : {}),
    ...opts.env,
  };
  const config = loadConfig(env, opts.providers);
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      const line = chunk.toString('utf8');
      logs.push(line);
      captureLogLine(line);
      cb();
    },
  });
  const deps = await createDeps(config, {
    ...(database.pglite ? { pglite: database.pglite } : {}),
    logDestination: sink,
    migrate: false,
    schedule: false,
    poolMax: 5,
    ...(opts.providerOverrides ? { providerOverrides: opts.providerOverrides } : {}),
  });
  // For the run-wide check that no secret is ever logged (globalSetup scans the capture).
  registerConfigSecrets(config, env);
  watchSealedCredentials(deps.cipher);
  const app = await buildApp(deps);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  const url = typeof addr === 'object' && addr ? `http://127.0.0.1:${addr.port}` : '';
  // Links we hand out (callbacks, webhooks) must point at this listener.
  config.publicUrl = url;
  const worker = opts.worker ? await startWorker(deps, { pollingIntervalSeconds: 0.5 }) : null;
  const token = async (t: TestTenant, role: Role = 'ADMIN', extra: { ttl?: string } = {}) => {
    const minted = await mintDevToken(config.auth.mode === 'dev-secret' ? config.auth.secret : new Uint8Array(), {
      tenantId: t.tenantId,
      orgId: t.orgId,
      role,
      sub: 'user-test',
      ttl: extra.ttl ?? '1h',
    });
    registerSecret('bearer token', minted);
    return minted;
  };
  return {
    app,
    deps,
    config,
    url,
    worker,
    logs,
    token,
    headers: async (t, role = 'ADMIN') => ({
      authorization: `Bearer ${await token(t, role)}`,
      'x-tenant-id': t.tenantId,
      'x-org-id': t.orgId,
    }),
    close: async () => {
      await worker?.stop();
      await app.close();
      await deps.queue.stop(false, 2000).catch(() => {});
      await deps.database.close().catch(() => {});
      if (!opts.database) await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A Shopify connection written straight to the database (no OAuth dance), for tests of what
 * happens after a connection exists: the tenant row, sealed credentials, the given status.
 * Returns the connection's internal id.
 */
export async function insertShopifyConnection(svc: TestService, t: TestTenant, status: 'ACTIVE' | 'DISCONNECTED' = 'ACTIVE'): Promise<string> {
  await svc.deps.db.execute(sql`INSERT INTO tenants (id, org_id) VALUES (${t.tenantId}, ${t.orgId}) ON CONFLICT DO NOTHING`);
  const connectionId = `conn_t${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  const row = await insertConnection(svc.deps.db, {
    connectionId,
    tenantId: t.tenantId,
    orgId: t.orgId,
    provider: 'shopify',
    category: 'commerce',
    status,
    account: `${connectionId}.myshopify.com`,
    credentials: sealCredentials(svc.deps, { tenantId: t.tenantId, connectionId }, { accessToken: 'shpat_test' }),
  });
  return row.id;
}
