// The S3 storage path against a local S3-compatible server (s3rver): presigned
// redirects, multipart uploads published by copy, sharded indexes with presigned
// shard links, deletes.
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newTenant, startService, type TestService, type TestTenant } from '../../test/harness.ts';
import { buildCatalog } from './build.ts';
import { S3Storage } from './s3Storage.ts';

let server: S3rver;
let dir: string;
let endpoint: string;
let svc: TestService;
const BUCKET = 'synq-feeds';
const creds = { SYNQ_FEED_S3_ACCESS_KEY_ID: 'S3RVER', SYNQ_FEED_S3_SECRET_ACCESS_KEY: 'S3RVER' };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'synq-s3-'));
  server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: dir, configureBuckets: [{ name: BUCKET }] });
  const addr = (await server.run()) as AddressInfo;
  endpoint = `http://127.0.0.1:${addr.port}`;
  svc = await startService({ env: { SYNQ_FEED_S3_BUCKET: BUCKET, SYNQ_FEED_S3_ENDPOINT: endpoint, ...creds } });
});
afterAll(async () => {
  await svc?.close();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function product(t: TestTenant, title: string) {
  const sku = `S3-${Math.random().toString(36).slice(2, 10)}`;
  const res = await svc.app.inject({
    method: 'POST',
    url: '/api/v1/pim/products',
    headers: await svc.headers(t),
    payload: { title, images: ['https://cdn.example.com/a.jpg'], variants: [{ sku, price: '10.00', currency: 'USD', option_values: {} }] },
  });
  expect(res.statusCode).toBe(201);
}

describe('catalog feed on S3-compatible storage', () => {
  it('redirects to a presigned GET of the content-addressed object', async () => {
    const t = newTenant();
    await product(t, 'From S3');
    const r = await svc.app.inject({ method: 'GET', url: '/api/v1/ucp/catalog.json', headers: await svc.headers(t) });
    expect(r.statusCode).toBe(302);
    const location = String(r.headers.location);
    expect(location.startsWith(`${endpoint}/${BUCKET}/${t.tenantId}/`)).toBe(true);
    expect(location).toMatch(/X-Amz-Signature=/);
    const res = await fetch(location);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const doc = (await res.json()) as { dataFeedElement: { item: { name: string } }[] };
    expect(doc.dataFeedElement[0]!.item.name).toBe('From S3');
    // The presigned URL lives as long as a Synq-signed one would (the store enforces it, not Synq).
    expect(Number(new URL(location).searchParams.get('X-Amz-Expires'))).toBeLessThanOrEqual(svc.config.feed.urlTtlSeconds + 60);
  });

  it('serves a sharded index through Synq with presigned shard links', async () => {
    const t = newTenant();
    await product(t, 'One');
    await product(t, 'Two');
    const built = await buildCatalog(svc.deps, t.tenantId, { shardSize: 1 });
    expect(built.status === 'built' && built.files.jsonld.shards.length).toBe(2);
    const r = await svc.app.inject({ method: 'GET', url: '/api/v1/ucp/catalog.json', headers: await svc.headers(t) });
    const u = new URL(String(r.headers.location));
    expect(u.origin).toBe(svc.url);
    const index = (await svc.app.inject({ method: 'GET', url: `${u.pathname}${u.search}` })).json() as { dataFeedElement: { url: string }[] };
    const names: string[] = [];
    for (const el of index.dataFeedElement) {
      expect(el.url.startsWith(`${endpoint}/${BUCKET}/`)).toBe(true);
      const shard = (await (await fetch(el.url)).json()) as { dataFeedElement: { item: { name: string } }[] };
      names.push(...shard.dataFeedElement.map((e) => e.item.name));
    }
    expect(names.sort()).toEqual(['One', 'Two']);
  });

  it('uploads large objects in parts and publishes them atomically by copy', async () => {
    const storage = new S3Storage(
      { bucket: BUCKET, endpoint, region: 'us-east-1', credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }, forcePathStyle: true },
      1024,
    );
    const tmp = storage.openTemp({ contentType: 'application/octet-stream', contentEncoding: undefined });
    const payload = Buffer.alloc(5000, 7);
    tmp.stream.end(payload);
    await new Promise((resolve, reject) => tmp.stream.on('finish', resolve).on('error', reject));
    expect(await storage.stat('parts/final.bin')).toBeNull();
    await tmp.commit('parts/final.bin');
    expect((await storage.readAll('parts/final.bin'))?.equals(payload)).toBe(true);
    const left: string[] = [];
    for await (const o of storage.list('.tmp/')) left.push(o.key);
    expect(left).toEqual([]);
    await storage.delete('parts/final.bin');
    expect(await storage.stat('parts/final.bin')).toBeNull();
  });
});
