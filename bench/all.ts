// `npm run bench`: every bench as a child process with --json, one Markdown table of all
// their BENCH_JSON rows, written to docs/benchmarks.md with the machine and the command.
//
//   npm run bench -- [--runs 3] [--only webhook,fanout] [--skip catalog] [--quick] [--no-write] [--bulk-db postgres]
//
// Each child is bounded in time (killed past its limit, reported as timed out); each bench
// bounds its own load runs in count and duration. --quick uses tiny sizes: a smoke run that
// shows every bench runs and reports, not figures to quote.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { parseBenchOutput, renderTable, type BenchResult } from './benchJson.ts';
import { keptSections, renderReport, type BenchStatus } from './benchReport.ts';
import { baseDatabaseUrl } from './scratchDb.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    only: { type: 'string' },
    skip: { type: 'string' },
    quick: { type: 'boolean', default: false },
    'no-write': { type: 'boolean', default: false },
    // The bulk bench at real rates takes ~1 min per provider and run; this limits it to one database.
    'bulk-db': { type: 'string' },
  },
});
const RUNS = Math.max(1, Number(values.runs));
const QUICK = values.quick;
const ROOT = resolve(import.meta.dirname, '..');

interface BenchDef {
  name: string;
  file: string;
  args: string[];
  /** Wall-clock limit for the whole child (all its runs). */
  limitSeconds: number;
}

const runs = ['--runs', String(RUNS)];
const BENCHES: BenchDef[] = [
  {
    name: 'webhook',
    file: 'webhookLoad.ts',
    // Growth: the same load with the outbox already holding ~10× the rows one 10 s run writes (~30k).
    args: ['--json', ...runs, ...(QUICK ? ['--seconds', '2', '--prefill', '0,20000'] : ['--seconds', '10', '--prefill', '0,300000'])],
    limitSeconds: QUICK ? 600 : 3600,
  },
  {
    name: 'fanout',
    file: 'pushFanout.ts',
    args: ['--json', ...runs, ...(QUICK ? ['--sizes', '20,60'] : ['--sizes', '200,2000'])],
    limitSeconds: QUICK ? 900 : 5400,
  },
  { name: 'catalog', file: 'catalog.ts', args: ['--json', ...runs, '--groups', QUICK ? '2000' : '100000'], limitSeconds: QUICK ? 300 : 1800 },
  // Written by the bulk-push work; included when present.
  { name: 'bulk', file: 'bulkPush.ts', args: ['--json', ...runs, ...(QUICK ? ['--quick'] : []), ...(values['bulk-db'] ? ['--db', values['bulk-db']] : [])], limitSeconds: QUICK ? 600 : 3600 },
];

const list = (s: string | undefined) => (s ? s.split(',').map((x) => x.trim()).filter(Boolean) : null);
const only = list(values.only);
const skip = list(values.skip) ?? [];
for (const n of [...(only ?? []), ...skip]) if (!BENCHES.some((b) => b.name === n)) throw new Error(`unknown bench "${n}" (known: ${BENCHES.map((b) => b.name).join(', ')})`);
const chosen = BENCHES.filter((b) => (only ? only.includes(b.name) : true) && !skip.includes(b.name));

async function postgresVersion(): Promise<string> {
  const c = new pg.Client({ connectionString: baseDatabaseUrl() });
  try {
    await c.connect();
    const r = await c.query<{ v: string }>('SELECT version() AS v');
    return r.rows[0]!.v.replace(/ on .*$/, '');
  } catch (err) {
    return `PostgreSQL unavailable (${(err as Error).message})`;
  } finally {
    await c.end().catch(() => {});
  }
}

/** Runs one bench to completion or its time limit, echoing its output to stderr. */
function runChild(def: BenchDef): Promise<{ output: string; status: string; seconds: number }> {
  const started = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', def.file), ...def.args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const echo = (d: Buffer) => {
    process.stderr.write(`[${def.name}] ${d.toString('utf8').replace(/\n(?=.)/g, `\n[${def.name}] `)}`);
  };
  child.stdout.on('data', (d: Buffer) => {
    output += d.toString('utf8');
    echo(d);
  });
  child.stderr.on('data', echo);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
  }, def.limitSeconds * 1000);
  return new Promise((ok) => {
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const seconds = (Date.now() - started) / 1000;
      const status = timedOut ? `timed out after ${def.limitSeconds} s` : code === 0 ? 'ok' : `failed (${signal ?? `exit ${code}`})`;
      ok({ output, status, seconds });
    });
  });
}

const date = new Date().toISOString();
const loadStart = loadavg();
const results: BenchResult[] = [];
const statuses: BenchStatus[] = [];
const errors: string[] = [];
for (const def of chosen) {
  const command = `tsx bench/${def.file} ${def.args.join(' ')}`;
  if (!existsSync(join(ROOT, 'bench', def.file))) {
    console.error(`[${def.name}] bench/${def.file} not present`);
    statuses.push({ bench: def.name, status: 'not present', seconds: 0, command });
    continue;
  }
  console.error(`[${def.name}] ${command}`);
  const { output, status, seconds } = await runChild(def);
  const parsed = parseBenchOutput(output);
  results.push(...parsed.results);
  errors.push(...parsed.errors.map((e) => `${def.name}: ${e}`));
  statuses.push({ bench: def.name, status: status === 'ok' && parsed.results.length === 0 ? 'no BENCH_JSON line' : status, seconds, command });
}

const cpu = cpus();
const docPath = join(ROOT, 'docs', 'benchmarks.md');
const report = renderReport({
  date,
  command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim().replace(/ --$/, ''),
  quick: QUICK,
  runs: RUNS,
  machine: {
    cpus: cpu.length,
    cpuModel: cpu[0]?.model.trim() ?? 'unknown',
    ramGiB: totalmem() / 2 ** 30,
    node: process.version,
    postgres: await postgresVersion(),
    loadStart,
    loadEnd: loadavg(),
  },
  results,
  statuses,
  errors,
  kept: existsSync(docPath) ? keptSections(readFileSync(docPath, 'utf8')) : [],
});
console.log(renderTable(results));
for (const s of statuses) console.log(`${s.bench}: ${s.status} (${s.seconds.toFixed(0)} s)`);
if (!values['no-write']) {
  mkdirSync(join(ROOT, 'docs'), { recursive: true });
  writeFileSync(docPath, report);
  console.log('wrote docs/benchmarks.md');
}
process.exit(statuses.some((s) => s.status !== 'ok' && s.status !== 'not present') ? 1 : 0);
