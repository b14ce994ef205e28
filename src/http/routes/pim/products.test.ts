import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newTenant, startService, type TestService } from '../../../../test/harness.ts';

let svc: TestService;
beforeAll(async () => {
  svc = await startService();
});
afterAll(async () => {
  await svc?.close();
});

const productBody = (sku = `SKU-${Math.random().toString(36).slice(2)}`) => ({
  title: 'Trail Runner',
  description: 'A light shoe',
  brand: 'Acme',
  images: ['https://cdn.example.com/a.jpg'],
  variants: [
    { sku: `${sku}-40`, barcode: '4006381333931', price: '89.99', currency: 'EUR', option_values: { Size: '40' }, inventory_quantity: 3 },
    { sku: `${sku}-41`, price: 89.99, currency: 'EUR', option_values: { Size: '41' } },
  ],
});

describe('products', () => {
  it('creates, reads, lists, updates and soft-deletes a product', async () => {
    const t = newTenant();
    const h = await svc.headers(t);
    const created = await svc.app.inject({ method: 'POST', url: '/api/v1/pim/products', headers: h, payload: productBody() });
    expect(created.statusCode).toBe(201);
    const p = created.json();
    expect(p.variants.map((v: { price: string }) => v.price)).toEqual(['89.99', '89.99']);
    const got = await svc.app.inject({ method: 'GET', url: `/api/v1/pim/products/${p.id}`, headers: h });
    expect(got.statusCode).toBe(200);
    expect(got.json().title).toBe('Trail Runner');
    const patched = await svc.app.inject({ method: 'PATCH', url: `/api/v1/pim/products/${p.id}`, headers: h, payload: { title: 'Trail Runner 2' } });
    expect(patched.json().title).toBe('Trail Runner 2');
    const del = await svc.app.inject({ method: 'DELETE', url: `/api/v1/pim/products/${p.id}`, headers: h });
    expect(del.statusCode).toBe(204);
    expect((await svc.app.inject({ method: 'GET', url: `/api/v1/pim/products/${p.id}`, headers: h })).statusCode).toBe(404);
  });
});
