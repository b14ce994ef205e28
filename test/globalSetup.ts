// Runs once per `vitest run`: builds a migrated database image that every suite
// starts from, so no suite pays for migrations (PGlite first open ~7 s; restore ~1.8 s).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { openDatabase, migrateDatabase } from '../src/db/client.ts';
import { JobQueue } from '../src/jobs/queue.ts';
import type { TestProject } from 'vitest/node';
import { scanCaptureDir } from './secretScan.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteSnapshot: string;
    pgTemplate: string;
  }
}

async function prepare(database: Awaited<ReturnType<typeof openDatabase>>): Promise<void> {
  await migrateDatabase(database);
  const queue = JobQueue.create(database, { schedule: false, supervise: false });
  await queue.start();
  await queue.stop(false);
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const kind = project.config.env?.SYNQ_TEST_DB ?? 'pglite';
  const dir = mkdtempSync(join(tmpdir(), 'synq-test-'));
  const cleanups: (() => Promise<void>)[] = [async () => rmSync(dir, { recursive: true, force: true })];

  // Every service's log lines and every secret the tests handled (test/logCapture.ts).
  const captureDir = mkdtempSync(join(tmpdir(), 'synq-logs-'));
  project.provide('logCaptureDir', captureDir);

  if (kind === 'pglite') {
  const pglite = new PGlite();
  const database = await openDatabase({ databaseUrl: undefined, dataDir: dir, pglite });
  await prepare(database);
  const dump = await pglite.dumpDataDir('gzip');
  const snapshot = join(dir, 'pglite-snapshot.tar.gz');
  writeFileSync(snapshot, Buffer.from(await dump.arrayBuffer()));
  await pglite.close();
  project.provide('pgliteSnapshot', snapshot);
  }

  if (kind === 'postgres' && process.env.DATABASE_URL) {
    const template = `synq_tpl_${process.pid}_${Date.now().toString(36)}`;
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${template}`);
    await admin.query(`CREATE DATABASE ${template}`);
    const url = new URL(process.env.DATABASE_URL);
    url.pathname = `/${template}`;
    const tdb = await openDatabase({ databaseUrl: url.toString(), dataDir: dir });
    await prepare(tdb);
    await tdb.close();
    project.provide('pgTemplate', template);
    cleanups.push(async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${template}`);
      await admin.end();
    });
  }
  return async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
    // Fails the run when any secret appears in any log line; the capture stays for inspection then.
    const { leaks, secrets, lines } = scanCaptureDir(captureDir);
    if (leaks.length > 0) {
      const list = leaks.slice(0, 20).map((l) => `  ${l.what} in ${join(captureDir, l.file)}:${l.line}\n    ${l.excerpt}`).join('\n');
      throw new Error(`${leaks.length} secret(s) found in the logs of this run (${project.name}):\n${list}`);
    }
    if (process.env.SYNQ_LOG_SCAN_VERBOSE) console.log(`log scan (${project.name}): ${lines} lines, ${secrets} secrets, no leak`);
    rmSync(captureDir, { recursive: true, force: true });
  };
}
