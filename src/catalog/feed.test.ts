// The catalog feed over HTTP: redirect, signed file route, renditions, sharding,
// garbage collection, debounced rebuilds, and the security cases.
import { gunzipSync } from 'node:zlib';
import { sql } from 'drizzle-orm';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newTenant, startService, type TestService, type TestTenant } from '../../test/harness.ts';
import { rowsOf } from '../db/client.ts';
import { buildCatalog, collectGarbage } from './build.ts';
import { catalogServices } from './services.ts';
import { storageKey } from './formats.ts';

let svc: TestService;
beforeAll(async () => {
  svc = await startService();
});
afterAll(async () => {
  await svc?.close();
});

const seen: string[] = [];
async function inject(opts: InjectOptions) {
  const res = await svc.app.inject(opts);
  seen.push(JSON.stringify(res.headers), res.body);
  return res;
}

let n = 0;
const body = (over: Record<string, unknown> = {}) => {
  const sku = `FEED-${++n}-${Math.random().toString(36).slice(2, 8)}`;
  return {
    title: `Trail Tee ${n}`,
    description: 'Merino',
    brand: 'Acme',
    images: ['https://cdn.example.com/tee.jpg'],
    variants: [
      { sku: `${sku}-M`, barcode: '4006381333931', price: '39.00', currency: 'USD', option_values: { Size: 'M' }, inventory_quantity: 2 },
      { sku: `${sku}-L`, price: '41', currency: 'USD', option_values: { Size: 'L' }, inventory_quantity: 0 },
    ],
    ...over,
  };
};

async function createProduct(t: TestTenant, over: Record<string, unknown> = {}): Promise<string> {
  const res = await inject({ method: 'POST', url: '/api/v1/pim/products', headers: await svc.headers(t), payload: body(over) });
  expect(res.statusCode).toBe(201);
  return res.json().id as string;
}

async function redirect(t: TestTenant, query = '') {
  return inject({ method: 'GET', url: `/api/v1/ucp/catalog.json${query}`, headers: await svc.headers(t, 'VIEWER') });
}

const pathOf = (location: string) => {
  const u = new URL(location);
  return `${u.pathname}${u.search}`;
};

async function fetchFeed(t: TestTenant, query = '', headers: Record<string, string> = {}) {
  const r = await redirect(t, query);
  expect(r.statusCode).toBe(302);
  return { location: String(r.headers.location), res: await inject({ method: 'GET', url: pathOf(String(r.headers.location)), headers }) };
}

describe('GET /api/v1/ucp/catalog.json', () => {
  it('redirects to a signed, static JSON-LD file of the active products', async () => {
    const t = newTenant();
    const active = await createProduct(t, { title: 'Visible group' });
    await createProduct(t, { title: 'Single', variants: [{ sku: `S-${++n}`, price: '5', currency: 'EUR' }] });
    await createProduct(t, { title: 'Draft one', status: 'draft' });
    const gone = await createProduct(t, { title: 'Deleted one' });
    expect((await inject({ method: 'DELETE', url: `/api/v1/pim/products/${gone}`, headers: await svc.headers(t) })).statusCode).toBe(204);

    const r = await redirect(t);
    expect(r.statusCode).toBe(302);
    expect(r.headers['cache-control']).toBe('no-store');
    const location = String(r.headers.location);
    expect(location).toMatch(new RegExp(`^${svc.url}/feeds/${t.tenantId}/[0-9a-f]{32}\\.jsonld\\?exp=\\d+&kid=[\\w-]+&sig=[\\w-]{43}$`));

    const plain = await inject({ method: 'GET', url: pathOf(location) });
    expect(plain.statusCode).toBe(200);
    expect(plain.headers['content-type']).toContain('application/ld+json');
    expect(plain.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(plain.headers.etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(plain.headers['last-modified']).toBeTruthy();
    const doc = plain.json();
    expect(doc['@type']).toBe('CompleteDataFeed');
    const names = doc.dataFeedElement.map((e: { item: { name: string } }) => e.item.name);
    expect(names.sort()).toEqual(['Single', 'Visible group']);
    const group = doc.dataFeedElement.find((e: { item: { name: string } }) => e.item.name === 'Visible group').item;
    expect(group.productGroupID).toBe(active);
    expect(group.hasVariant[0].offers.price).toBe('39.00');

    const gz = await inject({ method: 'GET', url: pathOf(location), headers: { 'accept-encoding': 'br, gzip' } });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.headers.etag).toBe(`${String(plain.headers.etag).slice(0, -1)}.gz"`);
    expect(JSON.parse(gunzipSync(gz.rawPayload).toString('utf8'))).toEqual(doc);
    const notModified = await inject({ method: 'GET', url: pathOf(location), headers: { 'if-none-match': String(plain.headers.etag) } });
    expect(notModified.statusCode).toBe(304);

    // Same file for every caller until the catalog changes; a change makes a new version.
    const again = await redirect(t);
    expect(new URL(String(again.headers.location)).pathname).toBe(new URL(location).pathname);
    await inject({ method: 'PATCH', url: `/api/v1/pim/products/${active}`, headers: await svc.headers(t), payload: { title: 'Renamed' } });
    const built = await buildCatalog(svc.deps, t.tenantId);
    expect(built.status).toBe('built');
    const after = await redirect(t);
    expect(new URL(String(after.headers.location)).pathname).not.toBe(new URL(location).pathname);
  });

  it('serves the ACP and Merchant renditions; an unknown format is 400', async () => {
    const t = newTenant();
    await createProduct(t);
    const acp = await fetchFeed(t, '?format=acp');
    expect(acp.location).toMatch(/\.jsonl\.gz\?/);
    expect(acp.res.headers['content-type']).toBe('application/gzip');
    const lines = gunzipSync(acp.res.rawPayload).toString('utf8').trim().split('\n');
    expect(JSON.parse(lines[0]!).variants[0].price).toEqual({ amount: 3900, currency: 'USD' });
    const merchant = await fetchFeed(t, '?format=merchant');
    expect(merchant.location).toMatch(/\.xml\?/);
    expect(merchant.res.body).toContain('<g:price>39.00 USD</g:price>');
    expect((await redirect(t, '?format=csv')).statusCode).toBe(400);
  });

  it('applies the tenant auth rules: no token 401, mismatched tenant 403', async () => {
    const t = newTenant();
    expect((await inject({ method: 'GET', url: '/api/v1/ucp/catalog.json' })).statusCode).toBe(401);
    const h = await svc.headers(t);
    expect((await inject({ method: 'GET', url: '/api/v1/ucp/catalog.json', headers: { ...h, 'x-tenant-id': newTenant().tenantId } })).statusCode).toBe(403);
  });

  it('rejects tampered, foreign and expired links', async () => {
    const a = newTenant();
    const b = newTenant();
    await createProduct(a, { title: 'Secret of A' });
    await createProduct(b, { title: 'Of B' });
    const la = new URL(String((await redirect(a)).headers.location));
    const lb = new URL(String((await redirect(b)).headers.location));
    const get = (url: string) => inject({ method: 'GET', url });
    const q = la.searchParams;
    const badSig = `${q.get('sig')!.slice(0, -2)}${q.get('sig')!.endsWith('AA') ? 'BB' : 'AA'}`;
    expect((await get(`${la.pathname}?exp=${q.get('exp')}&kid=${q.get('kid')}&sig=${badSig}`)).statusCode).toBe(403);
    expect((await get(`${la.pathname}?exp=${Number(q.get('exp')) + 60}&kid=${q.get('kid')}&sig=${q.get('sig')}`)).statusCode).toBe(403);
    expect((await get(`${la.pathname}?exp=${q.get('exp')}&kid=other&sig=${q.get('sig')}`)).statusCode).toBe(403);
    expect((await get(la.pathname)).statusCode).toBe(403);
    // B's path with A's (valid) signature, and A's path with B's.
    expect((await get(`${lb.pathname}${la.search}`)).statusCode).toBe(403);
    expect((await get(`${la.pathname}${lb.search}`)).statusCode).toBe(403);
    const forged = lb.pathname.replace(b.tenantId, a.tenantId);
    expect((await get(`${forged}${lb.search}`)).statusCode).toBe(403);
    // Each tenant's token only ever yields its own file.
    expect(lb.pathname).toContain(b.tenantId);
    expect((await get(`${lb.pathname}${lb.search}`)).body).not.toContain('Secret of A');
    // Expired: a correctly signed link whose time is up is 410, not 403.
    const { signer } = catalogServices(svc.config);
    const expired = signer.signedPath(la.pathname, Math.floor(Date.now() / 1000) - 5);
    const res = await get(expired);
    expect(res.statusCode).toBe(410);
    expect(res.json().error).toMatch(/expired/);
  });

  it('shards a large catalog behind an index whose shard links are signed', async () => {
    const t = newTenant();
    for (let i = 0; i < 5; i++) await createProduct(t);
    const built = await buildCatalog(svc.deps, t.tenantId, { shardSize: 2 });
    expect(built.status === 'built' && built.files.jsonld.shards.length).toBe(3);
    const { res } = await fetchFeed(t);
    const index = res.json();
    expect(index['@type']).toBe('DataFeed');
    expect(index.dataFeedElement).toHaveLength(3);
    let total = 0;
    for (const el of index.dataFeedElement as { url: string }[]) {
      expect(el.url).toMatch(new RegExp(`^${svc.url}/feeds/${t.tenantId}/[0-9a-f]{32}\\.jsonld\\?exp=`));
      const shard = await inject({ method: 'GET', url: pathOf(el.url) });
      expect(shard.statusCode).toBe(200);
      expect(shard.json()['@type']).toBe('DataFeed');
      total += shard.json().dataFeedElement.length;
    }
    expect(total).toBe(5);
  });

  it('reads every product once whatever the batch size, with its dates and variants as stored', async () => {
    const t = newTenant();
    for (let i = 0; i < 5; i++) await createProduct(t, i === 2 ? { variants: [{ sku: `ONE-${++n}`, price: '7.5', currency: 'EUR', option_values: { Fit: 'Slim' } }] } : {});
    // All five share one created_at with microseconds: the keyset must fall back on the id and
    // must not lose the microseconds (a millisecond cursor would repeat or skip rows).
    await svc.deps.db.execute(sql`UPDATE products SET created_at = '2026-02-03 04:05:06.789123+00', updated_at = '2026-02-04 00:00:00.5+00' WHERE tenant_id = ${t.tenantId}`);
    const one = await buildCatalog(svc.deps, t.tenantId, { batchSize: 1 });
    const two = await buildCatalog(svc.deps, t.tenantId, { batchSize: 2 });
    const big = await buildCatalog(svc.deps, t.tenantId);
    if (one.status !== 'built' || two.status !== 'built' || big.status !== 'built') throw new Error('not built');
    expect(one.files.jsonld.groups).toBe(5);
    expect(new Set([one.files.jsonld.version, two.files.jsonld.version, big.files.jsonld.version]).size).toBe(1);
    const doc = (await fetchFeed(t)).res.json();
    const items = doc.dataFeedElement as { dateCreated: string; dateModified: string; item: Record<string, unknown> }[];
    expect(items.map((e) => [e.dateCreated, e.dateModified])).toEqual(Array(5).fill(['2026-02-03T04:05:06.789Z', '2026-02-04T00:00:00.500Z']));
    const single = items.find((e) => e.item['@type'] === 'Product')!.item;
    expect(single).toMatchObject({ sku: expect.stringMatching(/^ONE-/), offers: { price: '7.5', priceCurrency: 'EUR' }, additionalProperty: [{ name: 'Fit', value: 'Slim' }] });
    const group = items.find((e) => e.item['@type'] === 'ProductGroup')!.item as { hasVariant: { size: string; gtin13?: string; offers: { price: string } }[] };
    expect(group.hasVariant.map((v) => [v.size, v.gtin13 ?? null, v.offers.price])).toEqual([['M', '4006381333931', '39.00'], ['L', null, '41']]);
  });

  it('reports builds, their duration, bytes and counts as Prometheus metrics', async () => {
    const t = newTenant();
    for (let i = 0; i < 3; i++) await createProduct(t);
    await redirect(t); // makes the tenant known (and builds once)
    const { registry } = svc.deps.metrics;
    const builtCount = async () => Number(/synq_catalog_build_duration_seconds_count\{outcome="built"\} (\d+)/.exec(await registry.metrics())?.[1] ?? 0);
    const value = async (name: string, labels: Record<string, string> = {}) => {
      const metric = await registry.getSingleMetric(name)!.get();
      return metric.values.filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l)).reduce((n, v) => n + v.value, 0);
    };
    const before = {
      built: await value('synq_catalog_builds_total', { outcome: 'built' }),
      busy: await value('synq_catalog_builds_total', { outcome: 'busy' }),
      timed: await builtCount(),
      raw: await value('synq_catalog_bytes_written_total', { format: 'merchant', encoding: 'raw' }),
      gzip: await value('synq_catalog_bytes_written_total', { format: 'jsonld', encoding: 'gzip' }),
    };
    const built = await buildCatalog(svc.deps, t.tenantId);
    if (built.status !== 'built') throw new Error('not built');
    expect(await value('synq_catalog_builds_total', { outcome: 'built' })).toBe(before.built + 1);
    expect(await value('synq_catalog_bytes_written_total', { format: 'merchant', encoding: 'raw' })).toBe(before.raw + built.files.merchant.bytesRaw);
    expect(await value('synq_catalog_bytes_written_total', { format: 'jsonld', encoding: 'gzip' })).toBe(before.gzip + built.files.jsonld.bytesGzip);
    expect(await value('synq_catalog_last_build_groups')).toBe(3);
    expect(await value('synq_catalog_last_build_variants')).toBe(6);
    expect(await builtCount()).toBe(before.timed + 1);

    // A build that finds the tenant's lease taken counts as busy, and moves no byte counter.
    await svc.deps.db.execute(sql`UPDATE catalog_feeds SET building_until = now() + interval '1 minute' WHERE tenant_id = ${t.tenantId}`);
    expect((await buildCatalog(svc.deps, t.tenantId)).status).toBe('busy');
    await svc.deps.db.execute(sql`UPDATE catalog_feeds SET building_until = NULL WHERE tenant_id = ${t.tenantId}`);
    expect(await value('synq_catalog_builds_total', { outcome: 'busy' })).toBe(before.busy + 1);
    expect(await value('synq_catalog_bytes_written_total', { format: 'merchant', encoding: 'raw' })).toBe(before.raw + built.files.merchant.bytesRaw);
  });

  it('collects superseded versions only once no unexpired link references them', async () => {
    const t = newTenant();
    const id = await createProduct(t);
    await redirect(t); // first version, referenced by a link that is still valid
    const first = rowsOf<{ version: string }>(await svc.deps.db.execute(sql`SELECT version FROM catalog_versions WHERE tenant_id = ${t.tenantId} AND format = 'jsonld'`))[0]!.version;
    await inject({ method: 'PATCH', url: `/api/v1/pim/products/${id}`, headers: await svc.headers(t), payload: { title: 'v2' } });
    expect((await buildCatalog(svc.deps, t.tenantId)).status).toBe('built');
    const { storage } = catalogServices(svc.config);
    const key = storageKey(t.tenantId, first, 'jsonld');
    // Superseded long ago, but its link is still valid: kept.
    await svc.deps.db.execute(sql`UPDATE catalog_versions SET superseded_at = now() - interval '1 hour' WHERE tenant_id = ${t.tenantId} AND superseded_at IS NOT NULL`);
    await collectGarbage(svc.deps, t.tenantId);
    expect(await storage.stat(key)).not.toBeNull();
    // Its last link expired: collected, and the current version is untouched.
    await svc.deps.db.execute(sql`UPDATE catalog_versions SET referenced_until = now() - interval '1 second' WHERE tenant_id = ${t.tenantId} AND superseded_at IS NOT NULL`);
    expect(await collectGarbage(svc.deps, t.tenantId)).toBeGreaterThanOrEqual(1);
    expect(await storage.stat(key)).toBeNull();
    expect((await fetchFeed(t)).res.statusCode).toBe(200);
  });

  it('answers 503 with Retry-After while the first build of a large catalog runs', async () => {
    const t = newTenant();
    await createProduct(t);
    // 5,001 products straight in SQL: above the inline-build limit without 5,001 requests.
    await svc.deps.db.execute(sql`
      INSERT INTO products (tenant_id, org_id, title, images)
      SELECT ${t.tenantId}, ${t.orgId}, 'Bulk ' || g, '["https://cdn.example.com/b.jpg"]'::jsonb FROM generate_series(1, 5001) g`);
    const r = await redirect(t);
    expect(r.statusCode).toBe(503);
    expect(r.headers['retry-after']).toBe('30');
    const jobs = rowsOf<{ n: number }>(await svc.deps.db.execute(sql`SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'catalog-build' AND singleton_key = ${t.tenantId}`));
    expect(jobs[0]!.n).toBe(1);
  });

  it('publishes the store the tenant configured: name, storefront URLs, return policy', async () => {
    const t = newTenant();
    const id = await createProduct(t, { handle: 'trail-tee' });
    const store = {
      name: 'Acme Outfitters',
      url: 'https://acme.example/',
      return_policy: { applicableCountry: ['US'], returnPolicyCategory: 'https://schema.org/MerchantReturnFiniteReturnWindow', merchantReturnDays: 30, merchantReturnLink: 'https://acme.example/returns' },
    };
    const put = (h: Record<string, string>, payload: unknown) => inject({ method: 'PUT', url: '/api/v1/ucp/store', headers: h, payload: payload as object });
    expect((await put(await svc.headers(t, 'VIEWER'), store)).statusCode).toBe(403);
    expect((await put(await svc.headers(t), { ...store, url: 'ftp://x' })).statusCode).toBe(400);
    expect((await put(await svc.headers(t), store)).statusCode).toBe(204);
    await buildCatalog(svc.deps, t.tenantId);
    const doc = (await fetchFeed(t)).res.json();
    expect(doc.publisher).toEqual({
      '@type': 'OnlineStore',
      '@id': 'https://acme.example/#org',
      name: 'Acme Outfitters',
      url: 'https://acme.example/',
      hasMerchantReturnPolicy: { '@type': 'MerchantReturnPolicy', ...store.return_policy },
    });
    const item = doc.dataFeedElement[0].item;
    expect(item['@id']).toBe('https://acme.example/products/trail-tee#group');
    expect(item.productGroupID).toBe(id);
    expect(item.hasVariant[0].offers.seller).toEqual({ '@id': 'https://acme.example/#org' });
  });

  it('never shows the signing key in a response or a log line', () => {
    const key = svc.config.feed.signingKeys[0]!.key;
    const forms = [key.toString('base64'), key.toString('base64url'), key.toString('hex')];
    const haystack = [...seen, ...svc.logs].join('\n');
    for (const f of forms) expect(haystack).not.toContain(f);
    // Request logs carry sig=[redacted]: a logged link could be replayed until it expires.
    expect(svc.logs.join('\n')).not.toMatch(/sig=[A-Za-z0-9_-]{43}/);
    expect(svc.logs.join('\n')).toContain('sig=[redacted]');
  });
});

describe('rebuild job', () => {
  let worker: TestService;
  beforeAll(async () => {
    // 10 s: the 21 edits of the burst must land inside the delay even on a loaded 2-core machine.
    worker = await startService({ worker: true, env: { SYNQ_FEED_BUILD_DELAY: '10' } });
  });
  afterAll(async () => {
    await worker?.close();
  });

  it('collapses a burst of edits into one debounced build', async () => {
    const t = newTenant();
    const h = await worker.headers(t);
    const res = await worker.app.inject({ method: 'POST', url: '/api/v1/pim/products', headers: h, payload: body() });
    const id = res.json().id as string;
    for (let i = 0; i < 20; i++) {
      await worker.app.inject({ method: 'PATCH', url: `/api/v1/pim/products/${id}`, headers: h, payload: { title: `Edit ${i}` } });
    }
    const jobs = rowsOf<{ n: number }>(await worker.deps.db.execute(sql`SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'catalog-build' AND singleton_key = ${t.tenantId}`));
    expect(jobs[0]!.n).toBe(1);
    // The one build runs after the delay and publishes the state after the burst.
    const deadline = Date.now() + 30_000;
    let versions = 0;
    while (Date.now() < deadline) {
      versions = rowsOf<{ n: number }>(await worker.deps.db.execute(sql`SELECT count(*)::int AS n FROM catalog_versions WHERE tenant_id = ${t.tenantId}`))[0]!.n;
      // The three renditions are published one after another: wait for all of them.
      if (versions >= 3) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(versions).toBe(3);
    const r = await worker.app.inject({ method: 'GET', url: '/api/v1/ucp/catalog.json', headers: h });
    const feed = await worker.app.inject({ method: 'GET', url: pathOf(String(r.headers.location)) });
    expect(feed.json().dataFeedElement[0].item.name).toBe('Edit 19');
  });
});
