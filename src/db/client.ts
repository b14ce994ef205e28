// Opens the system of record: PostgreSQL when DATABASE_URL is set, otherwise an
// embedded PGlite in the data dir. Both go through the same Drizzle schema, the
// same SQL and the same migrations folder; only the driver differs.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import * as schema from './schema.ts';

export type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
/** Query functions take either: a plain handle or an open transaction. */
export type Queryable = Db | Tx;

export const MIGRATIONS_FOLDER = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

export type Database =
  | { kind: 'pglite'; db: Db; pglite: PGlite; close(): Promise<void> }
  | { kind: 'postgres'; db: Db; pool: pg.Pool; url: string; close(): Promise<void> };

export interface OpenOptions {
  databaseUrl: string | undefined;
  dataDir: string;
  /** An already-open PGlite (tests restore a migrated snapshot into one). */
  pglite?: PGlite;
  poolMax?: number;
}

/** The session setting that lets Synq's own connections see every tenant when no tenant is set. */
export const SYSTEM_SCOPE_SETTING = 'synq.scope=system';

// node-postgres parses int8 to string by default; our bigserial ids fit in a double.
pg.types.setTypeParser(20, (v) => Number(v));

// PGlite and its Drizzle driver are imported only when used: under tsx (how Synq runs) the
// PGlite module alone adds ~50 MB of RSS to a process that talks to PostgreSQL (measured:
// tsx + pg 81 MB, + @electric-sql/pglite 127 MB), a third of the catalog build's budget.
const pgliteModules = async () => ({
  PGlite: (await import('@electric-sql/pglite')).PGlite,
  drizzlePglite: (await import('drizzle-orm/pglite')).drizzle,
  migratePglite: (await import('drizzle-orm/pglite/migrator')).migrate,
});

export async function openDatabase(opts: OpenOptions): Promise<Database> {
  if (opts.databaseUrl) {
    const pool = new pg.Pool({
      connectionString: opts.databaseUrl,
      max: opts.poolMax ?? 10,
      // Fail fast while the database is down instead of queueing requests for ever.
      connectionTimeoutMillis: 3000,
      idleTimeoutMillis: 30_000,
      // Synq's own connections declare the system scope (see migration 0006): without it, or
      // without a tenant set, row-level security shows no tenant rows at all.
      options: `-c ${SYSTEM_SCOPE_SETTING}`,
    });
    // A dropped connection (server restart) surfaces here; the pool replaces it on next use.
    pool.on('error', () => {});
    guardCheckedOutClients(pool);
    const db = drizzlePg(pool, { schema }) as unknown as Db;
    return { kind: 'postgres', db, pool, url: opts.databaseUrl, close: () => pool.end() };
  }
  const { PGlite, drizzlePglite } = await pgliteModules();
  let pglite = opts.pglite;
  if (!pglite) {
    const dir = join(opts.dataDir, 'pgdata');
    mkdirSync(dir, { recursive: true });
    pglite = new PGlite(dir);
  }
  await pglite.waitReady;
  // The one embedded session is Synq's own: system scope, as the pool's connections above.
  await pglite.exec(`SET ${SYSTEM_SCOPE_SETTING}`);
  const db = drizzlePglite(pglite, { schema }) as unknown as Db;
  const client = pglite;
  return { kind: 'pglite', db, pglite: client, close: () => client.close() };
}

/**
 * What a database restart does to connections that are checked out, made harmless:
 * - pg-pool listens for errors only on idle clients. A client checked out for a transaction that
 *   the server cuts between two statements (pg_ctl restart -m fast sends FATAL 57P01 to every
 *   backend) would emit an unhandled 'error' and take the process down. With a listener, the
 *   transaction's next statement fails instead ("not queryable": 503).
 * - Drizzle's transaction() sends BEGIN before its try/finally, so when BEGIN meets a dying
 *   connection the client is never released: the pool shrinks by one for good (3 of 5 lost in
 *   21 restarts under load, after which every request waited for a connection). A checked-out
 *   client whose connection ended is released here, with the error so the pool discards it; the
 *   holder's own release, if it ever comes, becomes a no-op.
 */
function guardCheckedOutClients(pool: pg.Pool): void {
  const checkedOut = new WeakSet<pg.PoolClient>();
  pool.on('acquire', (client) => checkedOut.add(client));
  pool.on('release', (_err, client) => checkedOut.delete(client));
  pool.on('connect', (client) => {
    client.on('error', () => {});
    client.on('end', () => {
      if (!checkedOut.has(client)) return;
      const release = client.release.bind(client);
      client.release = () => {};
      release(new Error('connection ended while checked out'));
    });
  });
}

// Any constant works; it only has to be the same for every Synq process sharing a database.
const MIGRATION_LOCK = 0x53796e71; // "Synq"

/** Applies pending migrations. Safe to call from many processes at once on PostgreSQL. */
export async function migrateDatabase(database: Database): Promise<void> {
  if (database.kind === 'pglite') {
    const { drizzlePglite, migratePglite } = await pgliteModules();
    await migratePglite(drizzlePglite(database.pglite), { migrationsFolder: MIGRATIONS_FOLDER });
    return;
  }
  // An advisory lock on one dedicated session serialises concurrent start-ups.
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await migratePg(drizzlePg(client), { migrationsFolder: MIGRATIONS_FOLDER });
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {});
    await client.end();
  }
}

/** Number of migration files not yet recorded as applied (readiness check). */
export async function pendingMigrations(db: Db): Promise<number> {
  const { readMigrationFiles } = await import('drizzle-orm/migrator');
  const files = readMigrationFiles({ migrationsFolder: MIGRATIONS_FOLDER });
  try {
    const rows = await db.execute(sql`SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations`);
    return files.length - Number(rowsOf<{ n: number }>(rows)[0]?.n ?? 0);
  } catch {
    return files.length;
  }
}

/**
 * Runs fn in a transaction scoped to one tenant: RLS policies see synq.tenant_id
 * for exactly this transaction (set_config(..., true) is transaction-local).
 */
export async function withTenant<T>(db: Db, tenantId: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`SELECT set_config('synq.tenant_id', ${tenantId}, true)`);
    return fn(tx);
  });
}

/** node-postgres returns {rows}, PGlite returns {rows} too, but typed differently: one accessor. */
export function rowsOf<T>(result: unknown): T[] {
  const r = result as { rows?: T[] } | T[];
  return Array.isArray(r) ? r : (r.rows ?? []);
}
