// Synq products <-> WooCommerce REST v3 objects, and WooCommerce orders -> NormalizedOrder.
// One variant without options is a "simple" product; anything else is "variable" with
// one attribute per option name and one variation per variant. The brand is a visible,
// non-variation "Brand" attribute (REST v3 of the contract has no brand field; the core
// brands taxonomy came with WooCommerce 9.6); a barcode is the global_unique_id
// (WooCommerce 9.2+; older stores ignore it) when it is digits and hyphens, WooCommerce's rule.
import { createHash } from 'node:crypto';
import { isRecord } from '../transport.ts';
import { ProviderError, type NormalizedOrder, type PushProduct, type PushVariant } from '../types.ts';

export interface WooAttribute {
  name: string;
  position: number;
  visible: boolean;
  variation: boolean;
  options: string[];
}

/** The fields Synq writes on a product (create and update send the same document). */
export interface WooProductBody {
  name: string;
  type: 'simple' | 'variable';
  status: 'publish' | 'draft' | 'private';
  description: string;
  sku: string;
  slug?: string;
  regular_price?: string;
  manage_stock?: boolean;
  stock_quantity?: number;
  attributes?: WooAttribute[];
  global_unique_id?: string;
  categories?: { id: number }[];
  images?: WooImage[];
}

/** A new image (the store downloads `src`) or one the store already has (`id`). */
export type WooImage = { src: string; name: string; alt: string; position: number } | { id: number; position: number };

export interface WooVariationBody {
  sku: string;
  regular_price: string;
  manage_stock: boolean;
  stock_quantity?: number;
  attributes: { name: string; option: string }[];
  global_unique_id?: string;
}

/** Category ids and images resolved against the store (products.ts); absent = leave the store's as they are. */
export interface WooExtras {
  categoryIds?: number[];
  images?: WooImage[];
}

export interface WooShape {
  product: WooProductBody;
  /** Null for a simple product. */
  variations: WooVariationBody[] | null;
}

const STATUS: Record<PushProduct['status'], WooProductBody['status']> = { active: 'publish', draft: 'draft', archived: 'private' };

/**
 * A variable product's own SKU. WooCommerce's `GET /products?sku=` searches products, not
 * variations, so the parent carries a SKU derived from its variants (the smallest, so the
 * order of variants does not matter) and the product stays findable by SKU after a crash.
 */
export function parentSku(skus: readonly string[]): string {
  const first = [...skus].sort()[0];
  if (first === undefined) throw new ProviderError('VALIDATION', 'A product needs at least one variant with a SKU');
  return `synq:${first}`;
}

const isSimple = (p: PushProduct) => p.variants.length === 1 && Object.keys(p.variants[0]!.optionValues).length === 0;

function stock(v: PushVariant): { manage_stock: boolean; stock_quantity?: number } {
  return v.inventoryQuantity === null ? { manage_stock: false } : { manage_stock: true, stock_quantity: v.inventoryQuantity };
}

/** WooCommerce refuses a global_unique_id other than digits and hyphens; anything else is not sent. */
const barcode = (v: PushVariant): { global_unique_id?: string } => (v.barcode !== null && /^[0-9][0-9-]{0,63}$/.test(v.barcode) ? { global_unique_id: v.barcode } : {});

/** The name an image gets in the store, derived from its source URL: how an update recognises images it already sent. */
export const imageKey = (src: string) => `synq-${createHash('sha256').update(src).digest('hex').slice(0, 16)}`;

/** The "Brand" attribute, unless an option of the product is already called that. */
function brandAttribute(p: PushProduct, position: number, optionNames: string[]): WooAttribute[] {
  if (p.brand === null || p.brand.trim() === '' || optionNames.some((n) => n.toLowerCase() === 'brand')) return [];
  return [{ name: 'Brand', position, visible: true, variation: false, options: [p.brand.trim()] }];
}

export function toWooShape(p: PushProduct, extras: WooExtras = {}): WooShape {
  const base = {
    name: p.title,
    status: STATUS[p.status],
    description: p.description ?? '',
    ...(p.handle ? { slug: p.handle } : {}),
    ...(extras.categoryIds !== undefined ? { categories: extras.categoryIds.map((id) => ({ id })) } : {}),
    ...(extras.images !== undefined ? { images: extras.images } : {}),
  };
  if (isSimple(p)) {
    const v = p.variants[0]!;
    const brand = brandAttribute(p, 0, []);
    return {
      product: { ...base, type: 'simple', sku: v.sku, regular_price: v.price, ...stock(v), ...barcode(v), ...(brand.length > 0 ? { attributes: brand } : {}) },
      variations: null,
    };
  }
  const names: string[] = [];
  const values = new Map<string, string[]>();
  for (const v of p.variants) {
    for (const [name, value] of Object.entries(v.optionValues)) {
      if (!values.has(name)) {
        names.push(name);
        values.set(name, []);
      }
      const list = values.get(name)!;
      if (!list.includes(value)) list.push(value);
    }
  }
  const attributes = [
    ...names.map((name, position) => ({ name, position, visible: true, variation: true, options: values.get(name)! })),
    ...brandAttribute(p, names.length, names),
  ];
  const variations = p.variants.map((v) => ({
    sku: v.sku,
    regular_price: v.price,
    ...stock(v),
    attributes: Object.entries(v.optionValues).map(([name, option]) => ({ name, option })),
    ...barcode(v),
  }));
  return { product: { ...base, type: 'variable', sku: parentSku(p.variants.map((v) => v.sku)), attributes }, variations };
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null);

/** WooCommerce's *_gmt dates have no zone designator ("2024-05-01T10:00:00"): they are UTC. */
function gmt(v: unknown): string | null {
  if (typeof v !== 'string' || v === '') return null;
  return /(Z|[+-]\d\d:?\d\d)$/.test(v) ? v : `${v}Z`;
}

/** Unit price: WooCommerce sends `price` as a float; when that is not a short decimal, subtotal / quantity. */
function unitPrice(li: Record<string, unknown>, quantity: number): string {
  const p = li.price;
  if (typeof p === 'number' && Number.isFinite(p) && /^\d+(\.\d{1,4})?$/.test(String(p))) return String(p);
  const subtotal = Number(str(li.subtotal) ?? 'NaN');
  if (Number.isFinite(subtotal) && quantity > 0) return (subtotal / quantity).toFixed(2);
  return str(p) ?? '0';
}

/** A WooCommerce order object (REST response or webhook body) -> NormalizedOrder; null when it is not one. */
export function orderFromWoo(data: unknown): NormalizedOrder | null {
  if (!isRecord(data) || (typeof data.id !== 'number' && typeof data.id !== 'string')) return null;
  const currency = str(data.currency);
  const total = str(data.total);
  const updatedAt = gmt(data.date_modified_gmt) ?? gmt(data.date_created_gmt);
  if (currency === null || total === null || updatedAt === null) return null;
  const items = Array.isArray(data.line_items) ? data.line_items : [];
  return {
    externalId: String(data.id),
    name: str(data.number) !== null ? `#${str(data.number)}` : null,
    status: str(data.status) ?? 'unknown',
    currency,
    total,
    createdAt: gmt(data.date_created_gmt) ?? updatedAt,
    updatedAt,
    lineItems: items.filter(isRecord).map((li) => {
      const quantity = typeof li.quantity === 'number' ? li.quantity : Number(li.quantity ?? 0);
      const sku = str(li.sku);
      return { sku: sku === '' ? null : sku, title: str(li.name) ?? '', quantity, price: unitPrice(li, quantity) };
    }),
  };
}
