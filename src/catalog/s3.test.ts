// The S3 storage path against a local S3-compatible server (s3rver): presigned
// redirects, multipart uploads published by copy, sharded indexes with presigned
// shard links, deletes.
import { createHash, createHmac } from 'node:crypto';
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

/**
 * Recomputes an AWS SigV4 query-string signature (GET, UNSIGNED-PAYLOAD, host as the one
 * signed header) with the given secret: s3rver accepts any SigV4 signature, so without this
 * nothing would notice a presigned URL signed for the wrong key, object or expiry.
 */
function sigV4Valid(url: string, secret: string): boolean {
  const u = new URL(url);
  const q = u.searchParams;
  const given = q.get('X-Amz-Signature');
  const [, date, region, service] = /^[^/]+\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request$/.exec(q.get('X-Amz-Credential') ?? '') ?? [];
  if (!given || !date || !region || !service || q.get('X-Amz-SignedHeaders') !== 'host') return false;
  const enc = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const query = [...q.entries()].filter(([k]) => k !== 'X-Amz-Signature').map(([k, v]) => `${enc(k)}=${enc(v)}`).sort().join('&');
  const canonical = ['GET', u.pathname, query, `host:${u.host}`, '', 'host', 'UNSIGNED-PAYLOAD'].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', q.get('X-Amz-Date'), scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
  const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
  const key = [region, service, 'aws4_request'].reduce((k, part) => hmac(k, part), hmac(`AWS4${secret}`, date));
  return createHmac('sha256', key).update(toSign).digest('hex') === given;
}

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
    // Signed with the configured secret, for exactly this object; any change breaks it.
    expect(sigV4Valid(location, creds.SYNQ_FEED_S3_SECRET_ACCESS_KEY)).toBe(true);
    expect(sigV4Valid(location, 'another-secret')).toBe(false);
    expect(sigV4Valid(location.replace(`/${t.tenantId}/`, `/${newTenant().tenantId}/`), creds.SYNQ_FEED_S3_SECRET_ACCESS_KEY)).toBe(false);
    const longer = new URL(location);
    longer.searchParams.set('X-Amz-Expires', String(Number(longer.searchParams.get('X-Amz-Expires')) + 3600));
    expect(sigV4Valid(longer.toString(), creds.SYNQ_FEED_S3_SECRET_ACCESS_KEY)).toBe(false);
    // It lives as long as a Synq-signed link would: SYNQ_FEED_URL_TTL, rounded up to the signer's
    // minute, ending at the same instant (the store enforces it, not Synq).
    const q = new URL(location).searchParams;
    const ttl = svc.config.feed.urlTtlSeconds;
    const expires = Number(q.get('X-Amz-Expires'));
    expect(expires).toBeGreaterThanOrEqual(ttl - 2);
    expect(expires).toBeLessThanOrEqual(ttl + 60);
    const amzDate = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(q.get('X-Amz-Date')!)!.slice(1).map(Number) as [number, number, number, number, number, number];
    const endsAt = Date.UTC(amzDate[0], amzDate[1] - 1, amzDate[2], amzDate[3], amzDate[4], amzDate[5]) / 1000 + expires;
    expect(Math.abs(endsAt - Math.round(endsAt / 60) * 60)).toBeLessThanOrEqual(1);
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
