// Product and variant queries. Every function takes (db | tx) first and is
// scoped by tenant and org explicitly; RLS is the second fence, not the first.
import { and, asc, eq, gt, inArray, isNull, or, sql } from 'drizzle-orm';
import type { Product, ProductStatus, Variant } from '../domain/product.ts';
import type { Queryable } from './client.ts';
import { products, variants } from './schema.ts';

export interface Scope {
  tenantId: string;
  orgId: string;
}

export interface NewVariant {
  sku: string;
  barcode: string | null;
  price: string;
  currency: string;
  optionValues: Record<string, string>;
  inventoryQuantity: number | null;
}

export interface NewProduct {
  title: string;
  description: string | null;
  category: string | null;
  brand: string | null;
  handle: string | null;
  status: ProductStatus;
  images: string[];
  variants: NewVariant[];
}

type ProductRow = typeof products.$inferSelect;
type VariantRow = typeof variants.$inferSelect;

function toVariant(r: VariantRow): Variant {
  return {
    id: r.id,
    sku: r.sku,
    barcode: r.barcode,
    price: r.price,
    currency: r.currency,
    optionValues: r.optionValues,
    inventoryQuantity: r.inventoryQuantity,
    position: r.position,
  };
}

function toProduct(r: ProductRow, vs: VariantRow[]): Product {
  return {
    id: r.id,
    tenantId: r.tenantId,
    orgId: r.orgId,
    title: r.title,
    description: r.description,
    category: r.category,
    brand: r.brand,
    handle: r.handle,
    status: r.status,
    images: r.images,
    version: r.version,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    deletedAt: r.deletedAt,
    variants: vs.map(toVariant),
  };
}

/** SKUs among `skus` already used by this tenant (for a clear 409 before the unique index fires). */
export async function existingSkus(db: Queryable, scope: Scope, skus: string[]): Promise<string[]> {
  if (skus.length === 0) return [];
  const rows = await db
    .select({ sku: variants.sku })
    .from(variants)
    .where(and(eq(variants.tenantId, scope.tenantId), inArray(variants.sku, skus)));
  return rows.map((r) => r.sku);
}

export async function insertProduct(db: Queryable, scope: Scope, input: NewProduct): Promise<Product> {
  const [row] = await db
    .insert(products)
    .values({
      tenantId: scope.tenantId,
      orgId: scope.orgId,
      title: input.title,
      description: input.description,
      category: input.category,
      brand: input.brand,
      handle: input.handle,
      status: input.status,
      images: input.images,
    })
    .returning();
  const vs = await insertVariants(db, scope, row!.id, input.variants, 0);
  return toProduct(row!, vs);
}

async function insertVariants(db: Queryable, scope: Scope, productId: string, input: NewVariant[], firstPosition: number): Promise<VariantRow[]> {
  if (input.length === 0) return [];
  return db
    .insert(variants)
    .values(
      input.map((v, i) => ({
        tenantId: scope.tenantId,
        orgId: scope.orgId,
        productId,
        sku: v.sku,
        barcode: v.barcode,
        price: v.price,
        currency: v.currency,
        optionValues: v.optionValues,
        inventoryQuantity: v.inventoryQuantity,
        position: firstPosition + i,
      })),
    )
    .returning();
}

export async function addVariant(db: Queryable, scope: Scope, productId: string, v: NewVariant): Promise<Variant> {
  const [pos] = await db
    .select({ next: sql<number>`coalesce(max(${variants.position}) + 1, 0)::int` })
    .from(variants)
    .where(eq(variants.productId, productId));
  const [row] = await insertVariants(db, scope, productId, [v], pos?.next ?? 0);
  await bumpVersion(db, scope, productId);
  return toVariant(row!);
}

export async function getProduct(db: Queryable, scope: Scope, id: string, opts: { includeDeleted?: boolean } = {}): Promise<Product | null> {
  const conds = [eq(products.id, id), eq(products.tenantId, scope.tenantId), eq(products.orgId, scope.orgId)];
  if (!opts.includeDeleted) conds.push(isNull(products.deletedAt));
  const [row] = await db.select().from(products).where(and(...conds));
  if (!row) return null;
  const vs = await db.select().from(variants).where(eq(variants.productId, id)).orderBy(asc(variants.position), asc(variants.createdAt));
  return toProduct(row, vs);
}

/** Locks the product row for the rest of the transaction (serialises concurrent edits). */
export async function lockProduct(db: Queryable, scope: Scope, id: string): Promise<boolean> {
  const rows = await db.execute(
    sql`SELECT id FROM products WHERE id = ${id} AND tenant_id = ${scope.tenantId} AND org_id = ${scope.orgId} AND deleted_at IS NULL FOR UPDATE`,
  );
  const r = rows as unknown as { rows?: unknown[] };
  return (r.rows?.length ?? 0) > 0;
}

export interface ProductPage {
  items: Product[];
  next: { createdAt: Date; id: string } | null;
}

/** Keyset pagination on (created_at, id): stable under concurrent inserts, O(limit) per page. */
export async function listProducts(
  db: Queryable,
  scope: Scope,
  limit: number,
  after: { createdAt: Date; id: string } | null,
): Promise<ProductPage> {
  const conds = [eq(products.tenantId, scope.tenantId), eq(products.orgId, scope.orgId), isNull(products.deletedAt)];
  if (after) {
    conds.push(or(gt(products.createdAt, after.createdAt), and(eq(products.createdAt, after.createdAt), gt(products.id, after.id)))!);
  }
  const rows = await db
    .select()
    .from(products)
    .where(and(...conds))
    .orderBy(asc(products.createdAt), asc(products.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const vs = page.length
    ? await db
        .select()
        .from(variants)
        .where(inArray(variants.productId, page.map((r) => r.id)))
        .orderBy(asc(variants.position), asc(variants.createdAt))
    : [];
  const byProduct = new Map<string, VariantRow[]>();
  for (const v of vs) byProduct.set(v.productId, [...(byProduct.get(v.productId) ?? []), v]);
  const last = page[page.length - 1];
  return {
    items: page.map((r) => toProduct(r, byProduct.get(r.id) ?? [])),
    next: rows.length > limit && last ? { createdAt: last.createdAt, id: last.id } : null,
  };
}

export type ProductPatch = Partial<Omit<NewProduct, 'variants'>>;

export async function updateProduct(db: Queryable, scope: Scope, id: string, patch: ProductPatch): Promise<boolean> {
  const rows = await db
    .update(products)
    .set({ ...patch, updatedAt: new Date(), version: sql`${products.version} + 1` })
    .where(and(eq(products.id, id), eq(products.tenantId, scope.tenantId), eq(products.orgId, scope.orgId), isNull(products.deletedAt)))
    .returning({ id: products.id });
  return rows.length > 0;
}

async function bumpVersion(db: Queryable, scope: Scope, id: string): Promise<void> {
  await db
    .update(products)
    .set({ updatedAt: new Date(), version: sql`${products.version} + 1` })
    .where(and(eq(products.id, id), eq(products.tenantId, scope.tenantId)));
}

export async function softDeleteProduct(db: Queryable, scope: Scope, id: string): Promise<boolean> {
  const rows = await db
    .update(products)
    .set({ deletedAt: new Date(), updatedAt: new Date(), version: sql`${products.version} + 1` })
    .where(and(eq(products.id, id), eq(products.tenantId, scope.tenantId), eq(products.orgId, scope.orgId), isNull(products.deletedAt)))
    .returning({ id: products.id });
  return rows.length > 0;
}

/** Products of a tenant that own any of these SKUs (initial sync links remote products by SKU). */
export async function productIdsBySku(db: Queryable, tenantId: string, skus: string[]): Promise<Map<string, string>> {
  if (skus.length === 0) return new Map();
  const rows = await db
    .select({ sku: variants.sku, productId: variants.productId })
    .from(variants)
    .where(and(eq(variants.tenantId, tenantId), inArray(variants.sku, skus)));
  return new Map(rows.map((r) => [r.sku, r.productId]));
}

/** Variant rows by product, keeping their order (the batched readers below). */
function groupVariants(vs: VariantRow[]): Map<string, VariantRow[]> {
  const byProduct = new Map<string, VariantRow[]>();
  for (const v of vs) {
    const list = byProduct.get(v.productId);
    if (list) list.push(v);
    else byProduct.set(v.productId, [v]);
  }
  return byProduct;
}

/**
 * Several products of one tenant with their variants, deleted ones included, in one query
 * (the push worker's batched read, one statement per grouped claim; the caller checks each
 * product's org against its connection's). A product row repeats once per variant: pushes
 * read a handful of products, so the repetition costs less than a second round trip.
 */
export async function getProductsByIds(db: Queryable, tenantId: string, ids: string[]): Promise<Map<string, Product>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .select({ p: products, v: variants })
    .from(products)
    .leftJoin(variants, eq(variants.productId, products.id))
    .where(and(inArray(products.id, ids), eq(products.tenantId, tenantId)))
    .orderBy(asc(products.id), asc(variants.position), asc(variants.createdAt));
  const out = new Map<string, Product>();
  const byProduct = groupVariants(rows.flatMap((r) => (r.v ? [r.v] : [])));
  for (const { p } of rows) if (!out.has(p.id)) out.set(p.id, toProduct(p, byProduct.get(p.id) ?? []));
  return out;
}

/** Many products with their variants in two queries (bulk pushes); soft-deleted ones are left out. */
export async function getProducts(db: Queryable, scope: Scope, ids: readonly string[]): Promise<Product[]> {
  if (ids.length === 0) return [];
  // One array parameter instead of one parameter per id: a 10,000-product chunk stays one bind.
  const idArray = `{${ids.join(',')}}`;
  const rows = await db
    .select()
    .from(products)
    .where(and(sql`${products.id} = ANY(${idArray}::uuid[])`, eq(products.tenantId, scope.tenantId), eq(products.orgId, scope.orgId), isNull(products.deletedAt)));
  const vs = await db
    .select()
    .from(variants)
    .where(sql`${variants.productId} = ANY(${idArray}::uuid[])`)
    .orderBy(asc(variants.productId), asc(variants.position), asc(variants.createdAt));
  const byProduct = groupVariants(vs);
  return rows.map((r) => toProduct(r, byProduct.get(r.id) ?? []));
}
