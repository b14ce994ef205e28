// Where feed files live, behind one interface: the data directory (served by
// Synq's signed /feeds route) or an S3-compatible bucket (handed out as presigned
// GETs). Every object is written under a temporary name and published under its
// content-addressed key in one atomic step (rename, PutObject or CopyObject).
import type { Readable, Writable } from 'node:stream';

export interface ObjectInfo {
  size: number;
  lastModified: Date;
}

export interface ObjectHeaders {
  contentType: string;
  /** 'gzip' when the stored gzip bytes are a Content-Encoding of the document. */
  contentEncoding: 'gzip' | undefined;
}

export interface TempObject {
  stream: Writable;
  /** After `stream` has finished: publish under `key` (a no-op overwrite when it already exists). */
  commit(key: string): Promise<void>;
  abort(): Promise<void>;
}

export interface FeedStorage {
  readonly kind: 'data-dir' | 's3';
  openTemp(headers: ObjectHeaders): TempObject;
  putSmall(key: string, body: Buffer, headers: ObjectHeaders): Promise<void>;
  stat(key: string): Promise<ObjectInfo | null>;
  read(key: string): Promise<Readable | null>;
  readAll(key: string): Promise<Buffer | null>;
  delete(key: string): Promise<void>;
  /** Keys under `prefix`, including abandoned temporary objects (their keys start with `.tmp/`). */
  list(prefix: string): AsyncIterable<{ key: string; lastModified: Date }>;
  /** A URL that fetches `key` directly until `expiresAt`, or null when Synq itself serves the files. */
  presignGet(key: string, expiresAt: Date): Promise<string | null>;
}

export const TEMP_PREFIX = '.tmp/';
