// Catalog feed bench: `npm run bench:catalog -- --groups 100000 --variants 2 [--reps 3] [--source synthetic|db] [--all]`.
// Measures the real build path (rendition → SHA-256 → gzip → data-dir storage, sharded above
// 50,000 groups) and, in the same run on the same bytes, plain gzip at the same level as the
// baseline. Reports medians over the repetitions and the process's peak RSS during the builds.
//
// --source synthetic: products from a generator (measures the feed pipeline alone).
// --source db: products bulk-loaded into a PGlite database (or DATABASE_URL) and read back
//   through the same keyset cursor a real build uses; PGlite's WASM heap then counts in RSS.
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { createGzip } from 'node:zlib';
import { DataDirStorage } from '../src/catalog/dataDirStorage.ts';
import type { FeedFormat } from '../src/catalog/formats.ts';
import { jsonldRendition } from '../src/catalog/jsonldText.ts';
import type { CatalogProduct, StoreProfile } from '../src/catalog/model.ts';
import { GZIP_LEVEL } from '../src/catalog/writer.ts';
import { writeFeeds } from '../src/catalog/writeFeeds.ts';
import type { Database } from '../src/db/client.ts';

const { values } = parseArgs({
  options: {
    groups: { type: 'string', default: '100000' },
    variants: { type: 'string', default: '2' },
    reps: { type: 'string', default: '3' },
    source: { type: 'string', default: 'synthetic' },
    all: { type: 'boolean', default: false },
  },
});
const GROUPS = Number(values.groups);
const VARIANTS = Number(values.variants);
const REPS = Number(values.reps);
const SOURCE = values.source === 'db' ? 'db' : 'synthetic';
const FORMATS: FeedFormat[] = values.all ? ['jsonld', 'acp', 'merchant'] : ['jsonld'];
const BATCH = 500;

const TENANT = '6f1c3a52-7c1e-4c57-9a55-0c0b8f0f4d11';
const ORG = '0b7e9c1d-2f3a-4b5c-8d6e-7f8091a2b3c4';
const store: StoreProfile = { tenantId: TENANT, name: 'Bench Outfitters', url: 'https://bench.example', returnPolicy: null };
const SIZES = ['XS', 'S', 'M', 'L', 'XL', 'XXL'];
const COLORS = ['Forest Green', 'Navy', 'Black', 'Sand'];
const DESCRIPTION = 'Lightweight merino trail running t-shirt with flatlock seams, odour control and a relaxed fit for long days.';

function gtin13(n: number): string {
  const body = String(400000000000 + n).padStart(12, '0').slice(-12);
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += (body.charCodeAt(i) - 48) * (i % 2 === 0 ? 1 : 3);
  return body + String((10 - (sum % 10)) % 10);
}

function syntheticProduct(i: number): CatalogProduct {
  const at = new Date(Date.UTC(2026, 0, 1) + i * 1000);
  const id = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
  return {
    id,
    title: `Trail Tee ${i}`,
    description: DESCRIPTION,
    category: 'Apparel & Accessories > Clothing > Shirts & Tops',
    brand: 'Acme',
    handle: `trail-tee-${i}`,
    images: [`https://cdn.bench.example/img/${i}/main.jpg`, `https://cdn.bench.example/img/${i}/back.jpg`],
    createdAt: at,
    updatedAt: at,
    variants: Array.from({ length: VARIANTS }, (_, v) => ({
      id: `${id.slice(0, 24)}${String(i * VARIANTS + v).padStart(12, '0')}`,
      sku: `TT-${i}-${v}`,
      barcode: gtin13(i * VARIANTS + v),
      price: `${19 + (i % 80)}.${String(i % 100).padStart(2, '0')}`,
      currency: 'USD',
      optionValues: { Size: SIZES[v % SIZES.length]!, Color: COLORS[i % COLORS.length]! },
      inventoryQuantity: (i + v) % 7,
      position: v,
    })),
  };
}

async function* synthetic(): AsyncGenerator<CatalogProduct[]> {
  for (let i = 0; i < GROUPS; i += BATCH) {
    const batch: CatalogProduct[] = [];
    for (let j = i; j < Math.min(GROUPS, i + BATCH); j++) batch.push(syntheticProduct(j));
    yield batch;
  }
}

async function loadDatabase(dataDir: string): Promise<Database> {
  // Imported only in db mode: PGlite, pg and Drizzle weigh ~100 MB of RSS before any work.
  const { migrateDatabase, openDatabase } = await import('../src/db/client.ts');
  const { sql } = await import('drizzle-orm');
  const database = await openDatabase({ databaseUrl: process.env.DATABASE_URL, dataDir });
  await migrateDatabase(database);
  const db = database.db;
  await db.execute(sql`DELETE FROM products WHERE tenant_id = ${TENANT}`);
  await db.execute(sql`INSERT INTO tenants (id, org_id, name) VALUES (${TENANT}, ${ORG}, 'Bench') ON CONFLICT (id) DO NOTHING`);
  const t0 = performance.now();
  for (let i = 0; i < GROUPS; i += 50_000) {
    const n = Math.min(50_000, GROUPS - i);
    await db.execute(sql`
      INSERT INTO products (id, tenant_id, org_id, title, description, category, brand, handle, images, created_at, updated_at)
      SELECT ('00000000-0000-4000-8000-' || lpad(g::text, 12, '0'))::uuid, ${TENANT}, ${ORG}, 'Trail Tee ' || g, ${DESCRIPTION},
        'Apparel & Accessories > Clothing > Shirts & Tops', 'Acme', 'trail-tee-' || g,
        jsonb_build_array('https://cdn.bench.example/img/' || g || '/main.jpg', 'https://cdn.bench.example/img/' || g || '/back.jpg'),
        timestamptz '2026-01-01' + g * interval '1 second', timestamptz '2026-01-01' + g * interval '1 second'
      FROM generate_series(${i}::int, ${i + n - 1}::int) g`);
    await db.execute(sql`
      INSERT INTO variants (tenant_id, org_id, product_id, sku, barcode, price, currency, option_values, inventory_quantity, position)
      SELECT ${TENANT}, ${ORG}, ('00000000-0000-4000-8000-' || lpad(g::text, 12, '0'))::uuid, 'TT-' || g || '-' || v, NULL,
        ((19 + g % 80)::text || '.' || lpad((g % 100)::text, 2, '0'))::numeric, 'USD',
        jsonb_build_object('Size', (ARRAY['XS','S','M','L','XL','XXL'])[1 + v % 6], 'Color', (ARRAY['Forest Green','Navy','Black','Sand'])[1 + g % 4]),
        (g + v) % 7, v
      FROM generate_series(${i}::int, ${i + n - 1}::int) g, generate_series(0, ${VARIANTS - 1}::int) v`);
  }
  await db.execute(sql`ANALYZE products`);
  await db.execute(sql`ANALYZE variants`);
  console.log(`loaded ${GROUPS} products × ${VARIANTS} variants into ${database.kind} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return database;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

async function main(): Promise<void> {
  const startRssMb = process.memoryUsage.rss() / 1e6;
  const work = mkdtempSync(join(tmpdir(), 'synq-bench-'));
  const database = SOURCE === 'db' ? await loadDatabase(join(work, 'db')) : null;
  const readListedProducts = database ? (await import('../src/db/catalogFeeds.ts')).readListedProducts : null;
  const source = () => (database && readListedProducts ? readListedProducts(database, TENANT, ORG, BATCH) : synthetic());
  console.log(`source=${SOURCE} groups=${GROUPS} variants/group=${VARIANTS} formats=${FORMATS.join(',')} reps=${REPS} gzip level=${GZIP_LEVEL === -1 ? 'default (6)' : GZIP_LEVEL}`);

  // CPU seconds (all threads: main + zlib's thread pool) next to wall time: on a shared 2-core machine the
  // wall-clock ratio mostly measures contention, the CPU ratio measures work.
  const cpu = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  };
  const runs: { s: number; cpu: number; raw: number; gz: number; shards: number }[] = [];
  // Sampled RSS during the builds only (maxRSS also covers loading the database, and PGlite's
  // WASM heap never shrinks, so the sample is what the build itself holds on top).
  let sampledRss = 0;
  const sampler = setInterval(() => (sampledRss = Math.max(sampledRss, process.memoryUsage.rss())), 25);
  const rssBeforeBuilds = process.memoryUsage.rss();
  for (let r = 0; r < REPS; r++) {
    const dir = join(work, `rep${r}`);
    const t0 = performance.now();
    const c0 = cpu();
    const files = await writeFeeds(new DataDirStorage(dir), store, source(), { expectedGroups: GROUPS, formats: FORMATS });
    const s = (performance.now() - t0) / 1000;
    const raw = FORMATS.reduce((n, f) => n + files[f]!.bytesRaw, 0);
    const gz = FORMATS.reduce((n, f) => n + files[f]!.bytesGzip, 0);
    runs.push({ s, cpu: cpu() - c0, raw, gz, shards: files.jsonld?.shards.length ?? 0 });
    console.log(`  rep ${r + 1}: ${s.toFixed(2)} s, ${(GROUPS / s).toFixed(0)} groups/s, ${((GROUPS * VARIANTS) / s).toFixed(0)} variants/s, raw ${mb(raw)}, gzip ${mb(gz)}`);
    rmSync(dir, { recursive: true, force: true });
  }
  clearInterval(sampler);
  // maxRSS is in KiB; every figure here is in MB (10^6 bytes).
  const peakRssMb = (process.resourceUsage().maxRSS * 1024) / 1e6;

  // Baseline: the same raw bytes (JSON-LD, rendered once more into a file outside the timed
  // runs) through plain gzip at the same level, same stream machinery, into a null sink.
  const rawFile = join(work, 'raw.jsonld');
  const out = createWriteStream(rawFile);
  const rendition = jsonldRendition(store);
  out.write(rendition.head());
  let first = true;
  for await (const batch of source()) {
    let chunk = '';
    for (const p of batch) {
      const s = rendition.item(p);
      if (s === null) continue;
      chunk += (first ? '' : ',') + s;
      first = false;
    }
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  out.end(rendition.tail({ dateModified: null, items: 0 }) + rendition.seal('0'.repeat(32)));
  await new Promise<void>((r) => out.on('finish', () => r()));
  const base: number[] = [];
  const baseCpu: number[] = [];
  let baseBytes = 0;
  for (let r = 0; r < REPS; r++) {
    let n = 0;
    const t0 = performance.now();
    const c0 = cpu();
    await pipeline(
      createReadStream(rawFile, { highWaterMark: 64 * 1024 }),
      createGzip({ level: GZIP_LEVEL }),
      new Writable({ write: (c: Buffer, _e, cb) => ((n += c.length), cb()) }),
    );
    base.push((performance.now() - t0) / 1000);
    baseCpu.push(cpu() - c0);
    baseBytes = n;
  }
  const rawJsonld = runs[0]!.raw;
  const pipelineMBps = rawJsonld / median(runs.map((x) => x.s)) / 1e6;
  const gzipMBps = statSync(rawFile).size / median(base) / 1e6;

  const t = median(runs.map((x) => x.s));
  console.log('\nmedians');
  console.log(`  build:      ${t.toFixed(2)} s  ${(GROUPS / t).toFixed(0)} groups/s  ${((GROUPS * VARIANTS) / t).toFixed(0)} variants/s  (${runs[0]!.shards || 1} JSON-LD file(s))`);
  console.log(`  bytes:      raw ${mb(runs[0]!.raw)}  gzip ${mb(runs[0]!.gz)}  (${(runs[0]!.raw / runs[0]!.gz).toFixed(1)}:1)`);
  console.log(`  plain gzip: ${median(base).toFixed(2)} s on the same ${mb(statSync(rawFile).size)} raw JSON-LD → ${mb(baseBytes)}`);
  if (FORMATS.length === 1) {
    console.log(`  speed:      pipeline ${pipelineMBps.toFixed(1)} MB/s raw vs plain gzip ${gzipMBps.toFixed(1)} MB/s → ratio ${(pipelineMBps / gzipMBps).toFixed(2)}× (wall clock)`);
    console.log(`  cpu:        pipeline ${median(runs.map((x) => x.cpu)).toFixed(2)} s vs plain gzip ${median(baseCpu).toFixed(2)} s → ratio ${(median(baseCpu) / median(runs.map((x) => x.cpu))).toFixed(2)}× (CPU seconds, all threads)`);
  }
  console.log(`  RSS:        ${(sampledRss / 1e6).toFixed(0)} MB max sampled during the builds (${(rssBeforeBuilds / 1e6).toFixed(0)} MB just before them)`);
  console.log(`  peak RSS:   ${peakRssMb.toFixed(0)} MB process maximum so far (process-wide, includes ${database ? (database.kind === 'pglite' ? 'the PGlite database and ' : 'the pg driver (not the server) and ') : ''}the Node runtime; ${startRssMb.toFixed(0)} MB before any work)`);
  await database?.close();
  rmSync(work, { recursive: true, force: true });
}

await main();
