// Bulk push at the rate-limit floor: N products pushed to each provider fake through the bulk
// path (Shopify bulk mutation, WooCommerce products/batch, Amazon JSON_LISTINGS_FEED) while the
// fake enforces its limits.
// The floor comes from the same numbers the fake enforces:
//   Shopify: N / lines-per-second the fake processes (SHOPIFY_FACTS.bulkPush; the few GraphQL
//            calls around an operation cost ~30 points, nothing against a 100 points/s bucket);
//   WooCommerce: no published rate limit; the fake spends batchItemMs per object of a batch call
//            (a store saving 200 products/s), at most 100 objects per call (413 above);
//   Amazon: N / messages per second the fake processes a feed at (AMAZON_FACTS.bulkPush); the
//            Feeds calls (createFeed 0.0083/s burst 15, getFeed 2/s) are paced under their plans.
// Measured: from the batch being queued (what POST /unified/sync/push/products commits) until
// every target settled, with the worker running in this process. Reported: time / floor
// (target ≤ 1.2×) and requests rejected for a limit known in advance (must be 0).
//
//   npm run bench:bulk -- [--db pglite|postgres|both] [--runs 3] [--sizes 10000] [--scale 1] [--providers a,b] [--quick] [--json]
// --scale F makes the fakes F× faster (and the floor F× lower), printed with the results. The fakes
// run in this process: from about 5× on, their own CPU work (10,000 GraphQL executions per Shopify
// operation) and Synq's show instead of the floor (measured at 10×: 2.1× the floor at 10k on PostgreSQL).
// --sizes 1000,10000,100000 prints cost growth: time/floor per size.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { loadConfig } from '../src/config.ts';
import { withTenant } from '../src/db/client.ts';
import { insertConnection } from '../src/db/connections.ts';
import { createBatch, getBatchProgress } from '../src/db/pushBatches.ts';
import { createDeps, type Deps } from '../src/deps.ts';
import { bulkFloorSeconds } from '../src/domain/pushOutcome.ts';
import { startWorker } from '../src/jobs/worker.ts';
import { sealCredentials } from '../src/providers/connectionContext.ts';
import { SHOPIFY_BULK_LINES_PER_SECOND, SHOPIFY_FACTS } from '../src/providers/shopify/facts.ts';
import { startShopifyFake, type ShopifyFake } from '../src/providers/shopify/fake/index.ts';
import { CLIENT_ID, CLIENT_SECRET, connectorFor, install } from '../src/providers/shopify/testing/harness.ts';
import type { Credentials } from '../src/providers/types.ts';
import { WOOCOMMERCE_FACTS } from '../src/providers/woocommerce/facts.ts';
import { AMAZON_FACTS, AMAZON_FEED_MESSAGES_PER_SECOND } from '../src/providers/amazon/facts.ts';
import { amazonFakeEnv, startAmazonFake, type AmazonFake } from '../src/providers/amazon/fake/index.ts';
import { scratchPostgres } from './scratchDb.ts';
import { startWooCommerceFake, type WooCommerceFake } from '../src/providers/woocommerce/fake/index.ts';

const { values } = parseArgs({
  options: {
    db: { type: 'string', default: process.env.DATABASE_URL ? 'both' : 'pglite' },
    runs: { type: 'string', default: '3' },
    sizes: { type: 'string', default: '10000' },
    scale: { type: 'string', default: '1' },
    providers: { type: 'string', default: 'shopify,woocommerce,amazon' },
    quick: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});
const QUICK = values.quick;
const RUNS = QUICK ? 1 : Number(values.runs);
const SIZES = (QUICK ? '1000' : values.sizes).split(',').map(Number);
const SCALE = Number(values.scale);
const DBS = values.db === 'both' ? (['pglite', 'postgres'] as const) : ([values.db] as ('pglite' | 'postgres')[]);
/** The store time per batch object the WooCommerce fake models: 5 ms = 200 products/s. */
const WOO_ITEM_MS = 5 / SCALE;
const SHOPIFY_RATE = SHOPIFY_BULK_LINES_PER_SECOND * SCALE;
const AMAZON_RATE = AMAZON_FEED_MESSAGES_PER_SECOND * SCALE;
const say = (line: string) => {
  if (!values.json) console.log(line);
};

type ProviderName = 'shopify' | 'woocommerce' | 'amazon';
const PROVIDERS = values.providers.split(',').filter((p): p is ProviderName => p === 'shopify' || p === 'woocommerce' || p === 'amazon');
interface Fakes {
  shopify: ShopifyFake;
  woo: WooCommerceFake;
  amazon: AmazonFake;
}
interface Sample {
  seconds: number;
  floor: number;
  rejected: number;
  succeeded: number;
}

function floorFor(provider: ProviderName, n: number): number {
  // The same facts the task sizes its chunks with; the rate the fake was started with.
  if (provider === 'amazon') return bulkFloorSeconds({ maxItemsPerCall: AMAZON_FACTS.bulkPush!.maxItemsPerCall, floor: { kind: 'items-per-second', perSecond: AMAZON_RATE } }, n)!;
  if (provider === 'shopify') return bulkFloorSeconds({ maxItemsPerCall: SHOPIFY_FACTS.bulkPush!.maxItemsPerCall, floor: { kind: 'items-per-second', perSecond: SHOPIFY_RATE } }, n)!;
  return bulkFloorSeconds({ maxItemsPerCall: WOOCOMMERCE_FACTS.bulkPush!.maxItemsPerCall, floor: { kind: 'items-per-second', perSecond: 1000 / WOO_ITEM_MS } }, n)!;
}

async function openDeps(kind: 'pglite' | 'postgres', dir: string, fakes: Fakes): Promise<{ deps: Deps; drop: () => Promise<void> }> {
  let databaseUrl: string | undefined;
  let drop = async () => {};
  if (kind === 'postgres') {
    const scratch = await scratchPostgres('synq_bulk');
    databaseUrl = scratch.url;
    drop = scratch.drop;
  }
  const config = loadConfig({
    NODE_ENV: 'development',
    SYNQ_DATA_DIR: dir,
    SYNQ_AUTH_SECRET: randomBytes(32).toString('hex'),
    SYNQ_WEBHOOK_SECRET: randomBytes(32).toString('hex'),
    SYNQ_ENCRYPTION_KEYS: `b:${randomBytes(32).toString('base64')}`,
    LOG_LEVEL: 'warn',
    PORT: '0',
    SHOPIFY_CLIENT_ID: CLIENT_ID,
    SHOPIFY_CLIENT_SECRET: CLIENT_SECRET,
    SYNQ_SHOPIFY_SHOP_URL_TEMPLATE: fakes.shopify.shopUrlTemplate,
    WOOCOMMERCE_APP_NAME: 'Synq Bench',
    SYNQ_WOOCOMMERCE_ALLOW_HTTP_LOOPBACK: 'true',
    ...amazonFakeEnv(fakes.amazon),
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  });
  return { deps: await createDeps(config, { schedule: false, poolMax: 10 }), drop };
}

/** N single-variant products in two statements. */
async function seed(deps: Deps, tenantId: string, orgId: string, n: number): Promise<string[]> {
  return withTenant(deps.db, tenantId, async (tx) => {
    const rows = await tx.execute(sql`
      INSERT INTO products (tenant_id, org_id, title, description, brand)
      SELECT ${tenantId}::uuid, ${orgId}::uuid, 'Bench product ' || i, 'Bulk push benchmark', 'Acme' FROM generate_series(1, ${n}) AS i
      RETURNING id`);
    const ids = (Array.isArray(rows) ? rows : (rows as { rows: { id: string }[] }).rows).map((r: { id: string }) => r.id);
    await tx.execute(sql`
      INSERT INTO variants (tenant_id, org_id, product_id, sku, price, currency, inventory_quantity)
      SELECT ${tenantId}::uuid, ${orgId}::uuid, p, 'B-' || substr(md5(p::text), 1, 16), 19.99, 'USD', 5
      FROM unnest(${`{${ids.join(',')}}`}::uuid[]) AS p`);
    return ids;
  });
}

const rejectedSoFar = (fakes: Fakes, provider: ProviderName): number =>
  provider === 'shopify'
    ? fakes.shopify.bulkRejectedForLimit + fakes.shopify.stats.throttled
    : provider === 'woocommerce'
      ? fakes.woo.stats.batchTooLarge
      : fakes.amazon.feedsRateLimited + fakes.amazon.stats.rateLimited;

async function pushOnce(deps: Deps, fakes: Fakes, provider: ProviderName, n: number): Promise<Sample> {
  const tenantId = randomUUID();
  const orgId = randomUUID();
  await deps.db.execute(sql`INSERT INTO tenants (id, org_id) VALUES (${tenantId}, ${orgId})`);
  const productIds = await seed(deps, tenantId, orgId, n);
  const publicId = `conn_bulk${randomBytes(6).toString('hex')}`;
  const tag = randomBytes(4).toString('hex');
  let account: string;
  let creds: Credentials;
  if (provider === 'shopify') {
    account = `bench-${tag}.myshopify.com`;
    creds = await install(connectorFor(fakes.shopify), account);
  } else if (provider === 'amazon') {
    account = `ABENCH${tag.toUpperCase()}`;
    creds = { accessToken: fakes.amazon.issueAccessToken(account), accessExpiresAt: new Date(Date.now() + 3600_000).toISOString(), refreshToken: 'unused-in-bench' };
  } else {
    account = fakes.woo.storeUrl(`bench-${tag}`);
    const k = fakes.woo.issueKeys(`bench-${tag}`, 'Synq Bench');
    creds = { accessToken: k.consumerKey, accessSecret: k.consumerSecret };
  }
  const conn = await insertConnection(deps.db, {
    connectionId: publicId,
    tenantId,
    orgId,
    provider,
    category: 'commerce',
    status: 'ACTIVE',
    account,
    credentials: sealCredentials(deps, { tenantId, connectionId: publicId }, creds),
  });
  const rejectedBefore = rejectedSoFar(fakes, provider);
  const started = performance.now();
  const batchId = await withTenant(deps.db, tenantId, async (tx) => {
    const id = await createBatch(tx, { tenantId, orgId }, { action: 'UPSERT', origin: 'api', productIds, connectionIds: [conn.id] });
    await deps.queue.send(tx, 'push-bulk', { tenantId, connectionId: conn.id, batchId: id }, { singletonKey: conn.id });
    return id;
  });
  let succeeded = 0;
  // The progress query counts every target of the batch (100,000 rows at 100k): asked every 50 ms
  // it would keep a core of this 2-core machine busy against the run it measures. Asking every
  // floor/500 (50 ms to 1 s) adds at most 0.2% of the floor.
  const pollMs = Math.min(1000, Math.max(50, (floorFor(provider, n) * 1000) / 500));
  for (;;) {
    const p = await withTenant(deps.db, tenantId, (tx) => getBatchProgress(tx, { tenantId, orgId }, batchId));
    const c = p?.connections[0]?.counts;
    if (c && c.queued + c.running === 0) {
      succeeded = c.succeeded;
      break;
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
  const seconds = (performance.now() - started) / 1000;
  return { seconds, floor: floorFor(provider, n), rejected: rejectedSoFar(fakes, provider) - rejectedBefore, succeeded };
}

const NOTES: Record<ProviderName, string> = {
  shopify: `fake processes ${SHOPIFY_RATE} productSet lines/s, one bulk mutation per shop`,
  woocommerce: `fake spends ${WOO_ITEM_MS} ms per batch object, 100 per call, one batch at a time per store`,
  amazon: `JSON_LISTINGS_FEED; fake processes ${AMAZON_RATE} messages/s; Feeds operations rate-limited per seller`,
};

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const sizeLabel = (n: number) => (n >= 1000 && n % 1000 === 0 ? `${n / 1000}k` : String(n));

interface Row {
  name: string;
  value: number;
  unit: string;
  min: number;
  max: number;
  runs: number;
  baseline: string;
  baselineValue: number;
  target: string;
  met: boolean;
  notes: string;
}

async function main(): Promise<void> {
  const shopify = await startShopifyFake({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, autoApprove: true, bulkLinesPerSecond: SHOPIFY_RATE, log: () => {} });
  const woo = await startWooCommerceFake({ autoApprove: true, allowHttpCallback: true, batchItemMs: WOO_ITEM_MS, log: () => {} });
  const amazon = await startAmazonFake({ autoApprove: true, feedMessagesPerSecond: AMAZON_RATE, log: () => {} });
  const fakes: Fakes = { shopify, woo, amazon };
  const rows: Row[] = [];
  say(`bulk push: sizes ${SIZES.join(', ')}, ${RUNS} run(s), scale ${SCALE}× (Shopify fake ${SHOPIFY_RATE} lines/s; WooCommerce fake ${WOO_ITEM_MS} ms per batch object, ≤100 per call; Amazon fake ${AMAZON_RATE} feed messages/s)`);
  try {
    for (const kind of DBS) {
      const dir = mkdtempSync(join(tmpdir(), 'synq-bulk-'));
      const { deps, drop } = await openDeps(kind, dir, fakes);
      const worker = await startWorker(deps, { pollingIntervalSeconds: 0.5 });
      try {
        for (const provider of PROVIDERS) {
          const perSize: { n: number; ratio: number }[] = [];
          for (const n of SIZES) {
            const samples: Sample[] = [];
            // Runs of providers and sizes alternate nothing: each run has the worker to itself.
            for (let r = 0; r < RUNS; r++) samples.push(await pushOnce(deps, fakes, provider, n));
            const ratios = samples.map((s) => s.seconds / s.floor);
            const ratio = median(ratios);
            const rejected = samples.reduce((a, s) => a + s.rejected, 0);
            const incomplete = samples.filter((s) => s.succeeded !== n).length;
            perSize.push({ n, ratio });
            say(
              `${provider.padEnd(11)} ${kind.padEnd(8)} ${sizeLabel(n).padStart(5)}: time ${median(samples.map((s) => s.seconds)).toFixed(2)} s, floor ${samples[0]!.floor.toFixed(2)} s, ` +
                `time/floor ${ratio.toFixed(3)}× (min ${Math.min(...ratios).toFixed(3)}, max ${Math.max(...ratios).toFixed(3)}), rejected-for-limit ${rejected}, ` +
                // maxRSS is the process's peak so far (KiB), so only a process running one size shows that size's own peak.
                `peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB` +
                (incomplete ? `, ${incomplete} run(s) did not push every product` : ''),
            );
            rows.push({
              name: `bulk push ${provider} (${kind}, ${sizeLabel(n)})`,
              value: Number(ratio.toFixed(3)),
              unit: '× floor',
              min: Number(Math.min(...ratios).toFixed(3)),
              max: Number(Math.max(...ratios).toFixed(3)),
              runs: RUNS,
              baseline: 'rate-limit floor',
              baselineValue: Number(samples[0]!.floor.toFixed(3)),
              target: '≤ 1.2×',
              met: ratio <= 1.2 && rejected === 0 && incomplete === 0,
              notes: `rejected-for-limit ${rejected}; scale ${SCALE}×; ${NOTES[provider]}`,
            });
          }
          if (perSize.length > 1) {
            const first = perSize[0]!;
            say(`  cost growth (${provider}, ${kind}): ${perSize.map((p) => `${sizeLabel(p.n)} ${p.ratio.toFixed(3)}× (${(p.ratio / first.ratio).toFixed(2)} of ${sizeLabel(first.n)})`).join(', ')}`);
          }
        }
      } finally {
        await worker.stop();
        await deps.queue.stop(false, 2000).catch(() => {});
        await deps.database.close();
        await drop();
        rmSync(dir, { recursive: true, force: true });
      }
    }
  } finally {
    await shopify.close();
    await woo.close();
    await amazon.close();
  }
  if (values.json) console.log(`BENCH_JSON ${JSON.stringify({ bench: 'bulk', rows })}`);
}

await main();
