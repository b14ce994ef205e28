// What a feed is built from: the tenant's store identity and its sellable
// products, independent of where they were read (database cursor, bench generator).
import type { Variant } from '../domain/product.ts';

export interface StoreProfile {
  tenantId: string;
  name: string;
  /** Base of every @id and product URL, without a trailing slash. */
  url: string;
  /** schema.org MerchantReturnPolicy properties when the tenant configured one. */
  returnPolicy: Record<string, unknown> | null;
}

export interface CatalogProduct {
  id: string;
  title: string;
  description: string | null;
  category: string | null;
  brand: string | null;
  handle: string | null;
  images: string[];
  createdAt: Date;
  updatedAt: Date;
  variants: Variant[];
}

export interface StoreUrls {
  storeId: string;
  feedId: string;
  productUrl(p: CatalogProduct): string;
  variantUrl(p: CatalogProduct, v: Variant): string;
}

/**
 * Stable URLs and @ids, derived from the store URL only (never from a build), so
 * an agent can diff two versions item by item.
 */
export function storeUrls(store: StoreProfile): StoreUrls {
  const base = store.url;
  const productUrl = (p: CatalogProduct) => `${base}/products/${encodeURIComponent(p.handle ?? p.id)}`;
  return {
    storeId: `${base}/#org`,
    feedId: `${base}/catalog.json`,
    productUrl,
    variantUrl: (p, v) => `${productUrl(p)}?variant=${encodeURIComponent(v.sku)}`,
  };
}

/** In stock unless stock is tracked and ≤ 0: a null quantity means "not tracked, always sellable". */
export const inStock = (v: Variant) => v.inventoryQuantity === null || v.inventoryQuantity > 0;

/** "Trail Tee - M / Red": the variant's option values after the product title. */
export function variantName(p: CatalogProduct, v: Variant): string {
  const values = Object.values(v.optionValues);
  return values.length > 0 && p.variants.length > 1 ? `${p.title} - ${values.join(' / ')}` : p.title;
}

/** Option names over all variants, first-seen order. */
export function optionNames(p: CatalogProduct): string[] {
  const names: string[] = [];
  for (const v of p.variants) for (const k of Object.keys(v.optionValues)) if (!names.includes(k)) names.push(k);
  return names;
}
