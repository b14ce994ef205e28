// The Google Merchant Center rendition: RSS 2.0 with the g: namespace, one <item>
// per variant, variants of one product tied by g:item_group_id.
import type { Variant } from '../domain/product.ts';
import { gtinProperty } from './gtin.ts';
import { formatDecimal } from './money.ts';
import { inStock, storeUrls, variantName, type CatalogProduct, type StoreProfile } from './model.ts';
import type { Rendition } from './rendition.ts';

export const G_NAMESPACE = 'http://base.google.com/ns/1.0';

// XML 1.0 allows tab, LF, CR and U+0020 and above, minus lone surrogates and U+FFFE/U+FFFF.
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;
const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

export function xmlText(s: string): string {
  return s.replace(NOT_XML_CHAR, '').replace(/[&<>"']/g, (c) => XML_ESCAPES[c]!);
}

const el = (name: string, value: string) => `<${name}>${xmlText(value)}</${name}>`;
/** Text that survives XML sanitising, or the fallback (Merchant Center rejects empty required fields). */
const orElse = (value: string | null, fallback: string) => (value !== null && value.replace(NOT_XML_CHAR, '').trim() !== '' ? value : fallback);

function itemXml(p: CatalogProduct, v: Variant, store: StoreProfile, image: string): string {
  const urls = storeUrls(store);
  const gtin = gtinProperty(v.barcode);
  const parts = [
    el('g:id', v.sku),
    p.variants.length > 1 ? el('g:item_group_id', p.id) : '',
    el('g:title', orElse(variantName(p, v), v.sku)),
    // Merchant Center requires a description; the title is the honest fallback.
    el('g:description', orElse(p.description, orElse(variantName(p, v), v.sku))),
    el('g:link', p.variants.length > 1 ? urls.variantUrl(p, v) : urls.productUrl(p)),
    el('g:image_link', image),
    ...p.images.slice(1, 11).map((u) => el('g:additional_image_link', u)),
    el('g:price', `${formatDecimal(v.price, v.currency)} ${v.currency}`),
    el('g:availability', inStock(v) ? 'in_stock' : 'out_of_stock'),
    p.brand ? el('g:brand', p.brand) : '',
    // Without a valid GTIN Merchant Center wants identifier_exists=no rather than a guess.
    gtin ? el('g:gtin', gtin.value) : el('g:identifier_exists', 'no'),
    el('g:condition', 'new'),
  ];
  if (p.category) parts.push(el('g:product_type', p.category));
  for (const [name, value] of Object.entries(v.optionValues)) {
    const key = name.trim().toLowerCase();
    if (key === 'size') parts.push(el('g:size', value));
    else if (key === 'color' || key === 'colour') parts.push(el('g:color', value));
    else if (key === 'material') parts.push(el('g:material', value));
    else if (key === 'pattern') parts.push(el('g:pattern', value));
  }
  return `<item>${parts.join('')}</item>\n`;
}

export function merchantRendition(store: StoreProfile): Rendition {
  return {
    format: 'merchant',
    head: () =>
      `<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" xmlns:g="${G_NAMESPACE}">\n<channel>\n` +
      `${el('title', `${store.name} product catalog`)}\n${el('link', `${store.url}/`)}\n${el('description', `All products of ${store.name}`)}\n`,
    // image_link is required by Merchant Center: products without images are skipped, as in the JSON-LD.
    item: (p) => {
      const image = p.images[0];
      if (image === undefined) return null;
      let out = '';
      for (const v of p.variants) out += itemXml(p, v, store, image);
      return out === '' ? null : out;
    },
    separator: '',
    tail: () => '</channel>\n</rss>\n',
    seal: () => '',
  };
}
