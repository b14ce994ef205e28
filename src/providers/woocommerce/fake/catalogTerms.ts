// The fake's product categories, media library and global unique ids, as REST v3 behaves:
// categories by id (unknown ids are skipped, as wp_set_object_terms does), names answered
// HTML-escaped, term_exists for a duplicate name under one parent; images by id (must exist)
// or by src (the store downloads it into a new attachment: counted, not fetched, since the
// fake is offline); global_unique_id unique across products and variations.
import type { FakeCategory, FakeImage, FakeProduct, FakeStats, FakeStoreData, HttpAnswer } from './state.ts';

type Json = Record<string, unknown>;
const wcError = (status: number, code: string, message: string, extra: Json = {}): HttpAnswer => ({ status, body: { code, message, data: { status, ...extra } } });
const escapeName = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const slugify = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'category';

export function categoryJson(c: FakeCategory): Json {
  return { id: c.id, name: escapeName(c.name), slug: c.slug, parent: c.parent, description: '', display: 'default', image: null, menu_order: 0, count: 0 };
}

/** GET and POST /products/categories; null for other methods. `paginate` is the REST module's. */
export function handleCategories(store: FakeStoreData, method: string, query: Json, body: Json, paginate: (items: unknown[], query: Json) => HttpAnswer): HttpAnswer | null {
  if (method === 'GET') {
    const search = typeof query.search === 'string' ? query.search.toLowerCase() : null;
    const parent = typeof query.parent === 'number' ? query.parent : null;
    const list = [...store.categories.values()].filter((c) => (search === null || c.name.toLowerCase().includes(search)) && (parent === null || c.parent === parent));
    return paginate(list.map(categoryJson), query);
  }
  if (method !== 'POST') return null;
  const name = String(body.name).trim();
  if (name === '') return wcError(400, 'empty_term_name', 'A name is required for this term.');
  const parent = typeof body.parent === 'number' ? body.parent : 0;
  if (parent !== 0 && !store.categories.has(parent)) return wcError(400, 'woocommerce_rest_term_invalid', 'Parent resource does not exist.');
  const same = [...store.categories.values()].find((c) => c.parent === parent && c.name.toLowerCase() === name.toLowerCase());
  if (same) return wcError(400, 'term_exists', 'A term with the name provided already exists with this parent.', { resource_id: same.id });
  let slug = typeof body.slug === 'string' && body.slug !== '' ? body.slug : slugify(name);
  while ([...store.categories.values()].some((c) => c.slug === slug)) slug = `${slug}-2`;
  const c: FakeCategory = { id: store.nextId++, name, slug, parent };
  store.categories.set(c.id, c);
  return { status: 201, body: categoryJson(c) };
}

/** The product's categories after a write: known ids only, as WordPress keeps them. */
export function applyCategories(store: FakeStoreData, body: Json, existing: FakeProduct | null): FakeProduct['categories'] {
  if (!Array.isArray(body.categories)) return existing?.categories ?? [];
  return (body.categories as Json[])
    .map((x) => store.categories.get(Number(x.id)))
    .filter((c): c is FakeCategory => c !== undefined)
    .map((c) => ({ id: c.id, name: escapeName(c.name), slug: c.slug }));
}

/** The product's images after a write, or the error WooCommerce answers for a bad image. */
export function applyImages(store: FakeStoreData, storeUrl: string, stats: FakeStats, body: Json, existing: FakeProduct | null): FakeProduct['images'] | HttpAnswer {
  if (!Array.isArray(body.images)) return existing?.images ?? [];
  const out: FakeProduct['images'] = [];
  for (const [i, raw] of (body.images as Json[]).entries()) {
    const position = typeof raw.position === 'number' ? raw.position : i;
    if (typeof raw.id === 'number' && raw.id !== 0) {
      const held = store.media.get(raw.id);
      if (!held) return wcError(400, 'woocommerce_product_invalid_image_id', `#${raw.id} is an invalid image ID.`);
      out.push({ ...held, position });
      continue;
    }
    let src: URL;
    try {
      src = new URL(String(raw.src));
      if (src.protocol !== 'http:' && src.protocol !== 'https:') throw new Error('scheme');
    } catch {
      return wcError(400, 'woocommerce_product_image_upload_error', 'Error getting remote image.');
    }
    const id = store.nextId++;
    const file = src.pathname.split('/').pop() || `image-${id}.jpg`;
    const image: FakeImage = { id, src: `${storeUrl}/wp-content/uploads/${id}-${file}`, name: typeof raw.name === 'string' ? raw.name : file, alt: typeof raw.alt === 'string' ? raw.alt : '' };
    store.media.set(id, image);
    stats.imagesDownloaded += 1;
    out.push({ ...image, position });
  }
  return out;
}

/** WooCommerce 9.2+: a global unique id belongs to one product or variation of the store. */
export function gtinTaken(store: FakeStoreData, gtin: string, ownId: number | null): boolean {
  if (gtin === '') return false;
  for (const p of store.products.values()) if (p.global_unique_id === gtin && p.id !== ownId) return true;
  for (const v of store.variations.values()) if (v.global_unique_id === gtin && v.id !== ownId) return true;
  return false;
}

export const dupGtin = () => wcError(400, 'product_invalid_global_unique_id', 'Invalid or duplicated GTIN, UPC, EAN or ISBN.');
