// Product rules that do not depend on HTTP or SQL: price handling and the
// shapes we hand to routes, pushes and feeds.
import type { PushProduct } from '../providers/types.ts';

export type ProductStatus = 'active' | 'draft' | 'archived';

export interface Variant {
  id: string;
  sku: string;
  barcode: string | null;
  price: string;
  currency: string;
  optionValues: Record<string, string>;
  inventoryQuantity: number | null;
  position: number;
}

export interface Product {
  id: string;
  tenantId: string;
  orgId: string;
  title: string;
  description: string | null;
  category: string | null;
  brand: string | null;
  handle: string | null;
  status: ProductStatus;
  images: string[];
  version: number;
  createdAt: Date;
  updatedAt: Date;
  deletedAt: Date | null;
  variants: Variant[];
}

// Up to 13 integer digits and 4 decimals: covers every ISO 4217 minor unit (max 4, CLF/UYW).
const DECIMAL = /^(0|[1-9]\d{0,12})(\.\d{1,4})?$/;

/**
 * Accepts "89.99" or 89.99 and returns the exact decimal string, or null when the
 * value is not a non-negative decimal we can store without rounding.
 */
export function normalizePrice(input: string | number): string | null {
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input < 0) return null;
    // String(n) is the shortest round-trip form: 89.99 -> "89.99", never "89.98999…".
    const s = String(input);
    return DECIMAL.test(s) ? s : null;
  }
  return DECIMAL.test(input) ? input : null;
}

export function toPushProduct(p: Product): PushProduct {
  return {
    id: p.id,
    title: p.title,
    description: p.description,
    brand: p.brand,
    category: p.category,
    handle: p.handle,
    status: p.status,
    images: p.images,
    variants: p.variants.map((v) => ({
      sku: v.sku,
      barcode: v.barcode,
      price: v.price,
      currency: v.currency,
      optionValues: v.optionValues,
      inventoryQuantity: v.inventoryQuantity,
    })),
  };
}

export interface VariantJson {
  id: string;
  sku: string;
  barcode: string | null;
  price: string;
  currency: string;
  option_values: Record<string, string>;
  inventory_quantity: number | null;
}

export interface ProductJson {
  id: string;
  title: string;
  description: string | null;
  category: string | null;
  brand: string | null;
  handle: string | null;
  status: ProductStatus;
  images: string[];
  variants: VariantJson[];
  created_at: string;
  updated_at: string;
}

export function variantToJson(v: Variant): VariantJson {
  return {
    id: v.id,
    sku: v.sku,
    barcode: v.barcode,
    price: v.price,
    currency: v.currency,
    option_values: v.optionValues,
    inventory_quantity: v.inventoryQuantity,
  };
}

export function productToJson(p: Product): ProductJson {
  return {
    id: p.id,
    title: p.title,
    description: p.description,
    category: p.category,
    brand: p.brand,
    handle: p.handle,
    status: p.status,
    images: p.images,
    variants: p.variants.map(variantToJson),
    created_at: p.createdAt.toISOString(),
    updated_at: p.updatedAt.toISOString(),
  };
}
