// A transaction whose connection the server cuts between two statements (what every
// open transaction sees when PostgreSQL restarts with -m fast) fails with an error
// the API answers as 503, instead of an unhandled 'error' event that ends the process;
// and a transaction whose BEGIN meets a dying connection gives its client back.
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyError } from '../http/errors.ts';
import { createTestDatabase, dbKind, type TestDatabase } from '../../test/harness.ts';
import { waitFor } from '../../test/e2e/flow.ts';
import { startFaultProxy } from '../../test/reliability/faultProxy.ts';
import { openDatabase, rowsOf, type Database } from './client.ts';

const onPostgres = dbKind() === 'postgres';

describe.skipIf(!onPostgres)('PostgreSQL pool', () => {
  let testDb: TestDatabase;
  let database: Database;
  beforeAll(async () => {
    testDb = await createTestDatabase();
    database = await openDatabase({ databaseUrl: testDb.databaseUrl, dataDir: '' });
  });
  afterAll(async () => {
    await database?.close();
    await testDb?.drop();
  });

  it('survives the server ending a connection in the middle of a transaction', async () => {
    const admin = new pg.Client({ connectionString: testDb.databaseUrl });
    await admin.connect();
    const outcome = database.db.transaction(async (tx) => {
      const [me] = rowsOf<{ pid: number }>(await tx.execute(sql`SELECT pg_backend_pid() AS pid`));
      // Between two statements: no query is active, so the driver can only report it as an event.
      await admin.query('SELECT pg_terminate_backend($1)', [me!.pid]);
      await new Promise((r) => setTimeout(r, 200));
      await tx.execute(sql`SELECT 1`);
    });
    const err = await outcome.then(() => null, (e: unknown) => e);
    await admin.end();
    expect(err).not.toBeNull();
    expect(classifyError(err).code).toBe('UNAVAILABLE');
    // The pool dropped the dead client and serves the next caller.
    const [row] = rowsOf<{ one: number }>(await database.db.execute(sql`SELECT 1 AS one`));
    expect(row!.one).toBe(1);
  });

  it('gives the client back when BEGIN itself meets a dead connection', async () => {
    // The pool reaches PostgreSQL through a TCP proxy that resets the connection on cue.
    const url = new URL(testDb.databaseUrl!);
    const proxy = await startFaultProxy({ host: url.hostname, port: Number(url.port || 5432) });
    url.host = `127.0.0.1:${proxy.port}`;
    const viaProxy = await openDatabase({ databaseUrl: url.toString(), dataDir: '' });
    try {
      if (viaProxy.kind !== 'postgres') throw new Error('expected a pool');
      await viaProxy.db.execute(sql`SELECT 1`); // one idle client in the pool
      proxy.queueFaults({ kind: 'reset' }, 1); // its next statement, the transaction's BEGIN, is cut
      const err = await viaProxy.db.transaction(async (tx) => tx.execute(sql`SELECT 1`)).then(() => null, (e: unknown) => e);
      expect(classifyError(err).code).toBe('UNAVAILABLE');
      // Drizzle sends BEGIN outside its try/finally; without the pool's guard this client stays checked out for good.
      const { pool } = viaProxy;
      await waitFor(async () => pool.totalCount === pool.idleCount, 5000, 50);
      const [row] = rowsOf<{ one: number }>(await viaProxy.db.execute(sql`SELECT 1 AS one`));
      expect(row!.one).toBe(1);
    } finally {
      // pool.end() waits for checked-out clients: a leaked one would hang it.
      await Promise.race([viaProxy.close(), new Promise((r) => setTimeout(r, 2000))]);
      await proxy.close();
    }
  });
});
