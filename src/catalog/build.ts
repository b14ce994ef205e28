// Building a tenant's catalog feed end to end: take the tenant's build lease,
// stream its listed products through all renditions into storage, publish each
// version, collect versions nobody can fetch any more. Also the debounced
// scheduling the product routes call inside their transactions.
import type { Deps } from '../deps.ts';
import type { Queryable } from '../db/client.ts';
import {
  acquireBuildLease,
  countListedProducts,
  getTenantStore,
  publishVersion,
  readListedProducts,
  releaseBuildLease,
  renewBuildLease,
  takeCollectableVersions,
} from '../db/catalogFeeds.ts';
import { FEED_FORMATS, indexKey, storageKey, type FeedFormat } from './formats.ts';
import { catalogServices } from './services.ts';
import { TEMP_PREFIX } from './storage.ts';
import { writeFeeds, type FeedFileSummary } from './writeFeeds.ts';

// A crashed build frees its tenant after this; a live one renews well before.
const LEASE_SECONDS = 300;
const RENEW_EVERY_MS = 60_000;
// A superseded version stays at least this long even without recorded references: covers a
// redirect that read "current" just before the new version was published.
const GC_GRACE_SECONDS = 300;
// Temporary objects older than this belong to a build that died.
const TEMP_MAX_AGE_MS = 6 * 3600 * 1000;

/** Metrics are optional: the one-shot CLI build has no /metrics endpoint to report to. */
export type BuildDeps = Pick<Deps, 'db' | 'database' | 'config' | 'log'> & Partial<Pick<Deps, 'metrics'>>;

export interface BuildProgress {
  done: number;
  total: number;
}

export interface BuildOptions {
  onProgress?: (p: BuildProgress) => void;
  /** Override of the 50,000-groups-per-file limit (tests shard small catalogs). */
  shardSize?: number;
  batchSize?: number;
}

export type BuildResult =
  | { status: 'busy' }
  | { status: 'no-tenant' }
  | { status: 'built'; products: number; files: Record<FeedFormat, FeedFileSummary>; collected: number; ms: number };

/** Rebuilds every rendition of the tenant's feed; `busy` when another build holds the lease. */
export async function buildCatalog(deps: BuildDeps, tenantId: string, opts: BuildOptions = {}): Promise<BuildResult> {
  const m = deps.metrics;
  if (!m) return runBuild(deps, tenantId, opts);
  const stop = m.catalogBuildSeconds.startTimer();
  let outcome = 'failed';
  try {
    const result = await runBuild(deps, tenantId, opts);
    outcome = result.status === 'no-tenant' ? 'no_tenant' : result.status;
    if (result.status === 'built') {
      for (const format of FEED_FORMATS) {
        m.catalogBytes.inc({ format, encoding: 'raw' }, result.files[format].bytesRaw);
        m.catalogBytes.inc({ format, encoding: 'gzip' }, result.files[format].bytesGzip);
      }
      m.catalogLastGroups.set(result.files.jsonld.groups);
      m.catalogLastVariants.set(result.files.jsonld.variants);
    }
    return result;
  } finally {
    m.catalogBuilds.inc({ outcome });
    stop({ outcome });
  }
}

async function runBuild(deps: BuildDeps, tenantId: string, opts: BuildOptions): Promise<BuildResult> {
  const started = Date.now();
  const { storage } = catalogServices(deps.config);
  const tenant = await getTenantStore(deps.db, tenantId, deps.config.publicUrl);
  if (!tenant) return { status: 'no-tenant' };
  if (!(await acquireBuildLease(deps.db, tenantId, tenant.orgId, LEASE_SECONDS))) return { status: 'busy' };
  let lastRenew = Date.now();
  try {
    const total = await countListedProducts(deps.db, tenantId, tenant.orgId);
    opts.onProgress?.({ done: 0, total });
    const files = (await writeFeeds(storage, tenant.profile, readListedProducts(deps.database, tenantId, tenant.orgId, opts.batchSize), {
      expectedGroups: total,
      ...(opts.shardSize ? { shardSize: opts.shardSize } : {}),
      onBatch: async (done) => {
        opts.onProgress?.({ done, total: Math.max(total, done) });
        if (Date.now() - lastRenew > RENEW_EVERY_MS) {
          lastRenew = Date.now();
          await renewBuildLease(deps.db, tenantId, LEASE_SECONDS);
        }
      },
    })) as Record<FeedFormat, FeedFileSummary>;
    // Files are durable before any row points at them: a reader never sees a version without its file.
    for (const format of FEED_FORMATS) {
      const f = files[format];
      await publishVersion(deps.db, tenantId, { format, version: f.version, shards: f.shards, groups: f.groups, variants: f.variants, bytesRaw: f.bytesRaw, bytesGzip: f.bytesGzip });
    }
    const collected = await collectGarbage(deps, tenantId);
    await releaseBuildLease(deps.db, tenantId, null);
    const ms = Date.now() - started;
    deps.log.info({ tenantId, products: total, versions: Object.fromEntries(FEED_FORMATS.map((f) => [f, files[f].version])), collected, ms }, 'catalog built');
    return { status: 'built', products: total, files, collected, ms };
  } catch (err) {
    await releaseBuildLease(deps.db, tenantId, err instanceof Error ? err.message.slice(0, 500) : String(err)).catch(() => {});
    throw err;
  }
}

/**
 * Deletes versions superseded more than the grace period ago whose signed URLs have all
 * expired, and abandoned temporary objects. Runs under the build lease, so it never
 * races a build of the same tenant re-publishing an old version.
 */
export async function collectGarbage(deps: BuildDeps, tenantId: string): Promise<number> {
  const { storage } = catalogServices(deps.config);
  const { gone, kept } = await takeCollectableVersions(deps.db, tenantId, GC_GRACE_SECONDS);
  const keep = new Set(kept);
  let deleted = 0;
  for (const v of gone) {
    const keys: string[] = [];
    if (!keep.has(v.version)) keys.push(v.shards.length > 0 ? indexKey(tenantId, v.version) : storageKey(tenantId, v.version, v.format));
    for (const s of v.shards) if (!keep.has(s)) keys.push(storageKey(tenantId, s, 'jsonld'));
    for (const k of keys) await storage.delete(k);
    deleted += keys.length;
  }
  const cutoff = Date.now() - TEMP_MAX_AGE_MS;
  for await (const o of storage.list(TEMP_PREFIX)) {
    if (o.lastModified.getTime() < cutoff) {
      await storage.delete(o.key);
      deleted++;
    }
  }
  return deleted;
}

/**
 * Queues a rebuild of the tenant's feed, inside the caller's transaction. Debounced:
 * the queue is `stately` with one singleton per tenant, so while a build is waiting
 * its start delay every further call is a no-op (a burst of 1,000 edits → one build
 * that reads the state after the burst).
 */
export async function scheduleCatalogBuild(deps: Pick<Deps, 'queue' | 'config'>, tx: Queryable, tenantId: string, opts: { delaySeconds?: number } = {}): Promise<void> {
  await deps.queue.send(tx, 'catalog-build', { tenantId }, { singletonKey: tenantId, startAfterSeconds: opts.delaySeconds ?? deps.config.feed.buildDelaySeconds });
}
