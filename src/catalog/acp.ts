// The Agentic Commerce Protocol rendition: products.jsonl.gz, one ACP Product per
// line with its variants (schema: acp/spec/2026-04-17 `$defs/Product`). Prices are
// integers in ISO 4217 minor units there.
import { gtinProperty } from './gtin.ts';
import { toMinorUnits } from './money.ts';
import { inStock, storeUrls, variantName, type CatalogProduct, type StoreProfile } from './model.ts';
import type { Rendition } from './rendition.ts';

/** The subset of the ACP 2026-04-17 Product we emit; the ajv test holds it to the schema. */
export interface AcpProduct {
  id: string;
  title: string;
  description?: { plain: string };
  url: string;
  media?: { type: 'image'; url: string }[];
  variants: AcpVariant[];
}

export interface AcpVariant {
  id: string;
  title: string;
  description?: { plain: string };
  url: string;
  barcodes?: { type: 'GTIN'; value: string }[];
  price: { amount: number; currency: string };
  availability: { available: boolean; status: 'in_stock' | 'out_of_stock' };
  categories?: { value: string; taxonomy: 'merchant' }[];
  condition: string[];
  variant_options?: { name: string; value: string }[];
  media?: { type: 'image'; url: string }[];
  seller: { name: string; links?: { type: 'refund_policy'; url: string }[] };
}

export function acpProduct(p: CatalogProduct, store: StoreProfile): AcpProduct {
  const urls = storeUrls(store);
  const media = p.images.map((url) => ({ type: 'image' as const, url }));
  const returnLink = typeof store.returnPolicy?.merchantReturnLink === 'string' ? store.returnPolicy.merchantReturnLink : null;
  const seller: AcpVariant['seller'] = { name: store.name, ...(returnLink ? { links: [{ type: 'refund_policy' as const, url: returnLink }] } : {}) };
  const out: AcpProduct = { id: p.id, title: p.title, url: urls.productUrl(p), variants: [] };
  if (p.description) out.description = { plain: p.description };
  if (media.length > 0) out.media = media;
  for (const v of p.variants) {
    const available = inStock(v);
    const variant: AcpVariant = {
      // SKUs are unique per tenant and what a merchant recognises; the product id scopes nothing extra.
      id: v.sku,
      title: variantName(p, v),
      url: p.variants.length > 1 ? urls.variantUrl(p, v) : urls.productUrl(p),
      price: { amount: toMinorUnits(v.price, v.currency), currency: v.currency },
      availability: { available, status: available ? 'in_stock' : 'out_of_stock' },
      condition: ['new'],
      seller,
    };
    const gtin = gtinProperty(v.barcode);
    if (gtin) variant.barcodes = [{ type: 'GTIN', value: gtin.value }];
    if (p.category) variant.categories = [{ value: p.category, taxonomy: 'merchant' }];
    const options = Object.entries(v.optionValues).map(([name, value]) => ({ name, value }));
    if (options.length > 0) variant.variant_options = options;
    if (media[0]) variant.media = [media[0]];
    out.variants.push(variant);
  }
  return out;
}

export function acpRendition(store: StoreProfile): Rendition {
  return {
    format: 'acp',
    head: () => '',
    // ACP requires at least the product id and its variants; a product without variants sells nothing.
    item: (p) => (p.variants.length === 0 ? null : `${JSON.stringify(acpProduct(p, store))}\n`),
    separator: '',
    tail: () => '',
    seal: () => '',
  };
}
