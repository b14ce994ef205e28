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
// SQL statements per task are not reported: pg_stat_statements is not installed here, and
// pg_stat_database's counters lag by up to 10 s for idle backends on PostgreSQL 15.
//
// Debugging aids: SYNQ_BENCH_DEBUG=1 (latency per provider), SYNQ_BENCH_PROF=<dir> (V8 CPU
// profiles of the worker processes), SYNQ_BENCH_CHILD_LOG=<file> with SYNQ_BENCH_LOG_LEVEL=debug
// (the workers' log lines, e.g. "task completed" with its ms).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
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
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (s: string) => console.error(s);

interface RunResult {
  tasksPerS: number;
  baselinePerS: number;
  p50ms: number;
  p99ms: number;
  cpuMsPerTask: number;
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

/** CPU ms used so far by these processes (user + system), from /proc (clock ticks of 10 ms). */
function childCpuMs(children: ChildProcess[]): number {
  let ticks = 0;
  for (const c of children) {
    try {
      const fields = readFileSync(`/proc/${c.pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // exited: not counted
    }
  }
  return ticks * 10;
}

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
        children.push(await spawnReady([...profile, BIN, 'worker'], { ...env, SYNQ_DATA_DIR: mkdtempSync(join(tmpdir(), 'synq-fanout-w-')), SYNQ_PUBLIC_URL: apiUrl }, '"msg":"worker started"'));
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
    const baseStart = await sendBaseline(boss, products, CONNECTIONS, IN_FLIGHT, tag);
    const baseEnd = await until('baseline jobs', async () => {
      const [r] = rowsOf<{ n: number; last: Date | string | null }>(
        await db.execute(sql`SELECT count(*)::int AS n, max(completed_on) AS last FROM pgboss.job WHERE name = ${BASELINE_QUEUE} AND state = 'completed'`),
      );
      return r && r.n >= total && r.last ? new Date(r.last).getTime() : null;
    }, TIMEOUT_MS);
    if (kind === 'pglite') await boss.offWork(BASELINE_QUEUE, { wait: true });
    await stopChildren(baseChildren);
    const baselinePerS = total / ((baseEnd - baseStart) / 1000);

    // Synq: every product pushed through the API over HTTP, `IN_FLIGHT` at a time.
    const recorder = new ReceiptRecorder(fakes, new RegExp(`FO-${tag}-\\d+`, 'g'));
    const accepted: number[] = new Array<number>(products);
    const cpu0 = kind === 'postgres' ? childCpuMs(children) : selfCpuMs();
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
      p50ms: quantile(latencies, 0.5),
      p99ms: quantile(latencies, 0.99),
      cpuMsPerTask: (cpu1 - cpu0) / total,
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
          `latency p50 ${r.p50ms.toFixed(0)} ms p99 ${r.p99ms.toFixed(0)} ms; ${r.cpuMsPerTask.toFixed(2)} CPU ms/task${r.failed ? `; ${r.failed} not succeeded` : ''}`,
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
  }
}
console.log('\n| figure | median | min–max | baseline | target |');
console.log('|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.name} | ${fmt(r.value)} ${r.unit} | ${fmt(r.min)}–${fmt(r.max)} | ${r.baselineValue !== null ? `${fmt(r.baselineValue)} ${r.baseline}` : ''} | ${r.target ?? ''} |`);
if (values.json) console.log(benchJsonLine({ bench: 'fanout', rows }));
process.exit(0);
