// WooCommerce push of the catalog fields beyond name, price and stock, through the fake
// (every request validated against the published REST index): the category path becomes
// nested product categories (created once, then found), images are sent by URL once and by
// id afterwards (the store keeps one copy of each), the brand is a visible "Brand" attribute,
// and barcodes go out as global_unique_id on products and variations.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWooCommerceFake, type WooCommerceFake } from '../../src/providers/woocommerce/fake/index.ts';
import { imageKey } from '../../src/providers/woocommerce/mapping.ts';
import { newTenant, startService, type TestService, type TestTenant } from '../harness.ts';
import { connectWooStore, pushAndSettle } from './flow.ts';

let fake: WooCommerceFake;
let svc: TestService;

beforeAll(async () => {
  fake = await startWooCommerceFake({ autoApprove: true, allowHttpCallback: true, log: () => {} });
  if (!fake.schemaValidated) console.warn('NOTICE: ../shared/contracts/woocommerce is missing: the WooCommerce fake runs WITHOUT request validation in this run');
  svc = await startService({ worker: true, env: { WOOCOMMERCE_APP_NAME: 'Synq Test', SYNQ_WOOCOMMERCE_ALLOW_HTTP_LOOPBACK: 'true', SYNQ_PUSH_RETRY_BASE_MS: '200' } });
});
afterAll(async () => {
  await fake?.idle();
  await svc?.close();
  await fake?.close();
});

async function activeStore(t: TestTenant, store: string) {
  const { connectionId } = await connectWooStore(svc, t, fake.storeUrl(store));
  const saved = await svc.app.inject({ method: 'POST', url: '/api/v1/integrations/callback', headers: await svc.headers(t), payload: { connection_id: connectionId } });
  expect(saved.statusCode).toBe(201);
}

type Remote = {
  name: string;
  global_unique_id: string;
  categories: { id: number; name: string }[];
  images: { id: number; name: string; position: number }[];
  attributes: { name: string; variation: boolean; visible: boolean; options: string[] }[];
  variations: { sku: string; global_unique_id: string }[];
};
const remote = (store: string) => fake.store(store).products as Remote[];
const categoryNames = (store: string) => remote(store)[0]!.categories.map((c) => c.name);

describe('WooCommerce catalog fields', () => {
  it('pushes nested categories, images once, the brand and barcodes; updates reuse images and categories', async () => {
    const t = newTenant();
    const store = 'catalog-demo';
    await activeStore(t, store);
    const invalidBefore = fake.stats.invalidRequests;
    const imgA = 'https://cdn.example.com/tee-front.jpg';
    const imgB = 'https://cdn.example.com/tee-back.jpg';
    const created = await svc.app.inject({
      method: 'POST',
      url: '/api/v1/pim/products',
      headers: await svc.headers(t),
      payload: {
        title: 'Trail Tee',
        brand: 'Acme',
        category: 'Apparel > Shirts & Tops',
        images: [imgA, imgB],
        variants: [
          { sku: 'TT-S', price: '39.00', currency: 'USD', option_values: { Size: 'S' }, barcode: '4006381333931' },
          { sku: 'TT-M', price: '39.00', currency: 'USD', option_values: { Size: 'M' }, barcode: 'NOT-A-GTIN' },
        ],
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    const id = (created.json() as { id: string }).id;
    const downloadsBefore = fake.stats.imagesDownloaded;
    const first = await pushAndSettle(svc, t, id, 'UPSERT');
    expect(first.targets[0], JSON.stringify(first.targets)).toMatchObject({ status: 'succeeded' });

    let p = remote(store)[0]!;
    // WooCommerce answers term names HTML-escaped; the nesting is parent → child.
    expect(categoryNames(store)).toEqual(['Shirts &amp; Tops']);
    expect(p.images.map((i) => [i.name, i.position])).toEqual([[imageKey(imgA), 0], [imageKey(imgB), 1]]);
    expect(fake.stats.imagesDownloaded - downloadsBefore).toBe(2);
    expect(p.attributes).toContainEqual({ name: 'Brand', position: 1, visible: true, variation: false, options: ['Acme'] });
    expect(p.variations.map((v) => [v.sku, v.global_unique_id]).sort()).toEqual([['TT-M', ''], ['TT-S', '4006381333931']]);
    const firstImageIds = p.images.map((i) => i.id);

    // Update: new title, one more image, another category. Known images go by id (no new download).
    const patched = await svc.app.inject({
      method: 'PATCH',
      url: `/api/v1/pim/products/${id}`,
      headers: await svc.headers(t),
      payload: { title: 'Trail Tee 2', images: [imgA, imgB, 'https://cdn.example.com/tee-side.jpg'], category: 'Apparel > Shirts & Tops' },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect((await pushAndSettle(svc, t, id, 'UPSERT')).targets[0]).toMatchObject({ status: 'succeeded' });
    p = remote(store)[0]!;
    expect(p.name).toBe('Trail Tee 2');
    expect(p.images.slice(0, 2).map((i) => i.id)).toEqual(firstImageIds);
    expect(p.images).toHaveLength(3);
    expect(fake.stats.imagesDownloaded - downloadsBefore).toBe(3);
    // The category tree was found, not created twice.
    const tree = fake.store(store).categories;
    const apparel = tree.find((c) => c.name === 'Apparel');
    expect(tree).toEqual([
      { id: apparel?.id, name: 'Apparel', parent: 0 },
      { id: p.categories[0]!.id, name: 'Shirts & Tops', parent: apparel?.id },
    ]);
    expect(fake.stats.invalidRequests).toBe(invalidBefore);
    if (fake.schemaValidated) expect(fake.stats.unvalidatedRequests).toBe(0);
  });

  it('a simple product gets its barcode and brand; a barcode the store already uses fails the push permanently', async () => {
    const t = newTenant();
    const store = 'catalog-simple';
    await activeStore(t, store);
    const make = async (sku: string) => {
      const res = await svc.app.inject({
        method: 'POST',
        url: '/api/v1/pim/products',
        headers: await svc.headers(t),
        payload: { title: `Mug ${sku}`, brand: 'Acme', variants: [{ sku, price: '12.00', currency: 'USD', barcode: '0012345678905' }] },
      });
      expect(res.statusCode, res.body).toBe(201);
      return (res.json() as { id: string }).id;
    };
    expect((await pushAndSettle(svc, t, await make('MUG-1'), 'UPSERT')).targets[0]).toMatchObject({ status: 'succeeded' });
    const p = remote(store)[0]!;
    expect(p.global_unique_id).toBe('0012345678905');
    expect(p.attributes).toEqual([{ name: 'Brand', position: 0, visible: true, variation: false, options: ['Acme'] }]);
    expect(p.categories).toEqual([]);
    expect(p.images).toEqual([]);
    const dup = await pushAndSettle(svc, t, await make('MUG-2'), 'UPSERT');
    expect(dup.targets[0]).toMatchObject({ status: 'failed', attempts: 1, error: expect.stringContaining('product_invalid_global_unique_id') });
  });
});
