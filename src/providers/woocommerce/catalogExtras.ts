// What a product push resolves against the store before writing: category ids (created
// when missing) and which images the store already holds. Synq's category and images
// replace the store's when Synq has them; when it has none, the store's are left alone.
import { ProviderError, type ConnectionContext, type PushProduct } from '../types.ts';
import type { WooRestClient } from './http.ts';
import { imageKey, type WooImage } from './mapping.ts';

interface WooCategory {
  id: number;
  name: string;
  parent: number;
}

/** WordPress answers term names HTML-escaped ("Shirts &amp; Tops"). */
const unescape = (s: string) =>
  s.replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#0?39;/g, "'");

/** Nesting deeper than this is almost certainly a mistake in the category text, not a taxonomy. */
const MAX_DEPTH = 5;

async function findCategory(client: WooRestClient, ctx: ConnectionContext, name: string, parent: number): Promise<number | null> {
  const { data } = await client.request<WooCategory[]>(ctx, { what: 'categories', method: 'GET', path: '/products/categories', query: { search: name, parent, per_page: 100 } });
  const hit = (Array.isArray(data) ? data : []).find((c) => c.parent === parent && unescape(c.name).toLowerCase() === name.toLowerCase());
  return hit?.id ?? null;
}

/**
 * "Apparel > Shirts" is Shirts under Apparel: each level is looked up by name under its parent
 * and created when missing. A concurrent push creating the same term gets term_exists; the
 * term is then looked up again.
 */
export async function resolveCategory(client: WooRestClient, ctx: ConnectionContext, path: string): Promise<number | null> {
  const names = path.split('>').map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) return null;
  if (names.length > MAX_DEPTH) throw new ProviderError('VALIDATION', `WooCommerce category "${path.slice(0, 100)}" is nested more than ${MAX_DEPTH} levels`);
  let parent = 0;
  for (const name of names) {
    let id = await findCategory(client, ctx, name, parent);
    if (id === null) {
      try {
        const { data } = await client.request<WooCategory>(ctx, { what: 'category create', method: 'POST', path: '/products/categories', body: { name, ...(parent !== 0 ? { parent } : {}) } });
        id = typeof data?.id === 'number' ? data.id : null;
      } catch (err) {
        if (!(err instanceof ProviderError && err.code === 'VALIDATION' && err.message.includes('term_exists'))) throw err;
        id = await findCategory(client, ctx, name, parent);
      }
      if (id === null) throw new ProviderError('PROTOCOL', `WooCommerce did not return the category "${name.slice(0, 100)}"`);
    }
    parent = id;
  }
  return parent;
}

/**
 * The images to send: ones the store already holds (recognised by the name Synq gave them,
 * imageKey) by id, new ones by URL. Re-sending a URL would make the store download it again
 * and keep a duplicate in its media library on every update.
 */
export async function resolveImages(client: WooRestClient, ctx: ConnectionContext, product: PushProduct, remoteId: string | null): Promise<WooImage[] | undefined> {
  const sources = product.images.filter((src) => /^https?:\/\//i.test(src));
  if (sources.length === 0) return undefined;
  const held = new Map<string, number>();
  if (remoteId !== null) {
    try {
      const { data } = await client.request<{ images?: { id: number; name?: string }[] }>(ctx, { what: 'product read', method: 'GET', path: `/products/${remoteId}` });
      for (const img of Array.isArray(data?.images) ? data.images : []) if (typeof img.name === 'string' && typeof img.id === 'number') held.set(img.name, img.id);
    } catch (err) {
      // Deleted in the store: upsertProduct creates it again, with every image new.
      if (!(err instanceof ProviderError && err.code === 'NOT_FOUND')) throw err;
    }
  }
  return sources.map((src, position) => {
    const id = held.get(imageKey(src));
    return id !== undefined ? { id, position } : { src, name: imageKey(src), alt: product.title.slice(0, 200), position };
  });
}
