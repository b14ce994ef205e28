// Feed files in an S3-compatible bucket. Large files go up as a multipart upload
// to a temporary key (parts of 8 MiB, so memory stays bounded whatever the
// catalog size) and are published with one server-side CopyObject; files under
// one part are a single PutObject straight to their final key.
import { randomUUID } from 'node:crypto';
import { Writable, type Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { FeedS3Config } from '../config.ts';
import { TEMP_PREFIX, type FeedStorage, type ObjectHeaders, type ObjectInfo, type TempObject } from './storage.ts';

// S3's minimum part is 5 MiB; 8 MiB keeps a 1 GB file under 130 parts (the limit is 10,000).
export const DEFAULT_PART_SIZE = 8 * 1024 * 1024;
const IMMUTABLE = 'public, max-age=31536000, immutable';

const isNotFound = (err: unknown) => {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404;
};

export class S3Storage implements FeedStorage {
  readonly kind = 's3' as const;
  readonly client: S3Client;

  constructor(
    private readonly cfg: FeedS3Config,
    private readonly partSize = DEFAULT_PART_SIZE,
  ) {
    this.client = new S3Client({
      region: cfg.region,
      // S3-compatible servers often reject the newer default CRC32 checksum headers; send them only when required.
      ...(cfg.endpoint ? { requestChecksumCalculation: 'WHEN_REQUIRED' as const, responseChecksumValidation: 'WHEN_REQUIRED' as const } : {}),
      forcePathStyle: cfg.forcePathStyle,
      ...(cfg.endpoint ? { endpoint: cfg.endpoint } : {}),
      ...(cfg.credentials ? { credentials: cfg.credentials } : {}),
    });
  }

  private put(headers: ObjectHeaders) {
    return {
      Bucket: this.cfg.bucket,
      ContentType: headers.contentType,
      CacheControl: IMMUTABLE,
      ...(headers.contentEncoding ? { ContentEncoding: headers.contentEncoding } : {}),
    };
  }

  openTemp(headers: ObjectHeaders): TempObject {
    const tmpKey = `${TEMP_PREFIX}${randomUUID()}`;
    const client = this.client;
    const bucket = this.cfg.bucket;
    const partSize = this.partSize;
    let buffered: Buffer[] = [];
    let bufferedBytes = 0;
    let uploadId: string | undefined;
    const parts: { PartNumber: number; ETag: string }[] = [];
    const flushPart = async () => {
      if (!uploadId) {
        const created = await client.send(new CreateMultipartUploadCommand({ ...this.put(headers), Key: tmpKey }));
        uploadId = created.UploadId;
      }
      const body = Buffer.concat(buffered);
      buffered = [];
      bufferedBytes = 0;
      const PartNumber = parts.length + 1;
      const r = await client.send(new UploadPartCommand({ Bucket: bucket, Key: tmpKey, UploadId: uploadId, PartNumber, Body: body }));
      parts.push({ PartNumber, ETag: r.ETag ?? '' });
    };
    const stream = new Writable({
      write(chunk: Buffer, _enc, cb) {
        buffered.push(chunk);
        bufferedBytes += chunk.length;
        if (bufferedBytes < partSize) return cb();
        flushPart().then(() => cb(), cb);
      },
      final(cb) {
        // The last part may be short; a file that never filled one part is put whole at commit.
        if (uploadId && bufferedBytes > 0) flushPart().then(() => cb(), cb);
        else cb();
      },
    });
    return {
      stream,
      commit: async (key) => {
        if (!uploadId) {
          await client.send(new PutObjectCommand({ ...this.put(headers), Key: key, Body: Buffer.concat(buffered) }));
          return;
        }
        await client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: tmpKey, UploadId: uploadId, MultipartUpload: { Parts: parts } }));
        await client.send(new CopyObjectCommand({ Bucket: bucket, Key: key, CopySource: `${bucket}/${tmpKey}`, MetadataDirective: 'COPY' }));
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: tmpKey }));
      },
      abort: async () => {
        stream.destroy();
        if (uploadId) await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: tmpKey, UploadId: uploadId })).catch(() => {});
      },
    };
  }

  async putSmall(key: string, body: Buffer, headers: ObjectHeaders): Promise<void> {
    await this.client.send(new PutObjectCommand({ ...this.put(headers), Key: key, Body: body }));
  }

  async stat(key: string): Promise<ObjectInfo | null> {
    try {
      const r = await this.client.send(new HeadObjectCommand({ Bucket: this.cfg.bucket, Key: key }));
      return { size: r.ContentLength ?? 0, lastModified: r.LastModified ?? new Date(0) };
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async read(key: string): Promise<Readable | null> {
    try {
      const r = await this.client.send(new GetObjectCommand({ Bucket: this.cfg.bucket, Key: key }));
      return (r.Body as Readable | undefined) ?? null;
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async readAll(key: string): Promise<Buffer | null> {
    const body = await this.read(key);
    if (!body) return null;
    const chunks: Buffer[] = [];
    for await (const c of body) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.cfg.bucket, Key: key }));
  }

  async *list(prefix: string): AsyncIterable<{ key: string; lastModified: Date }> {
    let token: string | undefined;
    do {
      const r = await this.client.send(new ListObjectsV2Command({ Bucket: this.cfg.bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }));
      for (const o of r.Contents ?? []) if (o.Key) yield { key: o.Key, lastModified: o.LastModified ?? new Date(0) };
      token = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (token);
  }

  /**
   * A SigV4 presigned GET valid until `expiresAt` (the Synq link's own expiry, so both kinds of
   * link live SYNQ_FEED_URL_TTL rounded up to the signer's granularity). s3rver, the test store,
   * checks X-Amz-Date + X-Amz-Expires but not SigV4 signatures, so s3.test.ts verifies the
   * signature itself against the configured secret.
   */
  async presignGet(key: string, expiresAt: Date): Promise<string | null> {
    const expiresIn = Math.max(1, Math.floor((expiresAt.getTime() - Date.now()) / 1000));
    return getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.cfg.bucket, Key: key }), { expiresIn });
  }
}
