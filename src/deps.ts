// Everything a route or task needs, built once per process from the parsed config.
import { sql } from 'drizzle-orm';
import type { Config } from './config.ts';
import { openDatabase, migrateDatabase, rowsOf, type Database, type Db } from './db/client.ts';
import { ConnectionCache } from './db/connectionCache.ts';
import { connectionByPublicId, onConnectionStatusChange } from './db/connections.ts';
import type { TokenVerifier } from './http/auth.ts';
import { createTokenVerifier, rememberVerified } from './http/auth.ts';
import { JobQueue } from './jobs/queue.ts';
import { outboxBacklog } from './db/outbox.ts';
import { OutboxBatcher } from './db/outboxBatcher.ts';
import { CredentialCipher } from './lib/credentialCipher.ts';
import { createLogger, type Logger } from './lib/logger.ts';
import { Metrics } from './lib/metrics.ts';
import { createProviderRegistry, type ProviderRegistry } from './providers/registry.ts';
import type { Connector } from './providers/types.ts';
import type { PGlite } from '@electric-sql/pglite';
import type { DestinationStream } from 'pino';

export interface Deps {
  config: Config;
  database: Database;
  db: Db;
  queue: JobQueue;
  log: Logger;
  providers: ProviderRegistry;
  cipher: CredentialCipher;
  metrics: Metrics;
  verifier: TokenVerifier;
  /** Group commit for inbound events (webhook hot path). */
  outbox: OutboxBatcher;
  caches: {
    tenants: Set<string>;
    /** conn_… id -> owner and status, for webhook ingress; see connectionCache.ts. */
    connections: ConnectionCache;
  };
}

export interface CreateDepsOptions {
  pglite?: PGlite;
  logDestination?: DestinationStream;
  /** Connectors to use instead of the ones the provider table builds, by provider id. */
  providerOverrides?: Readonly<Record<string, Connector>>;
  /** Run migrations (synq start/api/worker do; tests restoring a snapshot may skip). */
  migrate?: boolean;
  /** Cron schedules and maintenance run in processes that work jobs. */
  schedule?: boolean;
  poolMax?: number;
}

export async function createDeps(config: Config, opts: CreateDepsOptions = {}): Promise<Deps> {
  const log = createLogger(config.logLevel, opts.logDestination);
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    ...(opts.pglite ? { pglite: opts.pglite } : {}),
    ...(opts.poolMax ? { poolMax: opts.poolMax } : {}),
  });
  if (opts.migrate ?? true) await migrateDatabase(database);
  const queue = JobQueue.create(database, {
    schedule: opts.schedule ?? true,
    supervise: opts.schedule ?? true,
    superviseIntervalSeconds: config.queueSuperviseSeconds,
  });
  queue.boss.on('error', (err: unknown) => log.warn({ err }, 'job queue error'));
  await queue.start();
  const db = database.db;
  const metrics = new Metrics(async () => {
    const r = await db.execute(sql`SELECT name AS queue, state::text AS state, count(*)::int AS count FROM pgboss.job GROUP BY 1, 2`);
    // The outbox relay's backlog is reported like a queue: synq_jobs{queue="outbox",state="pending"}.
    const outboxPending = { queue: 'outbox', state: 'pending', count: await outboxBacklog(db) };
    return [...rowsOf<{ queue: string; state: string; count: number }>(r), outboxPending];
  }, true);
  const connectionCache = new ConnectionCache(async (connectionId) => {
    const c = await connectionByPublicId(db, connectionId);
    return c && { id: c.id, connectionId: c.connectionId, tenantId: c.tenantId, orgId: c.orgId, status: c.status, provider: c.provider };
  });
  // A status this process changes is visible to its own ingress at once, not after the TTL.
  onConnectionStatusChange((row) => connectionCache.invalidate(row.connectionId));
  return {
    config,
    database,
    db,
    queue,
    log,
    providers: createProviderRegistry(config.providers, opts.providerOverrides ?? {}),
    cipher: new CredentialCipher(config.encryptionKeys),
    metrics,
    verifier: rememberVerified(createTokenVerifier(config.auth)),
    outbox: new OutboxBatcher(db),
    caches: { tenants: new Set(), connections: connectionCache },
  };
}
