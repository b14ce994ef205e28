// The links a caller is handed: a signed Synq URL, or (S3) a presigned GET of the
// object itself. A sharded JSON-LD feed is always a Synq URL: its index is rendered
// at fetch time with shard links signed for the same expiry.
import { createHash } from 'node:crypto';
import type { Config } from '../config.ts';
import { feedFileName, storageKey, type FeedFormat } from './formats.ts';
import { catalogServices } from './services.ts';

export const feedPath = (tenantId: string, version: string, format: FeedFormat) => `/feeds/${tenantId}/${feedFileName(version, format)}`;

/** Where the caller should fetch `version` until `exp` (unix seconds). */
export async function feedLink(config: Config, tenantId: string, format: FeedFormat, v: { version: string; shards: string[] }, exp: number): Promise<string> {
  const { storage, signer } = catalogServices(config);
  if (v.shards.length === 0) {
    const direct = await storage.presignGet(storageKey(tenantId, v.version, format), new Date(exp * 1000));
    if (direct) return direct;
  }
  return `${config.publicUrl}${signer.signedPath(feedPath(tenantId, v.version, format), exp)}`;
}

/**
 * The stored index with each shard placeholder ("{version}.jsonld") replaced by a link
 * valid as long as the index link itself. Deterministic for one (index, exp), so its
 * ETag is a content hash like every other file's.
 */
export async function renderShardIndex(config: Config, tenantId: string, stored: Buffer, exp: number): Promise<{ body: Buffer; etag: string }> {
  const doc = JSON.parse(stored.toString('utf8')) as { dataFeedElement?: { url?: string }[] };
  for (const el of doc.dataFeedElement ?? []) {
    const m = /^([0-9a-f]{32})\.jsonld$/.exec(el.url ?? '');
    if (m?.[1]) el.url = await feedLink(config, tenantId, 'jsonld', { version: m[1], shards: [] }, exp);
  }
  const body = Buffer.from(JSON.stringify(doc));
  return { body, etag: createHash('sha256').update(body).digest('hex').slice(0, 32) };
}
