// Catalog feed bench:
//   npm run bench:catalog -- [--groups 100000] [--variants 2] [--runs 3] [--source synthetic|db] [--all] [--batch 500] [--json] [--json-file out.json]
// --json prints the common BENCH_JSON line (bench/benchJson.ts) that `npm run bench` collects.
// Measures the real build path (reader → rendition → SHA-256 → gzip → data-dir storage,
// sharded above 50,000 groups) against its baseline, measured in the same run: plain gzip
// of the very bytes the build wrote (its files, gunzipped), at the same level, in the same
// 1 MiB chunks (the writer's FLUSH_BYTES), through the same zlib stream settings, into a null sink (in a child
// process: bench/catalogBaseline.ts). Build and baseline runs alternate, so contention
// from other processes hits both alike.
//
// Each build, and each source-only pass, runs in a child process of its own (this script
// with --build-only / --source-only), so the build's peak RSS is the maxRSS of a process
// that did nothing else: the Node runtime and tsx included, but no earlier run's heap, no
// source-only pass and no baseline buffers (maxRSS is the high-water mark of everything a
// process ever did, and glibc keeps freed memory, so even a sampled RSS carries earlier work).
//
// --source synthetic: products from a generator (the pipeline alone).
// --source db: the catalog bulk-loaded (in a child process) into PGlite, or PostgreSQL when
//   DATABASE_URL is set, and read back through the same keyset reader a real build uses.
//   PGlite runs inside the build's process, so its WASM heap counts in its RSS and its
//   query work runs on the main thread; each child opens the database afresh (PGlite's
//   buffer cache cold, so a PGlite build's time includes its first reads).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DataDirStorage } from '../src/catalog/dataDirStorage.ts';
import type { FeedFormat } from '../src/catalog/formats.ts';
import type { CatalogProduct } from '../src/catalog/model.ts';
import { FLUSH_BYTES, GZIP_LEVEL } from '../src/catalog/writer.ts';
import { writeFeeds } from '../src/catalog/writeFeeds.ts';
import { benchJsonLine, row, type BenchRow } from './benchJson.ts';
import { loadDatabase, openBenchDatabase, ORG, store, synthetic, TENANT } from './catalogSource.ts';

const { values } = parseArgs({
  options: {
    groups: { type: 'string', default: '100000' },
    variants: { type: 'string', default: '2' },
    runs: { type: 'string' },
    reps: { type: 'string' }, // the old name of --runs
    source: { type: 'string', default: 'synthetic' },
    all: { type: 'boolean', default: false },
    batch: { type: 'string', default: '500' },
    json: { type: 'boolean', default: false },
    'json-file': { type: 'string' },
    'load-only': { type: 'string' }, // internal: the child process that loads the database
    'build-only': { type: 'string' }, // internal: the child process that runs one build into this directory
    'source-only': { type: 'boolean', default: false }, // internal: the child process that only reads the products
    'db-dir': { type: 'string' }, // internal: the bench database's PGlite data directory, for those two
  },
});
const GROUPS = Number(values.groups);
const VARIANTS = Number(values.variants);
const RUNS = Math.max(1, Number(values.runs ?? values.reps ?? 3));
const SOURCE = values.source === 'db' ? 'db' : 'synthetic';
const FORMATS: FeedFormat[] = values.all ? ['jsonld', 'acp', 'merchant'] : ['jsonld'];
const BATCH = Number(values.batch);
const SCRIPT = fileURLToPath(import.meta.url);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const range = (xs: number[], d = 2) => `${Math.min(...xs).toFixed(d)}–${Math.max(...xs).toFixed(d)}`;
const MB = 1e6;
/** CPU seconds of the whole process (main thread + zlib's thread pool). */
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

/** Loads the catalog in a child process, so PGlite's bulk-insert heap stays out of the builds' RSS. */
function loadInChild(dataDir: string): void {
  const args = [...process.execArgv, SCRIPT, '--load-only', dataDir, '--groups', String(GROUPS), '--variants', String(VARIANTS)];
  const r = spawnSync(process.execPath, args, { stdio: 'inherit', env: process.env });
  if (r.status !== 0) throw new Error(`loading the bench database failed (exit ${r.status})`);
}

/** Runs this script in one of its internal child modes and returns the JSON line the child prints last. */
function inChild<T>(dbDir: string | null, ...mode: string[]): T {
  const args = [
    ...process.execArgv,
    SCRIPT,
    ...mode,
    ...['--groups', String(GROUPS), '--variants', String(VARIANTS), '--source', SOURCE, '--batch', String(BATCH)],
    ...(values.all ? ['--all'] : []),
    ...(dbDir ? ['--db-dir', dbDir] : []),
  ];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], env: process.env });
  if (r.status !== 0) throw new Error(`child ${mode.join(' ')} failed (exit ${r.status})`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as T;
}

/** Runs bench/catalogBaseline.ts in a child process (see there why) and returns its stdout. */
function baseline(...args: string[]): string {
  const script = fileURLToPath(new URL('./catalogBaseline.ts', import.meta.url));
  const r = spawnSync(process.execPath, [...process.execArgv, script, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error(`baseline ${args[0]} failed (exit ${r.status})`);
  return r.stdout;
}

async function drain(source: AsyncIterable<CatalogProduct[]>): Promise<number> {
  let n = 0;
  for await (const b of source) n += b.length;
  return n;
}

/** What a --build-only child prints: one build, measured inside the process that ran only it. */
interface Build {
  s: number;
  cpu: number;
  raw: number;
  gz: number;
  shards: number;
  /** process.resourceUsage().maxRSS of the child, in bytes. */
  peakRss: number;
  /** The largest RSS sampled every 20 ms during the build. */
  sampledRss: number;
  /** RSS just before the build: runtime, modules and (db mode) the open database. */
  rssBefore: number;
}

interface Run extends Build {
  gzipS: number;
  gzipCpu: number;
  sourceS: number;
}

/** The products a build reads: generated, or read back from the bench database through the real keyset reader. */
async function openSource(): Promise<{ read: () => AsyncIterable<CatalogProduct[]>; close: () => Promise<void> }> {
  if (SOURCE === 'synthetic') return { read: () => synthetic(GROUPS, VARIANTS, BATCH), close: async () => {} };
  if (!values['db-dir']) throw new Error('--db-dir is required with --source db');
  const database = await openBenchDatabase(values['db-dir']);
  // Imported only in db mode: Drizzle, pg and PGlite weigh ~50 MB of RSS before any work.
  const { readListedProducts } = await import('../src/db/catalogFeeds.ts');
  return { read: () => readListedProducts(database, TENANT, ORG, BATCH), close: () => database.close() };
}

/** Child: reads (or generates) the products without rendering them; prints {"s"}. */
async function sourceOnly(): Promise<void> {
  const source = await openSource();
  try {
    const t0 = performance.now();
    await drain(source.read());
    console.log(JSON.stringify({ s: (performance.now() - t0) / 1000 }));
  } finally {
    await source.close();
  }
}

/** Child: one build into `dir`, the only work this process does; prints a Build. */
async function buildOnly(dir: string): Promise<void> {
  const source = await openSource();
  try {
    const rssBefore = process.memoryUsage.rss();
    let sampledRss = rssBefore;
    const sampler = setInterval(() => (sampledRss = Math.max(sampledRss, process.memoryUsage.rss())), 20);
    const t0 = performance.now();
    const c0 = cpu();
    const files = await writeFeeds(new DataDirStorage(dir), store, source.read(), { expectedGroups: GROUPS, formats: FORMATS });
    const s = (performance.now() - t0) / 1000;
    const buildCpu = cpu() - c0;
    clearInterval(sampler);
    sampledRss = Math.max(sampledRss, process.memoryUsage.rss());
    const build: Build = {
      s,
      cpu: buildCpu,
      raw: FORMATS.reduce((n, f) => n + files[f]!.bytesRaw, 0),
      gz: FORMATS.reduce((n, f) => n + files[f]!.bytesGzip, 0),
      shards: files.jsonld?.shards.length ?? 0,
      peakRss: process.resourceUsage().maxRSS * 1024,
      sampledRss,
      rssBefore,
    };
    console.log(JSON.stringify(build));
  } finally {
    await source.close();
  }
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'synq-bench-'));
  try {
    const dbDir = SOURCE === 'db' ? join(work, 'db') : null;
    if (dbDir) loadInChild(dbDir);
    // openDatabase picks PostgreSQL when DATABASE_URL is set, PGlite otherwise.
    const kind = SOURCE === 'db' ? (process.env.DATABASE_URL ? 'postgres' : 'pglite') : 'synthetic';
    console.log(
      `source=${kind} groups=${GROUPS} variants/group=${VARIANTS} formats=${FORMATS.join(',')} runs=${RUNS} batch=${BATCH} ` +
        `gzip level=${GZIP_LEVEL === -1 ? 'default (6)' : GZIP_LEVEL} chunks=${FLUSH_BYTES / 1024} KiB`,
    );

    const rawFile = join(work, 'raw');
    let rawSize = 0;
    const runs: Run[] = [];
    for (let r = 0; r < RUNS; r++) {
      // The source alone (reading, or generating, the products): explains what the build spends outside rendering and gzip.
      const sourceS = inChild<{ s: number }>(dbDir, '--source-only').s;

      const dir = join(work, `run${r}`);
      const build = inChild<Build>(dbDir, '--build-only', dir);
      if (r === 0) {
        baseline('raw', join(dir, 'feeds', TENANT), rawFile);
        rawSize = statSync(rawFile).size;
      }
      rmSync(dir, { recursive: true, force: true });

      const plain = JSON.parse(baseline('gzip', rawFile)) as { s: number; cpu: number };
      const gzipS = plain.s;
      if (build.raw !== rawSize) throw new Error(`build wrote ${build.raw} raw bytes, its files hold ${rawSize}`);
      runs.push({ ...build, gzipS, gzipCpu: plain.cpu, sourceS });
      const { s } = build;
      console.log(
        `  run ${r + 1}: build ${s.toFixed(2)} s (${(GROUPS / s).toFixed(0)} groups/s, ${((GROUPS * VARIANTS) / s).toFixed(0)} variants/s, ` +
          `peak RSS ${(build.peakRss / MB).toFixed(0)} MB, sampled ≤ ${(build.sampledRss / MB).toFixed(0)} MB) | ` +
          `plain gzip ${gzipS.toFixed(2)} s | ratio ${(gzipS / s).toFixed(2)}× | source alone ${sourceS.toFixed(2)} s`,
      );
    }

    const buildMBps = runs.map((x) => x.raw / x.s / MB);
    const gzipMBps = runs.map((x) => rawSize / x.gzipS / MB);
    const ratios = runs.map((x) => x.gzipS / x.s);
    const groupsPs = runs.map((x) => GROUPS / x.s);
    const variantsPs = runs.map((x) => (GROUPS * VARIANTS) / x.s);
    const peakMb = runs.map((x) => x.peakRss / MB);
    const sampledMb = runs.map((x) => x.sampledRss / MB);
    const beforeMb = runs.map((x) => x.rssBefore / MB);
    const cpuRatio = median(runs.map((x) => x.gzipCpu)) / median(runs.map((x) => x.cpu));
    const ratio = median(buildMBps) / median(gzipMBps);
    const first = runs[0]!;
    // What the build's process holds besides the build itself.
    const holds = `the Node runtime and tsx${kind === 'pglite' ? ', the PGlite database' : kind === 'postgres' ? ', the pg driver (not the server)' : ''}`;

    console.log(`\nmedians over ${RUNS} runs (min–max)`);
    console.log(`  build:      ${median(runs.map((x) => x.s)).toFixed(2)} s  ${median(groupsPs).toFixed(0)} groups/s (${range(groupsPs, 0)})  ${median(variantsPs).toFixed(0)} variants/s (${range(variantsPs, 0)})  (${first.shards || 1} JSON-LD file(s))`);
    console.log(`  bytes:      raw ${(first.raw / MB).toFixed(1)} MB  gzip ${(first.gz / MB).toFixed(1)} MB  (${(first.raw / first.gz).toFixed(1)}:1)`);
    console.log(`  speed:      build ${median(buildMBps).toFixed(1)} MB/s raw (${range(buildMBps, 1)}) vs plain gzip ${median(gzipMBps).toFixed(1)} MB/s (${range(gzipMBps, 1)}) on the same bytes → ratio ${ratio.toFixed(2)}× (per-run ratios ${range(ratios)}; target ≥ 0.8×)`);
    console.log(`  cpu:        build ${median(runs.map((x) => x.cpu)).toFixed(2)} s vs plain gzip ${median(runs.map((x) => x.gzipCpu)).toFixed(2)} s CPU (all threads) → ${cpuRatio.toFixed(2)}×`);
    console.log(`  source:     ${median(runs.map((x) => x.sourceS)).toFixed(2)} s to read/generate the products alone (${range(runs.map((x) => x.sourceS))})`);
    console.log(`  peak RSS:   ${median(peakMb).toFixed(0)} MB per build (${range(peakMb, 0)}; target ≤ 150 MB at 1M variants): maxRSS of a process that ran only that build, ${holds} included`);
    console.log(`  RSS:        ${median(sampledMb).toFixed(0)} MB max sampled every 20 ms during a build (${range(sampledMb, 0)}); ${median(beforeMb).toFixed(0)} MB in that process just before its build`);

    if (values.json || values['json-file']) {
      const label = `${kind}, ${GROUPS} groups × ${VARIANTS} variants, ${FORMATS.join('+')}`;
      const gzipBase = { baseline: 'plain gzip of the same bytes, MB/s', baselineRuns: gzipMBps };
      const rows: BenchRow[] = [
        row(`catalog build speed (${label})`, 'MB/s raw', buildMBps, { ...gzipBase, notes: `same zlib level and ${FLUSH_BYTES / 1024} KiB chunks; wall clock` }),
        row(`catalog build / plain gzip (${label})`, '×', ratios, { ...gzipBase, target: '>= 0.8', notes: 'per-run ratio of the two speeds' }),
        row(`catalog build CPU (${label})`, 's CPU', runs.map((x) => x.cpu), { baseline: 'plain gzip CPU s', baselineRuns: runs.map((x) => x.gzipCpu), notes: 'CPU seconds of all threads' }),
        row(`catalog groups/s (${label})`, 'groups/s', groupsPs),
        row(`catalog variants/s (${label})`, 'variants/s', variantsPs),
        row(`catalog bytes gzip (${label})`, 'bytes', runs.map((x) => x.gz), { notes: `raw ${first.raw} bytes; ${first.shards || 1} JSON-LD file(s)` }),
        // The memory target is for 1M variants; smaller runs report without it.
        row(`catalog peak RSS during build (${label})`, 'MB', peakMb, {
          ...(GROUPS * VARIANTS >= 1_000_000 ? { target: '<= 150' } : {}),
          notes:
            `maxRSS of a child process that ran only that one build (${holds} included); target ≤ 150 MB at 1M variants; ` +
            `sampled every 20 ms: median ${median(sampledMb).toFixed(0)} MB; ${median(beforeMb).toFixed(0)} MB before the build`,
        }),
        row(`catalog source alone (${label})`, 's', runs.map((x) => x.sourceS), { notes: 'reading (or generating) the products without rendering' }),
      ];
      if (values['json-file']) {
        writeFileSync(values['json-file'], `${JSON.stringify({ bench: 'catalog', rows }, null, 2)}\n`);
        console.log(`\nwrote ${values['json-file']}`);
      }
      if (values.json) console.log(benchJsonLine({ bench: 'catalog', rows }));
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (values['load-only']) await loadDatabase(values['load-only'], GROUPS, VARIANTS);
else if (values['build-only']) await buildOnly(values['build-only']);
else if (values['source-only']) await sourceOnly();
else await main();
