// Catalog feed state: the store identity a feed publishes, the per-tenant build
// lease, the content-addressed versions, and the product cursor a build reads.
import { sql, type SQL } from 'drizzle-orm';
import type { FeedFormat } from '../catalog/formats.ts';
import type { CatalogProduct, StoreProfile } from '../catalog/model.ts';
import type { Variant } from '../domain/product.ts';
import { rowsOf, type Queryable } from './client.ts';

export interface TenantStore {
  orgId: string;
  profile: StoreProfile;
}

/** The tenant's store as the feed publishes it; defaults when nothing is configured. */
export async function getTenantStore(db: Queryable, tenantId: string, publicUrl: string): Promise<TenantStore | null> {
  const rows = rowsOf<{ org_id: string; name: string | null; store_name: string | null; store_url: string | null; return_policy: Record<string, unknown> | null }>(
    await db.execute(sql`
      SELECT t.org_id::text AS org_id, t.name, f.store_name, f.store_url, f.return_policy
      FROM tenants t LEFT JOIN catalog_feeds f ON f.tenant_id = t.id
      WHERE t.id = ${tenantId}`),
  );
  const r = rows[0];
  if (!r) return null;
  return {
    orgId: r.org_id,
    profile: {
      tenantId,
      name: r.store_name ?? r.name ?? 'Store',
      // Without a configured storefront, URLs live under Synq's own public URL: stable, and unique per tenant.
      url: (r.store_url ?? `${publicUrl}/stores/${tenantId}`).replace(/\/+$/, ''),
      returnPolicy: r.return_policy,
    },
  };
}

/** Products a feed lists: active and not deleted (draft, archived and deleted ones are absent). */
export async function countListedProducts(db: Queryable, tenantId: string, orgId: string): Promise<number> {
  const rows = rowsOf<{ n: number }>(
    await db.execute(sql`SELECT count(*)::int AS n FROM products WHERE tenant_id = ${tenantId} AND org_id = ${orgId} AND status = 'active' AND deleted_at IS NULL`),
  );
  return Number(rows[0]?.n ?? 0);
}

interface ProductRow {
  id: string;
  title: string;
  description: string | null;
  category: string | null;
  brand: string | null;
  handle: string | null;
  images: string[];
  created_at: Date | string;
  updated_at: Date | string;
  cursor_ts: string;
  /** json_agg of VariantRow; drivers parse json, but a string is accepted too. */
  variants: VariantRow[] | string;
}

interface VariantRow {
  id: string;
  sku: string;
  barcode: string | null;
  price: string;
  currency: string;
  option_values: Record<string, string>;
  inventory_quantity: number | null;
  position: number;
}

const toDate = (v: Date | string) => (v instanceof Date ? v : new Date(v));

const toVariant = (v: VariantRow): Variant => ({
  id: v.id,
  sku: v.sku,
  barcode: v.barcode,
  price: v.price,
  currency: v.currency,
  optionValues: v.option_values,
  inventoryQuantity: v.inventory_quantity,
  position: v.position,
});

/**
 * Keyset cursor over the listed products in batches, on the (tenant, org, created_at, id)
 * index. Short statements instead of one long-lived cursor transaction: PGlite has a
 * single connection, and a transaction open for a whole 1M-variant build would stall
 * every other query. The cursor is carried as created_at's text form so microseconds
 * survive (a JS Date would truncate them and skip or repeat rows).
 */
export async function* readListedProducts(db: Queryable, tenantId: string, orgId: string, batchSize = 500): AsyncGenerator<CatalogProduct[]> {
  let after: { ts: string; id: string } | null = null;
  for (;;) {
    // ORDER BY names the table's columns: a bare "id" would be the id::text output column, which
    // no index orders, and every batch sorted the tenant's whole table (230 ms per batch at 100k).
    const keyset: SQL = after ? sql`AND (p.created_at, p.id) > (${after.ts}::timestamptz, ${after.id}::uuid)` : sql``;
    // Variants come with their product from a correlated subquery: one round trip per batch, and
    // always variants_product_idx. A separate "product_id = ANY(500 ids)" query, with statistics
    // not gathered yet (right after a bulk import, exactly when a big build runs), was planned as
    // a sequential scan per batch: 100 ms each on 200k variants.
    const products: ProductRow[] = rowsOf<ProductRow>(
      await db.execute(sql`
        SELECT p.id::text AS id, p.title, p.description, p.category, p.brand, p.handle, p.images, p.created_at, p.updated_at,
          p.created_at::text AS cursor_ts,
          (SELECT coalesce(json_agg(v ORDER BY v.position, v.created_at), '[]'::json) FROM (
            SELECT id::text AS id, sku, barcode, price::text AS price, currency, option_values, inventory_quantity, position, created_at
            FROM variants WHERE variants.product_id = p.id) v) AS variants
        FROM products p
        WHERE p.tenant_id = ${tenantId} AND p.org_id = ${orgId} AND p.status = 'active' AND p.deleted_at IS NULL ${keyset}
        ORDER BY p.created_at, p.id
        LIMIT ${batchSize}`),
    );
    if (products.length === 0) return;
    yield products.map((p) => ({
      id: p.id,
      title: p.title,
      description: p.description,
      category: p.category,
      brand: p.brand,
      handle: p.handle,
      images: p.images,
      createdAt: toDate(p.created_at),
      updatedAt: toDate(p.updated_at),
      variants: (typeof p.variants === 'string' ? (JSON.parse(p.variants) as VariantRow[]) : p.variants).map(toVariant),
    }));
    const last: ProductRow = products[products.length - 1]!;
    after = { ts: last.cursor_ts, id: last.id };
    if (products.length < batchSize) return;
  }
}

/** Takes the tenant's build lease for `seconds`; false while another build holds it. */
export async function acquireBuildLease(db: Queryable, tenantId: string, orgId: string, seconds: number): Promise<boolean> {
  await db.execute(sql`INSERT INTO catalog_feeds (tenant_id, org_id) VALUES (${tenantId}, ${orgId}) ON CONFLICT (tenant_id) DO NOTHING`);
  const rows = await db.execute(sql`
    UPDATE catalog_feeds SET building_until = now() + make_interval(secs => ${seconds}), updated_at = now()
    WHERE tenant_id = ${tenantId} AND (building_until IS NULL OR building_until < now())
    RETURNING tenant_id`);
  return rowsOf(rows).length > 0;
}

export async function renewBuildLease(db: Queryable, tenantId: string, seconds: number): Promise<void> {
  await db.execute(sql`UPDATE catalog_feeds SET building_until = now() + make_interval(secs => ${seconds}) WHERE tenant_id = ${tenantId}`);
}

export async function releaseBuildLease(db: Queryable, tenantId: string, error: string | null): Promise<void> {
  await db.execute(sql`
    UPDATE catalog_feeds SET building_until = NULL, updated_at = now(), last_error = ${error},
      last_built_at = CASE WHEN ${error}::text IS NULL THEN now() ELSE last_built_at END
    WHERE tenant_id = ${tenantId}`);
}

export interface PublishedVersion {
  format: FeedFormat;
  version: string;
  shards: string[];
  groups: number;
  variants: number;
  bytesRaw: number;
  bytesGzip: number;
}

/**
 * Makes `v` the current version of its format, after its files are durable in storage.
 * The same content built again is the same row, published anew.
 */
export async function publishVersion(db: Queryable, tenantId: string, v: PublishedVersion): Promise<void> {
  await db.execute(sql`
    INSERT INTO catalog_versions (tenant_id, format, version, shards, groups, variants, bytes_raw, bytes_gzip)
    VALUES (${tenantId}, ${v.format}, ${v.version}, ${JSON.stringify(v.shards)}::jsonb, ${v.groups}, ${v.variants}, ${v.bytesRaw}, ${v.bytesGzip})
    ON CONFLICT (tenant_id, format, version) DO UPDATE SET published_at = now(), superseded_at = NULL`);
  await db.execute(sql`
    UPDATE catalog_versions SET superseded_at = now()
    WHERE tenant_id = ${tenantId} AND format = ${v.format} AND version <> ${v.version} AND superseded_at IS NULL`);
}

/**
 * The current version of a format, recording that a URL valid until `referencedUntil`
 * now points at it (one statement: garbage collection can never slip in between).
 */
export async function referenceCurrentVersion(
  db: Queryable,
  tenantId: string,
  format: FeedFormat,
  referencedUntil: Date,
): Promise<{ version: string; shards: string[] } | null> {
  const rows = rowsOf<{ version: string; shards: string[] }>(
    await db.execute(sql`
      UPDATE catalog_versions SET referenced_until = greatest(coalesce(referenced_until, ${referencedUntil.toISOString()}::timestamptz), ${referencedUntil.toISOString()}::timestamptz)
      WHERE tenant_id = ${tenantId} AND format = ${format} AND version = (
        SELECT version FROM catalog_versions WHERE tenant_id = ${tenantId} AND format = ${format} AND superseded_at IS NULL
        ORDER BY published_at DESC LIMIT 1)
      RETURNING version, shards`),
  );
  return rows[0] ?? null;
}

/** True when `version` is (or was) a published version of this tenant: the file route's existence check. */
export async function versionExists(db: Queryable, tenantId: string, format: FeedFormat, version: string): Promise<boolean> {
  const rows = await db.execute(sql`SELECT 1 FROM catalog_versions WHERE tenant_id = ${tenantId} AND format = ${format} AND version = ${version}`);
  return rowsOf(rows).length > 0;
}

export interface CollectableVersion {
  format: FeedFormat;
  version: string;
  shards: string[];
}

/**
 * Versions superseded more than `graceSeconds` ago whose last signed URL has expired.
 * Rows are deleted here; the caller deletes their files (under the build lease).
 */
export async function takeCollectableVersions(db: Queryable, tenantId: string, graceSeconds: number): Promise<{ gone: CollectableVersion[]; kept: string[] }> {
  const gone = rowsOf<CollectableVersion>(
    await db.execute(sql`
      DELETE FROM catalog_versions
      WHERE tenant_id = ${tenantId} AND superseded_at IS NOT NULL
        AND superseded_at < now() - make_interval(secs => ${graceSeconds})
        AND (referenced_until IS NULL OR referenced_until < now())
      RETURNING format, version, shards`),
  );
  // Shards are content-addressed too, so an unchanged slice is shared with newer versions.
  const kept = rowsOf<{ version: string; shards: string[] }>(
    await db.execute(sql`SELECT version, shards FROM catalog_versions WHERE tenant_id = ${tenantId}`),
  ).flatMap((r) => [r.version, ...r.shards]);
  return { gone, kept };
}

export interface StoreSettings {
  storeName: string | null;
  storeUrl: string | null;
  returnPolicy: Record<string, unknown> | null;
}

/** Sets the store identity the tenant's feed publishes (a rebuild picks it up). */
export async function saveStoreSettings(db: Queryable, tenantId: string, orgId: string, s: StoreSettings): Promise<void> {
  const policy = s.returnPolicy === null ? null : JSON.stringify(s.returnPolicy);
  await db.execute(sql`
    INSERT INTO catalog_feeds (tenant_id, org_id, store_name, store_url, return_policy)
    VALUES (${tenantId}, ${orgId}, ${s.storeName}, ${s.storeUrl}, ${policy}::jsonb)
    ON CONFLICT (tenant_id) DO UPDATE SET store_name = EXCLUDED.store_name, store_url = EXCLUDED.store_url,
      return_policy = EXCLUDED.return_policy, updated_at = now()`);
}
