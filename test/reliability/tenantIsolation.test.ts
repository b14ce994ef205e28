// Property: whatever tenant A does, in whatever order, with whichever of tenant B's ids
// it puts in its requests, nothing of B is returned to A (404 or empty) and nothing of B
// changes. Checked three ways per operation: A's answer (status, body and Location) holds
// none of B's identifiers; the write probe saw no row of B written; and after each
// sequence B's own view of its data (through B's token) is what it was before.
import { createHmac, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordTrial, reliabilityCount } from './report.ts';
import { startWorld, type World } from './fuzzWorld.ts';

const RUNS = reliabilityCount(300, 8);

let world: World;
/** Every identifier of B an answer to A could leak. */
let markers: string[];
let bView: () => Promise<string>;
let bJobId: string;
let bBatchId: string;
let bFeedPath: string;

interface Op {
  name: string;
  /** Statuses allowed for this operation; B's ids must get 404. */
  expect: number[];
  run(): Promise<{ statusCode: number; body: string; headers: Record<string, unknown> }>;
}

async function asA(method: string, url: string, payload?: unknown, headers: Record<string, string> = world.headersA.ADMIN) {
  const res = await world.svc.app.inject({ method: method as 'GET', url, headers, ...(payload !== undefined ? { payload: payload as object } : {}) });
  return { statusCode: res.statusCode, body: res.body, headers: res.headers };
}

beforeAll(async () => {
  world = await startWorld();
  const hb = world.headersB;
  const b = async (method: string, url: string, payload?: unknown) =>
    (await world.svc.app.inject({ method: method as 'GET', url, headers: hb, ...(payload !== undefined ? { payload: payload as object } : {}) })).body;
  const push = JSON.parse(await b('POST', '/unified/sync/push/product', { productId: world.pools.otherProductIds.items[0], action: 'UPSERT' })) as { job_id: string };
  bJobId = push.job_id;
  bBatchId = (JSON.parse(await b('POST', '/unified/sync/push/products', { all: true, action: 'UPSERT' })) as { batch_id: string }).batch_id;
  const feed = await world.svc.app.inject({ method: 'GET', url: '/api/v1/ucp/catalog.json', headers: hb });
  bFeedPath = new URL(String(feed.headers.location)).pathname;
  bView = async () =>
    [
      await b('GET', '/api/v1/pim/products?limit=200'),
      await b('GET', '/api/v1/integrations/connections?status=all'),
      await b('GET', '/api/v1/oms/orders?limit=200'),
      await b('GET', `/unified/sync/jobs/${bJobId}`),
      await b('GET', `/unified/sync/batches/${bBatchId}`),
    ].join('\n');
  const view = await bView();
  const products = JSON.parse(view.split('\n')[0]!) as { products: { id: string; title: string; variants: { id: string; sku: string }[] }[] };
  markers = [
    world.b.tenantId,
    bJobId,
    bBatchId,
    ...products.products.flatMap((p) => [p.id, p.title, ...p.variants.flatMap((v) => [v.id, v.sku])]),
    ...world.connections.b.flatMap((c) => [c.uuid, c.publicId, c.account]),
    ...(JSON.parse(view.split('\n')[2]!) as { orders: { id: string }[] }).orders.map((o) => o.id),
  ];
});
afterAll(async () => {
  await world?.close();
});

function operations(): fc.Arbitrary<Op> {
  const bProducts = world.pools.otherProductIds.items;
  const bConn = world.connections.b;
  const bOrders = () => world.pools.orderIds.items;
  const aProducts = world.pools.productIds;
  const pick = <T,>(xs: T[]) => fc.nat().map((i) => xs[i % xs.length]!);
  const title = fc.string({ minLength: 1, maxLength: 20 }).map((s) => `A ${s}`);
  const aWoo = world.connections.a.find((c) => c.provider === 'woocommerce')!;
  const bWoo = bConn.find((c) => c.provider === 'woocommerce')!;
  const op = (name: string, expected: number[], run: Op['run']): Op => ({ name, expect: expected, run });
  return fc.oneof(
    title.map((t) => op('create a product', [201], async () => {
      const res = await asA('POST', '/api/v1/pim/products', { title: t, variants: [{ sku: `A-${randomBytes(4).toString('hex')}`, price: '1.00', currency: 'USD' }] });
      if (res.statusCode === 201) aProducts.add((JSON.parse(res.body) as { id: string }).id);
      return res;
    })),
    fc.tuple(pick(bProducts), title).map(([id, t]) => op("update B's product", [404], () => asA('PATCH', `/api/v1/pim/products/${id}`, { title: t }))),
    pick(bProducts).map((id) => op("delete B's product", [404], () => asA('DELETE', `/api/v1/pim/products/${id}`))),
    pick(bProducts).map((id) => op("add a variant to B's product", [404], () => asA('POST', `/api/v1/pim/products/${id}/variants`, { sku: `V-${randomBytes(4).toString('hex')}`, price: '2', currency: 'USD' }))),
    pick(bProducts).map((id) => op("read B's product", [404], () => asA('GET', `/api/v1/pim/products/${id}`))),
    pick(bProducts).map((id) => op("push B's product", [404], () => asA('POST', '/unified/sync/push/product', { productId: id, action: 'UPSERT' }))),
    pick(bProducts).map((id) => op("push a DELETE of B's product", [404], () => asA('POST', '/unified/sync/push/product', { productId: id, action: 'DELETE' }))),
    fc.nat().map((i) => op("push A's product", [202], () => asA('POST', '/unified/sync/push/product', { productId: aProducts.pick(i, ''), action: 'UPSERT' }))),
    fc.constant(op("read B's push job", [404], () => asA('GET', `/unified/sync/jobs/${bJobId}`))),
    pick(bProducts).map((id) => op("bulk push B's product", [404], () => asA('POST', '/unified/sync/push/products', { productIds: [id], action: 'UPSERT' }))),
    fc.nat().map((i) => op("bulk push A's product", [202], () => asA('POST', '/unified/sync/push/products', { productIds: [aProducts.pick(i, '')], action: 'UPSERT' }))),
    fc.constant(op('bulk push all of A', [202], () => asA('POST', '/unified/sync/push/products', { all: true, action: 'UPSERT' }))),
    fc.constant(op("read B's bulk batch", [404], () => asA('GET', `/unified/sync/batches/${bBatchId}`))),
    fc.constant(op('list products, every page', [200], async () => {
      let url = '/api/v1/pim/products?limit=2';
      let all = '';
      for (let page = 0; page < 50; page++) {
        const res = await asA('GET', url);
        all += res.body;
        const next = (JSON.parse(res.body) as { next_cursor: string | null }).next_cursor;
        if (res.statusCode !== 200 || next === null) return { ...res, body: all };
        url = `/api/v1/pim/products?limit=2&cursor=${encodeURIComponent(next)}`;
      }
      return { statusCode: 200, body: all, headers: {} };
    })),
    fc.constantFrom('all', 'ACTIVE', 'PENDING').map((s) => op(`list connections (${s})`, [200], () => asA('GET', `/api/v1/integrations/connections?status=${s}`))),
    fc.tuple(pick(bConn), fc.boolean()).map(([c, byUuid]) => op(`disconnect B's connection by ${byUuid ? 'id' : 'connection_id'}`, [404], () => asA('DELETE', `/api/v1/integrations/connections/${byUuid ? c.uuid : c.publicId}`))),
    pick(bConn).map((c) => op("save B's connection", [404], () => asA('POST', '/api/v1/integrations/callback', { connection_id: c.publicId }))),
    fc.tuple(pick(bConn), fc.boolean()).map(([c, byUuid]) => op("read B's inbound forwarding", [404], () => asA('GET', `/api/v1/integrations/connections/${byUuid ? c.uuid : c.publicId}/inbound`))),
    fc.tuple(pick(bConn), fc.boolean()).map(([c, byUuid]) => op("rotate B's inbound secret", [404], () => asA('POST', `/api/v1/integrations/connections/${byUuid ? c.uuid : c.publicId}/inbound/secret`))),
    fc.constant(op('list orders', [200], () => asA('GET', '/api/v1/oms/orders?limit=200'))),
    fc.nat().map((i) => op("read B's order (or A's)", [200, 404], () => asA('GET', `/api/v1/oms/orders/${bOrders()[i % bOrders().length]}`))),
    fc.constant(op('request the catalog feed and read it', [200], async () => {
      const redirect = await asA('GET', '/api/v1/ucp/catalog.json');
      if (redirect.statusCode !== 302) return redirect;
      const file = await world.svc.app.inject({ method: 'GET', url: String(redirect.headers.location).replace(world.svc.url, '') });
      return { statusCode: file.statusCode, body: file.body, headers: redirect.headers };
    })),
    fc.constant(op("A's feed link pointed at B's file", [403], async () => {
      const redirect = await asA('GET', '/api/v1/ucp/catalog.json');
      const u = new URL(String(redirect.headers.location));
      const res = await world.svc.app.inject({ method: 'GET', url: `${bFeedPath}${u.search}` });
      return { statusCode: res.statusCode, body: res.body, headers: res.headers };
    })),
    fc.jsonValue({ maxDepth: 2 }).map((data) => op("webhook to B's connection signed with A's secret", [401], async () => {
      const body = Buffer.from(JSON.stringify(data ?? {}));
      const signature = createHmac('sha256', aWoo.webhookSecret!).update(body).digest('base64');
      const res = await world.svc.app.inject({
        method: 'POST',
        url: `/unified/webhook/woocommerce/${bWoo.publicId}`,
        headers: { 'content-type': 'application/json', 'x-wc-webhook-signature': signature, 'x-wc-webhook-topic': 'order.created', 'x-wc-webhook-source': world.stubUrl },
        payload: body,
      });
      return { statusCode: res.statusCode, body: res.body, headers: res.headers };
    })),
  );
}

describe('tenant isolation', () => {
  it(`${RUNS} random sequences of A's operations never return or change anything of B`, { timeout: 120_000 + RUNS * 5_000 }, async () => {
    const before = await bView();
    let ops = 0;
    const seen = new Set<string>();
    await fc.assert(
      fc.asyncProperty(fc.array(operations(), { minLength: 4, maxLength: 14 }), async (sequence) => {
        for (const op of sequence) {
          const mark = await world.probe.mark();
          const res = await op.run();
          ops += 1;
          seen.add(op.name);
          expect(op.expect, `${op.name}: ${res.statusCode} ${res.body.slice(0, 200)}`).toContain(res.statusCode);
          const answer = `${res.body}\n${String(res.headers.location ?? '')}`;
          for (const m of markers) expect(answer.includes(m), `${op.name} returned B's ${m}`).toBe(false);
          const touched = (await world.probe.since(mark)).filter((w) => w.tenant === world.b.tenantId);
          expect(touched, `${op.name} wrote B's rows`).toEqual([]);
        }
        expect(await bView()).toBe(before);
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
    recordTrial({ suite: 'tenant-isolation', tried: `${RUNS} random sequences of tenant A's operations aimed at tenant B (${seen.size} kinds)`, cases: ops, lost: 0 });
    expect(seen.size).toBeGreaterThan(RUNS >= 8 ? 10 : 0);
  });
});
