// Push fan-out: N products × 3 connections (Shopify, WooCommerce, Amazon fakes with their
// rate limits lifted) pushed through POST /unified/sync/push/product and worked by Synq's
// push-task queue. Baseline in the same run, on the same database: pg-boss itself sending
// and working N × 3 no-op jobs with the push queue's options and worker concurrency.
//
//   npm run bench:fanout -- [--db pglite|postgres|both] [--products 2000] [--sizes 200,2000,20000]
//                           [--runs 3] [--workers 2] [--timeout-seconds 600] [--json]
//
// PostgreSQL: the API (and the fakes) in this process, `--workers` `synq worker` processes,
// and the baseline's workers as as many pg-boss processes. PGlite is one process by design,
// so there API, worker, fakes and the baseline worker share this process.
// Reported: tasks/s, ratio to the baseline (target ≥ 0.5×), enqueue→provider latency p50/p99
// (the fake's receipt of the product minus the 202 of its push), CPU per task.
// PostgreSQL runs also report the CPU of the bench process (API and fakes) and of the database's
// backends per task, and the SQL statements per task the workers sent (bench/statementCounter.mjs,
// preloaded into them): the one figure here that does not move with the machine's load.
//
// Debugging aids: SYNQ_BENCH_DEBUG=1 (latency per provider), SYNQ_BENCH_PROF=<dir> (V8 CPU
// profiles of the worker processes), SYNQ_BENCH_CHILD_LOG=<file> with SYNQ_BENCH_LOG_LEVEL=debug
// (the workers' log lines, e.g. "task completed" with its ms).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { loadConfig } from '../src/config.ts';
import { rowsOf, withTenant } from '../src/db/client.ts';
import { createDeps, type Deps } from '../src/deps.ts';
import { buildApp } from '../src/http/app.ts';
import { mintDevToken } from '../src/http/auth.ts';
import { startWorker } from '../src/jobs/worker.ts';
import { benchJsonLine, fmt, quantile, row, type BenchRow } from './benchJson.ts';
import { BASELINE_QUEUE, createBaselineQueue, sendBaseline, workBaseline } from './fanoutBaseline.ts';
import { connect, ReceiptRecorder, startFakes, type Fakes } from './fanoutFakes.ts';
import { scratchPostgres, type ScratchDb } from './scratchDb.ts';
import { installStatementCounter } from './statementCounter.mjs';

const { values } = parseArgs({
  options: {
    db: { type: 'string', default: 'both' },
    products: { type: 'string', default: '2000' },
    sizes: { type: 'string' },
    runs: { type: 'string', default: '3' },
    workers: { type: 'string', default: '2' },
    'timeout-seconds': { type: 'string', default: '600' },
    json: { type: 'boolean', default: false },
  },
});
const SIZES = (values.sizes ?? values.products).split(',').map(Number);
const RUNS = Number(values.runs);
const WORKERS = Number(values.workers);
const TIMEOUT_MS = Number(values['timeout-seconds']) * 1000;
/** Pushes (and baseline sends) in flight at once: a busy client, not a flood. */
const IN_FLIGHT = 16;
/** `synq worker`'s polling interval (worker.ts default); the baseline polls at the same pace. */
const POLL_SECONDS = 1;
const CONNECTIONS = 3;
const BIN = resolve(import.meta.dirname, '..', 'bin', 'synq.js');
const BASELINE_WORKER = resolve(import.meta.dirname, 'fanoutBaseline.ts');
/**
 * The workers' application_name (node-postgres reads PGAPPNAME), to tell their backends' CPU from
 * the API's. pg-boss names its own pool's connections `pgboss:<id>`; in the measured window only
 * the workers' pg-boss uses its pool (the API enqueues on its own transaction's connection).
 */
const WORKER_APP = 'synq-bench-worker';
const isWorkerBackend = (app: string) => app === WORKER_APP || app.startsWith('pgboss:');
const STATEMENT_COUNTER = resolve(import.meta.dirname, 'statementCounter.mjs');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (s: string) => console.error(s);

interface RunResult {
  tasksPerS: number;
  baselinePerS: number;
  /** PostgreSQL only: the baseline's worker processes and the database's backends, per job. */
  baseCpuMsPerJob: number;
  basePgCpuMsPerJob: number | null;
  p50ms: number;
  p99ms: number;
  cpuMsPerTask: number;
  /** PostgreSQL only: the API and fakes' process, and the database's backends, per task. */
  benchCpuMsPerTask: number | null;
  pgCpuMsPerTask: number | null;
  /** The part of pgCpuMsPerTask spent by the worker processes' backends (the rest: the API's and the bench's own). */
  pgWorkerCpuMsPerTask: number | null;
  /** PostgreSQL only: SQL statements the worker processes sent, per task. */
  statementsPerTask: number | null;
  failed: number;
}

async function until<T>(what: string, probe: () => Promise<T | null>, timeoutMs: number, stepMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== null) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(stepMs);
  }
}

/** A child process that is ready once a line containing `readyText` appears on its stdout. */
function spawnReady(args: string[], env: Record<string, string>, readyText: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, args, { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  if (process.env.SYNQ_BENCH_CHILD_LOG) child.stdout!.on('data', (d: Buffer) => appendFileSync(process.env.SYNQ_BENCH_CHILD_LOG!, d));
  child.stderr!.on('data', (d: Buffer) => (tail = (tail + d.toString('utf8')).slice(-2000)));
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`child did not start in 60 s: ${tail}`)), 60_000);
    child.once('exit', (code) => fail(new Error(`child exited (${code}) before it was ready: ${tail}`)));
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString('utf8').includes(readyText)) {
        clearTimeout(timer);
        ok(child);
      }
    });
  });
}

async function stopChildren(children: ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map(async (c) => {
      if (c.exitCode !== null || c.signalCode !== null) return;
      const gone = new Promise((r) => c.once('exit', r));
      c.kill('SIGTERM');
      const t = setTimeout(() => c.kill('SIGKILL'), 10_000);
      await gone;
      clearTimeout(t);
    }),
  );
}

/** CPU ms used so far by one process (user + system), from /proc (clock ticks of 10 ms); 0 once it has exited. */
function pidCpuMs(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

const childCpuMs = (children: ChildProcess[]): number => children.reduce((n, c) => n + pidCpuMs(c.pid), 0);

/** The statements the worker processes have sent so far, by their first words (bench/statementCounter.mjs). */
async function statementCounts(children: ChildProcess[], dir: string): Promise<Map<string, number>> {
  const files = children.map((c) => join(dir, `${c.pid}.json`));
  for (const f of files) rmSync(f, { force: true });
  for (const c of children) c.kill('SIGUSR2');
  const counts = new Map<string, number>();
  for (const f of files) {
    const text = await until(`statement counts in ${f}`, async () => (existsSync(f) ? readFileSync(f, 'utf8') : null), 10_000, 20);
    for (const [k, n] of Object.entries(JSON.parse(text) as Record<string, number>)) counts.set(k, (counts.get(k) ?? 0) + n);
  }
  return counts;
}

/** CPU ms so far of each PostgreSQL backend connected to the bench's database (same machine), with its application_name. */
async function backendCpuMs(db: Deps['db']): Promise<Map<number, { app: string; ms: number }>> {
  const rows = rowsOf<{ pid: number; app: string }>(await db.execute(sql`SELECT pid, application_name AS app FROM pg_stat_activity WHERE datname = current_database()`));
  return new Map(rows.map((r) => [r.pid, { app: r.app, ms: pidCpuMs(r.pid) }]));
}

/** CPU the backends (those whose application_name passes `app`) used between two snapshots; a backend opened in between counts from its start. */
function backendDelta(before: Map<number, { ms: number }>, after: Map<number, { app: string; ms: number }>, app: (name: string) => boolean = () => true): number {
  let ms = 0;
  for (const [pid, b] of after) if (app(b.app)) ms += b.ms - (before.get(pid)?.ms ?? 0);
  return ms;
}

/** This process's own statements (push route, bench polling); counted only when debugging. */
const countOwnStatements = process.env.SYNQ_BENCH_DEBUG ? installStatementCounter() : () => new Map<string, number>();

const selfCpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

async function oneRun(kind: 'pglite' | 'postgres', products: number, run: number): Promise<RunResult> {
  const tag = `${run}${randomBytes(3).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'synq-fanout-'));
  const scratch: ScratchDb | null = kind === 'postgres' ? await scratchPostgres() : null;
  const fakes: Fakes = await startFakes();
  const children: ChildProcess[] = [];
  let deps: Deps | null = null;
  try {
    const env: Record<string, string> = {
      NODE_ENV: 'test',
      LOG_LEVEL: process.env.SYNQ_BENCH_LOG_LEVEL ?? 'info',
      SYNQ_DATA_DIR: dir,
      SYNQ_AUTH_SECRET: randomBytes(32).toString('hex'),
      SYNQ_WEBHOOK_SECRET: randomBytes(32).toString('hex'),
      SYNQ_ENCRYPTION_KEYS: `b:${randomBytes(32).toString('base64')}`,
      ...fakes.env,
      ...(scratch ? { DATABASE_URL: scratch.url } : {}),
    };
    const config = loadConfig({ ...env, PORT: '0' });
    // Logs go nowhere: written lines still cost what they cost in production, without a terminal.
    const sink = new Writable({ write: (_c, _e, cb) => cb() });
    deps = await createDeps(config, { schedule: kind === 'pglite', poolMax: 10, logDestination: sink });
    const app = await buildApp(deps);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const addr = app.server.address();
    const apiUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    config.publicUrl = apiUrl;

    // SYNQ_BENCH_PROF=<dir>: the worker processes write V8 CPU profiles there.
    const profile = process.env.SYNQ_BENCH_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.SYNQ_BENCH_PROF}`] : [];
    let worker: { stop(): Promise<void> } | null = null;
    if (kind === 'pglite') worker = await startWorker(deps, { pollingIntervalSeconds: POLL_SECONDS });
    else {
      for (let i = 0; i < WORKERS; i++) {
        children.push(await spawnReady([...profile, '--import', STATEMENT_COUNTER, BIN, 'worker'], { ...env, PGAPPNAME: WORKER_APP, SYNQ_STATEMENT_COUNT_DIR: dir, SYNQ_DATA_DIR: mkdtempSync(join(tmpdir(), 'synq-fanout-w-')), SYNQ_PUBLIC_URL: apiUrl }, '"msg":"worker started"'));
      }
    }

    const tenant = { tenantId: randomUUID(), orgId: randomUUID() };
    if (config.auth.mode !== 'dev-secret') throw new Error('bench needs the dev-secret auth mode');
    const token = await mintDevToken(config.auth.secret, { ...tenant, role: 'ADMIN', sub: 'bench', ttl: '2h' });
    const headers = { authorization: `Bearer ${token}`, 'x-tenant-id': tenant.tenantId, 'x-org-id': tenant.orgId };
    fakes.amazon.setNextSeller(`ABENCH${tag.toUpperCase()}`);
    await connect(apiUrl, headers, 'shopify', `bench${tag}.myshopify.com`);
    await connect(apiUrl, headers, 'woocommerce', fakes.woo.storeUrl(`bench${tag}`));
    await connect(apiUrl, headers, 'amazon', null);
    const db = deps.db;
    // The initial syncs run first, so they do not share the measured window with the pushes.
    await until('initial syncs', async () => {
      const [r] = await withTenant(db, tenant.tenantId, async (tx) =>
        rowsOf<{ n: number }>(await tx.execute(sql`SELECT count(*)::int AS n FROM connections WHERE last_synced_at IS NOT NULL AND status = 'ACTIVE'`)),
      );
      return r && r.n === CONNECTIONS ? true : null;
    }, 60_000);

    // Products, created before the clock starts (not measured).
    const skuOf = (i: number) => `FO-${tag}-${i}`;
    const ids: string[] = new Array<string>(products);
    await inFlight(products, async (i) => {
      const res = await app.inject({ method: 'POST', url: '/api/v1/pim/products', headers, payload: { title: `Fan-out ${i}`, variants: [{ sku: skuOf(i), price: '3.00', currency: 'USD' }] } });
      if (res.statusCode !== 201) throw new Error(`create product: ${res.statusCode} ${res.body}`);
      ids[i] = (res.json() as { id: string }).id;
    });

    // Baseline first, on the same database (PostgreSQL: in processes of its own, like the workers).
    const boss = deps.queue.boss;
    await createBaselineQueue(boss);
    const baseChildren: ChildProcess[] = [];
    if (kind === 'pglite') await workBaseline(boss, POLL_SECONDS);
    else for (let i = 0; i < WORKERS; i++) baseChildren.push(await spawnReady(['--import', 'tsx', BASELINE_WORKER, scratch!.url, String(POLL_SECONDS)], {}, 'baseline worker ready'));
    const total = products * CONNECTIONS;
    const basePg0 = kind === 'postgres' ? await backendCpuMs(db) : null;
    const baseCpu0 = childCpuMs(baseChildren);
    const baseStart = await sendBaseline(boss, products, CONNECTIONS, IN_FLIGHT, tag);
    const baseEnd = await until('baseline jobs', async () => {
      const [r] = rowsOf<{ n: number; last: Date | string | null }>(
        await db.execute(sql`SELECT count(*)::int AS n, max(completed_on) AS last FROM pgboss.job WHERE name = ${BASELINE_QUEUE} AND state = 'completed'`),
      );
      return r && r.n >= total && r.last ? new Date(r.last).getTime() : null;
    }, TIMEOUT_MS);
    if (kind === 'pglite') await boss.offWork(BASELINE_QUEUE, { wait: true });
    const baseCpuMsPerJob = (childCpuMs(baseChildren) - baseCpu0) / total;
    const basePgCpuMsPerJob = basePg0 ? backendDelta(basePg0, await backendCpuMs(db)) / total : null;
    await stopChildren(baseChildren);
    const baselinePerS = total / ((baseEnd - baseStart) / 1000);

    // Synq: every product pushed through the API over HTTP, `IN_FLIGHT` at a time.
    const recorder = new ReceiptRecorder(fakes, new RegExp(`FO-${tag}-\\d+`, 'g'));
    const accepted: number[] = new Array<number>(products);
    const cpu0 = kind === 'postgres' ? childCpuMs(children) : selfCpuMs();
    const self0 = selfCpuMs();
    const pg0 = kind === 'postgres' ? await backendCpuMs(db) : null;
    const sql0 = kind === 'postgres' ? await statementCounts(children, dir) : null;
    const api0 = countOwnStatements();
    const start = Date.now();
    await inFlight(products, async (i) => {
      const res = await fetch(`${apiUrl}/unified/sync/push/product`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ productId: ids[i], action: 'UPSERT' }) });
      accepted[i] = performance.timeOrigin + performance.now();
      if (res.status !== 202) throw new Error(`push: ${res.status} ${await res.text()}`);
    });
    const settled = await until('push targets', async () => {
      const [r] = await withTenant(db, tenant.tenantId, async (tx) =>
        rowsOf<{ n: number; open: number; failed: number; last: Date | string | null }>(
          await tx.execute(sql`SELECT count(*)::int AS n, count(*) FILTER (WHERE status IN ('queued', 'running'))::int AS open,
            count(*) FILTER (WHERE status <> 'succeeded')::int AS failed, max(updated_at) AS last FROM push_targets`),
        ),
      );
      return r && r.n === total && r.open === 0 && r.last ? { end: new Date(r.last).getTime(), failed: r.failed } : null;
    }, TIMEOUT_MS);
    const cpu1 = kind === 'postgres' ? childCpuMs(children) : selfCpuMs();
    const self1 = selfCpuMs();
    const pg1 = pg0 ? await backendCpuMs(db) : null;
    const sql1 = sql0 ? await statementCounts(children, dir) : null;
    const api1 = countOwnStatements();
    if (process.env.SYNQ_BENCH_DEBUG && pg0 && pg1) {
      const byApp = new Map<string, number>();
      for (const [pid, b] of pg1) {
        const app = b.app.startsWith('pgboss:') ? 'pg-boss (workers)' : b.app === WORKER_APP ? 'Synq (workers)' : 'API and bench';
        byApp.set(app, (byApp.get(app) ?? 0) + b.ms - (pg0.get(pid)?.ms ?? 0));
      }
      log(`  PostgreSQL CPU ms per task: ${[...byApp].map(([a, ms]) => `${a} ${(ms / total).toFixed(2)}`).join(', ')}`);
    }
    if (process.env.SYNQ_BENCH_DEBUG) {
      log('  this process (push route, bench polling), statements per task:');
      for (const [k, n] of [...api1].map(([k, n]) => [k, (n - (api0.get(k) ?? 0)) / total] as const).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]).slice(0, 12)) log(`  ${n.toFixed(2)} × ${k}`);
    }
    let statementsPerTask: number | null = null;
    if (sql0 && sql1) {
      const per = [...sql1].map(([k, n]) => [k, (n - (sql0.get(k) ?? 0)) / total] as const).filter(([, n]) => n > 0);
      statementsPerTask = per.reduce((a, [, n]) => a + n, 0);
      if (process.env.SYNQ_BENCH_DEBUG) for (const [k, n] of per.sort((a, b) => b[1] - a[1]).slice(0, 15)) log(`  ${n.toFixed(2)} × ${k}`);
    }
    recorder.stop();

    const ports = [fakes.shopify.url, fakes.woo.url, fakes.amazon.url].map((u) => Number(new URL(u).port));
    const latencies: number[] = [];
    for (const [p, port] of ports.entries()) {
      const own: number[] = [];
      for (let i = 0; i < products; i++) {
        const at = recorder.firstSeen.get(`${port} ${skuOf(i)}`);
        if (at !== undefined) own.push(at - accepted[i]!);
      }
      latencies.push(...own);
      if (process.env.SYNQ_BENCH_DEBUG) log(`  ${['shopify', 'woocommerce', 'amazon'][p]}: ${own.length} received, p50 ${quantile(own, 0.5).toFixed(0)} ms, p99 ${quantile(own, 0.99).toFixed(0)} ms`);
    }
    await worker?.stop();
    await stopChildren(children);
    await app.close();
    return {
      tasksPerS: total / ((settled.end - start) / 1000),
      baselinePerS,
      baseCpuMsPerJob,
      basePgCpuMsPerJob,
      p50ms: quantile(latencies, 0.5),
      p99ms: quantile(latencies, 0.99),
      cpuMsPerTask: (cpu1 - cpu0) / total,
      benchCpuMsPerTask: kind === 'postgres' ? (self1 - self0) / total : null,
      pgCpuMsPerTask: pg0 && pg1 ? backendDelta(pg0, pg1) / total : null,
      pgWorkerCpuMsPerTask: pg0 && pg1 ? backendDelta(pg0, pg1, isWorkerBackend) / total : null,
      statementsPerTask,
      failed: settled.failed + (total - latencies.length),
    };
  } finally {
    await stopChildren(children);
    await deps?.queue.stop(false, 2000).catch(() => {});
    await deps?.database.close().catch(() => {});
    await fakes.close();
    await scratch?.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function inFlight(n: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(IN_FLIGHT, n) }, async () => {
      for (let i = next++; i < n; i = next++) await fn(i);
    }),
  );
}

const rows: BenchRow[] = [];
const kinds: ('pglite' | 'postgres')[] = values.db === 'both' ? ['pglite', 'postgres'] : [values.db as 'pglite' | 'postgres'];
for (const kind of kinds) {
  for (const size of SIZES) {
    const results: RunResult[] = [];
    for (let run = 0; run < RUNS; run++) {
      const r = await oneRun(kind, size, run);
      results.push(r);
      log(
        `[${kind} ${size}×${CONNECTIONS}] run ${run + 1}: ${r.tasksPerS.toFixed(0)} tasks/s vs pg-boss ${r.baselinePerS.toFixed(0)} jobs/s → ${(r.tasksPerS / r.baselinePerS).toFixed(2)}×; ` +
          `latency p50 ${r.p50ms.toFixed(0)} ms p99 ${r.p99ms.toFixed(0)} ms; ${r.cpuMsPerTask.toFixed(2)} CPU ms/task` +
          (r.pgCpuMsPerTask !== null ? ` (+ API and fakes ${r.benchCpuMsPerTask!.toFixed(2)}, PostgreSQL ${r.pgCpuMsPerTask.toFixed(2)} of which the workers' ${r.pgWorkerCpuMsPerTask!.toFixed(2)})` : '') +
          (r.statementsPerTask !== null ? `; ${r.statementsPerTask.toFixed(2)} SQL statements/task` : '') +
          (r.basePgCpuMsPerJob !== null ? `; baseline CPU per job ${r.baseCpuMsPerJob.toFixed(2)} ms workers, ${r.basePgCpuMsPerJob.toFixed(2)} ms PostgreSQL` : '') +
          `${r.failed ? `; ${r.failed} not succeeded` : ''}`,
      );
    }
    const label = `${kind}, ${size}×${CONNECTIONS}`;
    const procs = kind === 'postgres' ? `1 API + ${WORKERS} worker processes` : 'one process (API + worker + fakes: PGlite is single-process)';
    const failed = results.reduce((n, r) => n + r.failed, 0);
    const notes = `${procs}${failed ? `; ${failed} targets not succeeded` : ''}`;
    const base = results.map((r) => r.baselinePerS);
    rows.push(
      row(`fan-out tasks/s (${label})`, 'tasks/s', results.map((r) => r.tasksPerS), { baseline: 'pg-boss no-op jobs/s', baselineRuns: base, notes }),
      row(`fan-out ratio to pg-boss (${label})`, '×', results.map((r) => r.tasksPerS / r.baselinePerS), { baseline: 'pg-boss no-op jobs/s', baselineRuns: base, target: '>= 0.5', notes }),
      row(`fan-out enqueue→provider p50 (${label})`, 'ms', results.map((r) => r.p50ms), { notes: 'fake receipt − 202 of the push' }),
      row(`fan-out enqueue→provider p99 (${label})`, 'ms', results.map((r) => r.p99ms), { notes: 'fake receipt − 202 of the push' }),
      row(`fan-out CPU per task (${label})`, 'ms', results.map((r) => r.cpuMsPerTask), { notes: kind === 'postgres' ? 'worker processes only' : 'the whole process, fakes included' }),
    );
    if (kind === 'postgres') {
      rows.push(
        row(`fan-out PostgreSQL CPU per task (${label})`, 'ms', results.map((r) => r.pgCpuMsPerTask!), { notes: "the bench database's backends" }),
        row(`fan-out PostgreSQL CPU per task, worker backends (${label})`, 'ms', results.map((r) => r.pgWorkerCpuMsPerTask!), { notes: 'the rest is the push route and the bench polling' }),
        row(`fan-out API and fakes CPU per task (${label})`, 'ms', results.map((r) => r.benchCpuMsPerTask!), { notes: 'the bench process: push route and the three fakes' }),
        row(`fan-out baseline CPU per job (${label})`, 'ms', results.map((r) => r.baseCpuMsPerJob), { notes: 'pg-boss no-op worker processes' }),
        row(`fan-out baseline PostgreSQL CPU per job (${label})`, 'ms', results.map((r) => r.basePgCpuMsPerJob!), { notes: "the bench database's backends" }),
        row(`fan-out SQL statements per task (${label})`, 'statements', results.map((r) => r.statementsPerTask!), { notes: 'sent by the worker processes (bench/statementCounter.mjs)' }),
      );
    }
  }
}
console.log('\n| figure | median | min–max | baseline | target |');
console.log('|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.name} | ${fmt(r.value)} ${r.unit} | ${fmt(r.min)}–${fmt(r.max)} | ${r.baselineValue !== null ? `${fmt(r.baselineValue)} ${r.baseline}` : ''} | ${r.target ?? ''} |`);
if (values.json) console.log(benchJsonLine({ bench: 'fanout', rows }));
process.exit(0);
