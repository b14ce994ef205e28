// The WooCommerce fake on its own: the key flow's refusals, batch partial failures and
// the 413, and a webhook disabled after more than 5 consecutive failed deliveries.
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWooCommerceFake, type WooCommerceFake } from './index.ts';

let fake: WooCommerceFake;
let sink: Server;
let sinkUrl = '';
let sinkStatus = 200;
const received: { url: string; headers: Record<string, unknown>; body: string }[] = [];

beforeAll(async () => {
  fake = await startWooCommerceFake({ autoApprove: true, allowHttpCallback: true, log: () => {} });
  sink = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ url: req.url ?? '', headers: req.headers, body });
      if (req.url === '/keys') {
        res.writeHead(200).end();
        return;
      }
      res.writeHead(sinkStatus).end();
    });
  });
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
  const addr = sink.address();
  sinkUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});
afterAll(async () => {
  await fake?.close();
  await new Promise<void>((r) => sink.close(() => r()));
});

/** Runs the key flow against the sink and returns a Basic auth header for the issued key. */
async function keys(store: string): Promise<string> {
  const u = new URL(`${fake.storeUrl(store)}/wc-auth/v1/authorize`);
  for (const [k, v] of Object.entries({ app_name: 'T', scope: 'read_write', user_id: 'u1', return_url: `${sinkUrl}/back`, callback_url: `${sinkUrl}/keys` })) u.searchParams.set(k, v);
  const res = await fetch(u, { redirect: 'manual' });
  expect(res.status).toBe(302);
  expect(res.headers.get('location')).toBe(`${sinkUrl}/back?success=1&user_id=u1`);
  const post = JSON.parse(received.filter((r) => r.url === '/keys').at(-1)!.body) as { consumer_key: string; consumer_secret: string; key_permissions: string; user_id: string };
  expect(post).toMatchObject({ user_id: 'u1', key_permissions: 'read_write' });
  return `Basic ${Buffer.from(`${post.consumer_key}:${post.consumer_secret}`).toString('base64')}`;
}

const rest = (store: string, path: string, auth: string, init: { method?: string; body?: unknown } = {}) =>
  fetch(`${fake.storeUrl(store)}/wp-json/wc/v3${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: auth, 'content-type': 'application/json' },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });

describe('WooCommerce fake', () => {
  it('refuses an http callback_url unless allowed, a bad scope, and unknown keys', async () => {
    const strict = await startWooCommerceFake({ autoApprove: true, log: () => {} });
    try {
      const u = new URL(`${strict.storeUrl('s')}/wc-auth/v1/authorize`);
      for (const [k, v] of Object.entries({ app_name: 'T', scope: 'read_write', user_id: 'u', return_url: 'https://a.example/r', callback_url: `${sinkUrl}/keys` })) u.searchParams.set(k, v);
      expect(await (await fetch(u)).text()).toContain('needs to be over SSL');
      u.searchParams.set('scope', 'admin');
      expect((await fetch(u)).status).toBe(400);
    } finally {
      await strict.close();
    }
    expect((await rest('nobody', '/products', 'Basic eDp5')).status).toBe(401);
  });

  it('answers a batch with per-item errors in a 200, and 413 above 100 objects', async () => {
    const auth = await keys('batch');
    const res = await rest('batch', '/products/batch', auth, {
      method: 'POST',
      body: { create: [{ name: 'A', sku: 'DUP' }, { name: 'B', sku: 'DUP' }], update: [{ id: 999999, name: 'x' }] },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { create: { id: number; error?: { code: string } }[]; update: { error?: { code: string } }[] };
    expect(body.create[0]!.error).toBeUndefined();
    expect(body.create[1]!.error?.code).toBe('product_invalid_sku');
    expect(body.update[0]!.error?.code).toBe('woocommerce_rest_product_invalid_id');
    const tooLarge = fake.stats.batchTooLarge;
    const big = await rest('batch', '/products/batch', auth, { method: 'POST', body: { create: Array.from({ length: 101 }, (_, i) => ({ name: `P${i}` })) } });
    expect(big.status).toBe(413);
    expect(fake.stats.batchTooLarge).toBe(tooLarge + 1);
    expect(await big.json()).toMatchObject({ code: 'woocommerce_rest_request_entity_too_large', data: { status: 413 } });
  });

  it('pings a new webhook unsigned, signs deliveries, and disables it after more than 5 consecutive failures', async () => {
    const auth = await keys('hooks');
    sinkStatus = 200;
    const created = await rest('hooks', '/webhooks', auth, { method: 'POST', body: { name: 'h', topic: 'order.created', secret: 'shh', delivery_url: `${sinkUrl}/hook` } });
    expect(created.status).toBe(201);
    await fake.idle();
    const ping = received.filter((r) => r.url === '/hook').at(-1)!;
    expect(ping.body).toMatch(/^webhook_id=\d+$/);
    expect(ping.headers['x-wc-webhook-signature']).toBeUndefined();

    sinkStatus = 500;
    for (let i = 0; i < 5; i++) await fake.createOrder('hooks');
    expect(fake.store('hooks').webhooks).toMatchObject([{ status: 'active', failure_count: 5 }]);
    await fake.createOrder('hooks');
    expect(fake.store('hooks').webhooks).toMatchObject([{ status: 'disabled', failure_count: 6 }]);
    const before = received.length;
    await fake.createOrder('hooks');
    expect(received.length).toBe(before); // a disabled webhook delivers nothing
    sinkStatus = 200;
  });
});
