// The three renditions of one catalog, as data: file extension on the signed URL,
// media type, and whether the stored bytes are served gzip-encoded on request
// (jsonld, merchant) or are themselves the gzip file the format defines (acp).

export const FEED_FORMATS = ['jsonld', 'acp', 'merchant'] as const;
export type FeedFormat = (typeof FEED_FORMATS)[number];

export interface FormatSpec {
  /** Extension in the public file name `{version}.{ext}`. */
  ext: string;
  contentType: string;
  /** true: the gzip bytes are the file (ACP's products.jsonl.gz); false: gzip is a Content-Encoding. */
  gzipIsTheFile: boolean;
}

export const FORMAT_SPECS: Record<FeedFormat, FormatSpec> = {
  jsonld: { ext: 'jsonld', contentType: 'application/ld+json; charset=utf-8', gzipIsTheFile: false },
  acp: { ext: 'jsonl.gz', contentType: 'application/gzip', gzipIsTheFile: true },
  merchant: { ext: 'xml', contentType: 'application/rss+xml; charset=utf-8', gzipIsTheFile: false },
};

export const isFeedFormat = (v: unknown): v is FeedFormat => typeof v === 'string' && (FEED_FORMATS as readonly string[]).includes(v);

/** 128 bits of SHA-256, hex: collision-free for any number of versions a tenant will ever have. */
export const VERSION_PATTERN = /^[0-9a-f]{32}$/;

/** `{version}.{ext}` → its parts, or null when the name is not one we publish. */
export function parseFeedFileName(file: string): { version: string; format: FeedFormat } | null {
  const dot = file.indexOf('.');
  if (dot !== 32) return null;
  const version = file.slice(0, dot);
  if (!VERSION_PATTERN.test(version)) return null;
  const ext = file.slice(dot + 1);
  for (const format of FEED_FORMATS) if (FORMAT_SPECS[format].ext === ext) return { version, format };
  return null;
}

export const feedFileName = (version: string, format: FeedFormat) => `${version}.${FORMAT_SPECS[format].ext}`;

/** Storage key of a content-addressed file: always gzip bytes. */
export const storageKey = (tenantId: string, version: string, format: FeedFormat) => `${tenantId}/${version}.${format}.gz`;
/** Storage key of a shard index (small JSON; shard links are signed when served). */
export const indexKey = (tenantId: string, version: string) => `${tenantId}/${version}.index.json`;
