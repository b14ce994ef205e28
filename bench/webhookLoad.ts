// Webhook ingest load: wrk (a separate process) posts unique 1 KB signed bodies to
// POST /unified/webhook over 50 connections. Baseline in the same run: the same
// server's verify-only route (signature check, no database). Reports req/s, p50/p99
// and checks committed outbox rows == 2xx answers.
//
//   npm run bench:webhook -- [--db pglite|postgres|both] [--seconds 10] [--connections 50] [--runs 3]
//                            [--prefill 0,300000] [--json]
// PostgreSQL uses DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test) and a scratch database.
//
// Cost growth (--prefill): the same runs again with the outbox already holding that many
// processed rows (1 KB bodies, as history accumulates until the 7-day clean-up), to show
// whether ingest slows as the table and its unique (connection, dedupe key) index grow.
// --json prints the common BENCH_JSON line (bench/benchJson.ts) for `npm run bench`.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { loadConfig } from '../src/config.ts';
import { rowsOf } from '../src/db/client.ts';
import { insertConnection } from '../src/db/connections.ts';
import { createDeps } from '../src/deps.ts';
import { buildApp } from '../src/http/app.ts';
import { verifyHmacSha256 } from '../src/lib/signatures.ts';
import { rawBodyOf, withRawBody } from '../src/http/routes/webhooks/rawBody.ts';
import { benchJsonLine, median, row, type BenchRow } from './benchJson.ts';
import { scratchPostgres } from './scratchDb.ts';

const { values } = parseArgs({
  options: {
    db: { type: 'string', default: 'both' },
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    runs: { type: 'string', default: '3' },
    prefill: { type: 'string', default: '0' },
    json: { type: 'boolean', default: false },
  },
});
const PREFILLS = values.prefill.split(',').map(Number).sort((a, b) => a - b);
const SECONDS = Number(values.seconds);
const CONNS = Number(values.connections);
const RUNS = Number(values.runs);
const SECRET = randomBytes(32).toString('hex');

interface WrkResult {
  rps: number;
  p50ms: number;
  p99ms: number;
  requests: number;
  non2xx: number;
  /** This process's CPU (the server under test: main thread, libuv and GC threads) per request, µs. */
  apiCpuUs: number;
  /** Local PostgreSQL's CPU per request, µs (every `postgres` process on this host); NaN when not visible. */
  dbCpuUs: number;
}

/**
 * CPU seconds of every local process named `postgres` (utime + stime from /proc). Where the
 * ratio lands depends on which of wrk, the API and the database fills the 2 cores first, so
 * the bench shows each one's CPU per request. NaN off Linux or with a remote database.
 */
function postgresCpuSeconds(): number {
  let ticks = 0;
  let seen = false;
  try {
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      let stat: string;
      try {
        stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      } catch {
        continue; // ended while we looked
      }
      const close = stat.lastIndexOf(')');
      if (stat.slice(stat.indexOf('(') + 1, close) !== 'postgres') continue;
      const fields = stat.slice(close + 2).split(' ');
      // Fields 14 and 15 of the stat line (utime, stime) are at 11 and 12 after the command.
      ticks += Number(fields[11]) + Number(fields[12]);
      seen = true;
    }
  } catch {
    return NaN;
  }
  // USER_HZ is 100 on every Linux that Node supports.
  return seen ? ticks / 100 : NaN;
}

const LUA = `
local bodies, sigs, n, i, step = {}, {}, 0, 0, 1
function setup(thread) thread:set("tid", (tidc or 0)); tidc = (tidc or 0) + 1; thread:set("nthreads", 2) end
function init(args)
  for line in io.lines(args[1]) do
    local sig, body = line:match("^(%x+) (.*)$")
    n = n + 1; sigs[n] = sig; bodies[n] = body
  end
  i = tid; step = nthreads
end
function request()
  i = i + step
  if i > n then i = (i % n) + 1 end
  return wrk.format("POST", args_path, { ["Content-Type"] = "application/json", ["X-Unified-Signature"] = sigs[i] }, bodies[i])
end
`;

function toMs(v: string): number {
  const m = /([\d.]+)(us|ms|s)/.exec(v);
  if (!m) return NaN;
  const n = Number(m[1]);
  return m[2] === 'us' ? n / 1000 : m[2] === 's' ? n * 1000 : n;
}

// Async on purpose: the server under test lives in this process and must keep serving while wrk runs.
async function runWrk(url: string, path: string, bodiesFile: string, dir: string, localPostgres: boolean): Promise<WrkResult> {
  const script = join(dir, 'load.lua');
  writeFileSync(script, `args_path = "${path}"\n${LUA}`);
  const cpu0 = process.cpuUsage();
  const db0 = localPostgres ? postgresCpuSeconds() : NaN;
  const { stdout: out } = await promisify(execFile)('wrk', ['-t2', `-c${CONNS}`, `-d${SECONDS}s`, '--latency', '-s', script, url, '--', bodiesFile], { encoding: 'utf8' });
  if (process.env.SYNQ_BENCH_DEBUG) console.error(out);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const requests = Number(/(\d+) requests in/.exec(out)?.[1]);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  // Anchored: "78.50%" in the thread-stats table would otherwise match first.
  const p50 = toMs(/^\s*50%\s+(\S+)/m.exec(out)?.[1] ?? '');
  const p99 = toMs(/^\s*99%\s+(\S+)/m.exec(out)?.[1] ?? '');
  const cpu = process.cpuUsage(cpu0);
  const dbCpuUs = ((postgresCpuSeconds() - db0) * 1e6) / requests;
  return { rps, p50ms: p50, p99ms: p99, requests, non2xx, apiCpuUs: (cpu.user + cpu.system) / requests, dbCpuUs };
}

const jsonRows: BenchRow[] = [];
/** Unique signed bodies per run: room for 25,000 req/s (~1.1 KB each in the file, which each wrk thread loads). */
const BODIES_PER_RUN = 25_000 * SECONDS;

/** Tops the outbox up to `total` extra processed rows (beyond the runs' own), in chunks PGlite's memory takes. */
async function prefill(deps: Awaited<ReturnType<typeof createDeps>>, conn: { id: string; tenantId: string; orgId: string }, from: number, total: number): Promise<void> {
  const pad = 'x'.repeat(1000);
  for (let start = from; start < total; start += 50_000) {
    const end = Math.min(total, start + 50_000);
    await deps.db.execute(sql`
      INSERT INTO outbox (event_id, tenant_id, org_id, connection_id, source, event, dedupe_key, raw_body, status, processed_at)
      SELECT 'prefill-' || g, ${conn.tenantId}::uuid, ${conn.orgId}::uuid, ${conn.id}::uuid, 'unified', 'order.created', 'prefill-' || g, ${pad}, 'processed', now()
      FROM generate_series(${start + 1}::int, ${end}::int) AS g`);
  }
  // What autovacuum would have done by the time such history exists.
  await deps.db.execute(sql`ANALYZE outbox`);
}

async function benchOne(kind: 'pglite' | 'postgres'): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'synq-bench-'));
  const scratch = kind === 'postgres' ? await scratchPostgres() : null;
  const databaseUrl = scratch?.url;
  const config = loadConfig({
    // development: secrets not given here (feed keys) are generated into the scratch data dir.
    NODE_ENV: 'development',
    SYNQ_DATA_DIR: dir,
    SYNQ_AUTH_SECRET: randomBytes(32).toString('hex'),
    SYNQ_WEBHOOK_SECRET: SECRET,
    SYNQ_ENCRYPTION_KEYS: `b:${randomBytes(32).toString('base64')}`,
    LOG_LEVEL: 'warn',
    PORT: '0',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  });
  const deps = await createDeps(config, { schedule: false, poolMax: 10 });
  const app = await buildApp(deps);
  // The baseline: the same server, signature check only, no database.
  withRawBody(app, (scope) => {
    scope.post('/bench/verify-only', async (req, reply) => {
      const ok = verifyHmacSha256(config.webhookSecret, rawBodyOf(req), String(req.headers['x-unified-signature'] ?? ''), 'hex');
      return reply.status(ok ? 200 : 401).send({ status: ok ? 'accepted' : 'bad' });
    });
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  const url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  const tenantId = randomUUID();
  const orgId = randomUUID();
  await deps.db.execute(sql`INSERT INTO tenants (id, org_id) VALUES (${tenantId}, ${orgId})`);
  const conn = await insertConnection(deps.db, {
    connectionId: `conn_bench${randomBytes(6).toString('hex')}`,
    tenantId,
    orgId,
    provider: 'shopify',
    category: 'commerce',
    status: 'ACTIVE',
    account: 'bench.myshopify.com',
    credentials: 'x',
  });
  let offset = 0;
  let prefilled = 0;
  for (const level of PREFILLS) {
    await prefill(deps, conn, prefilled, level);
    prefilled = Math.max(prefilled, level);
    const rows: { label: string; rps: number; p50: number; p99: number; ratio: number; check: string; extra: number }[] = [];
    const ingest: WrkResult[] = [];
    const base: WrkResult[] = [];
    const tableRows = Number(rowsOf<{ n: string | number }>(await deps.db.execute(sql`SELECT count(*) AS n FROM outbox`))[0]!.n);
    for (let run = 0; run < RUNS; run++) {
      // Unique bodies for this run: enough that no body repeats (a repeat is an accepted redelivery,
      // not a new row). 120,000 ran out on a machine doing 12k req/s: wrk wrapped around, and the
      // redeliveries made rows fall short of 2xx answers. A run that still sends more is refused below.
      const count = BODIES_PER_RUN;
      const lines: string[] = [];
      const pad = 'x'.repeat(800);
      for (let i = 0; i < count; i++) {
        const body = JSON.stringify({
          connection_id: conn.connectionId,
          event: 'order.created',
          event_id: `bench-${run}-${offset + i}`,
          data: { id: `o-${offset + i}`, currency: 'USD', total: '19.99', updated_at: '2026-11-29T12:00:00Z', note: pad },
        });
        lines.push(`${createHmac('sha256', SECRET).update(body).digest('hex')} ${body}`);
      }
      offset += count;
      const file = join(dir, `bodies-${run}.txt`);
      writeFileSync(file, lines.join('\n') + '\n');
      base.push(await runWrk(url, '/bench/verify-only', file, dir, kind === 'postgres'));
      const before = Number(rowsOf<{ n: string | number }>(await deps.db.execute(sql`SELECT count(*) AS n FROM outbox`))[0]!.n);
      const r = await runWrk(url, '/unified/webhook', file, dir, kind === 'postgres');
      const after = Number(rowsOf<{ n: string | number }>(await deps.db.execute(sql`SELECT count(*) AS n FROM outbox`))[0]!.n);
      if (r.requests > count) throw new Error(`wrk sent ${r.requests} requests but there are ${count} unique bodies: raise BODIES_PER_RUN`);
      ingest.push(r);
      const sizes = deps.outbox.flushSizes.splice(0);
      if (sizes.length) console.error(`[${kind}] run ${run + 1}: ${sizes.length} flushes, median ${median(sizes)} rows/commit`);
      const ok2xx = r.requests - r.non2xx;
      rows.push({
        label: `run ${run + 1}`,
        rps: r.rps,
        p50: r.p50ms,
        p99: r.p99ms,
        ratio: r.rps / base[run]!.rps,
        // wrk counts requests cut off at the deadline too; rows may exceed completed 2xx by those in flight.
        check: `2xx=${ok2xx} rows=${after - before}${r.non2xx ? ` non2xx=${r.non2xx}` : ''}`,
        extra: after - before - ok2xx,
      });
    }
    console.log(`\n## ${kind}: POST /unified/webhook, 1 KB bodies, ${CONNS} connections, ${SECONDS} s × ${RUNS} runs, outbox holding ${tableRows} rows at the start`);
    console.log('| run | ingest req/s | p50 ms | p99 ms | verify-only req/s | ratio | API CPU µs/req (ingest / verify-only) | DB CPU µs/req | rows check |');
    console.log('|---|---|---|---|---|---|---|---|---|');
    const us = (v: number) => (Number.isFinite(v) ? v.toFixed(0) : '–');
    rows.forEach((r, i) =>
      console.log(
        `| ${r.label} | ${r.rps.toFixed(0)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${base[i]!.rps.toFixed(0)} | ${r.ratio.toFixed(2)} | ${us(ingest[i]!.apiCpuUs)} / ${us(base[i]!.apiCpuUs)} | ${us(ingest[i]!.dbCpuUs)} | ${r.check} |`,
      ),
    );
    console.log(
      `| median | ${median(ingest.map((r) => r.rps)).toFixed(0)} | ${median(ingest.map((r) => r.p50ms)).toFixed(2)} | ${median(ingest.map((r) => r.p99ms)).toFixed(2)} | ${median(base.map((r) => r.rps)).toFixed(0)} | ${median(rows.map((r) => r.ratio)).toFixed(2)} | ${us(median(ingest.map((r) => r.apiCpuUs)))} / ${us(median(base.map((r) => r.apiCpuUs)))} | ${us(median(ingest.map((r) => r.dbCpuUs)))} | |`,
    );
    const label = `${kind}${level ? `, outbox +${level} rows` : ''}`;
    const verify = { baseline: 'verify-only req/s', baselineRuns: base.map((r) => r.rps) };
    const onPg = kind === 'postgres';
    const notes = `1 KB bodies, ${CONNS} connections, ${SECONDS} s per run; outbox held ${tableRows} rows at the start`;
    jsonRows.push(
      row(`webhook ingest req/s (${label})`, 'req/s', ingest.map((r) => r.rps), { ...verify, notes }),
      row(`webhook ratio to verify-only (${label})`, '×', rows.map((r) => r.ratio), { ...verify, ...(onPg ? { target: '>= 0.6' } : {}), notes: onPg ? notes : `${notes}; the issue's target is for PostgreSQL` }),
      row(`webhook p50 (${label})`, 'ms', ingest.map((r) => r.p50ms), { baseline: 'verify-only p50 ms', baselineRuns: base.map((r) => r.p50ms) }),
      row(`webhook p99 (${label})`, 'ms', ingest.map((r) => r.p99ms), { baseline: 'verify-only p99 ms', baselineRuns: base.map((r) => r.p99ms), ...(onPg ? { target: '<= 50' } : {}) }),
      // Where the 2 cores go: the server process's CPU per request (all its threads), against the verify-only route's.
      row(`webhook API CPU per request (${label})`, 'µs', ingest.map((r) => r.apiCpuUs), { baseline: 'verify-only API CPU µs', baselineRuns: base.map((r) => r.apiCpuUs) }),
      ...(onPg && ingest.every((r) => Number.isFinite(r.dbCpuUs))
        ? [row(`webhook PostgreSQL CPU per request (${label})`, 'µs', ingest.map((r) => r.dbCpuUs), { notes: 'every local postgres process, from /proc' })]
        : []),
      // Rows beyond the 2xx answers are requests wrk cut off at its deadline after they committed; negative would be a lost row.
      row(`webhook committed rows − 2xx answers (${label})`, 'rows', rows.map((r) => r.extra), { target: '>= 0', notes: 'must never be negative: every 2xx has its row' }),
    );
  }

  await app.close();
  await deps.queue.stop(false, 2000).catch(() => {});
  await deps.database.close();
  await scratch?.drop();
  rmSync(dir, { recursive: true, force: true });
}

const kinds: ('pglite' | 'postgres')[] = values.db === 'both' ? ['pglite', 'postgres'] : [values.db as 'pglite' | 'postgres'];
for (const k of kinds) await benchOne(k);
if (values.json) console.log(benchJsonLine({ bench: 'webhook', rows: jsonRows }));
process.exit(0);
