// The streaming writer's byte accounting: whatever the item sizes (tiny, straddling a
// chunk, larger than a chunk, multi-byte UTF-8), the stored file is exactly head + items +
// tail + seal, and the version is the SHA-256 of the compressed content: the file starts with
// exactly the gzip of head + items + tail ended by a sync flush (compressed here independently,
// in one piece), and the version is that prefix's hash.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants, gunzipSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { DataDirStorage } from './dataDirStorage.ts';
import type { CatalogProduct } from './model.ts';
import type { Rendition } from './rendition.ts';
import { FeedFileWriter, FLUSH_BYTES, GZIP_OPTIONS } from './writer.ts';

/** What the version hashes: `body` gzipped in one piece with the writer's settings, up to a sync flush. */
const compressedContent = (body: string) => gzipSync(Buffer.from(body, 'utf8'), { ...GZIP_OPTIONS, finishFlush: constants.Z_SYNC_FLUSH });
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex').slice(0, 32);

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A rendition whose item is the product's title, so a test controls every byte. */
const echo: Rendition = {
  format: 'acp',
  head: () => '[',
  item: (p) => (p.title === '' ? null : p.title),
  separator: ',',
  tail: (m) => `]${m.items}`,
  seal: (v) => `#${v}`,
};
const product = (title: string): CatalogProduct => ({
  id: 'p', title, description: null, category: null, brand: null, handle: null, images: [],
  createdAt: new Date(0), updatedAt: new Date(0), variants: [],
});

async function write(titles: string[]): Promise<{ file: string; stored: Buffer; version: string; bytesRaw: number; items: number; skipped: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'synq-writer-'));
  dirs.push(dir);
  const w = new FeedFileWriter(new DataDirStorage(dir), echo, 't');
  await w.start();
  for (const t of titles) await w.add(product(t));
  const r = await w.finish((v) => `t/${v}.bin`);
  const stored = readFileSync(join(dir, 'feeds', 't', `${r.version}.bin`));
  return { file: gunzipSync(stored).toString('utf8'), stored, ...r };
}

describe('FeedFileWriter', () => {
  it('stores head, items, tail and seal byte for byte across chunk boundaries', async () => {
    const big = 'é😀x'.repeat(Math.ceil(FLUSH_BYTES / 2)); // > a chunk in UTF-8, written on its own
    const straddle = 'a'.repeat(FLUSH_BYTES - 10);
    const titles = ['one', straddle, 'two', '', big, 'ü'.repeat(40_000), 'three'];
    const r = await write(titles);
    const body = `[${titles.filter((t) => t !== '').join(',')}]6`;
    expect(r.file).toBe(`${body}#${r.version}`);
    const prefix = compressedContent(body);
    expect(r.stored.subarray(0, prefix.length).equals(prefix)).toBe(true);
    expect(r.version).toBe(sha(prefix));
    expect(r.bytesRaw).toBe(Buffer.byteLength(r.file));
    expect([r.items, r.skipped]).toEqual([6, 1]);
  });

  it('gives the same content the same version, and other content another', async () => {
    const a = await write(['same', 'content']);
    const b = await write(['same', 'content']);
    const c = await write(['same', 'contenT']);
    expect(b.version).toBe(a.version);
    expect(c.version).not.toBe(a.version);
  });

  it('holds for random item sizes', async () => {
    const title = fc.oneof(fc.string({ unit: 'binary', maxLength: 50 }), fc.nat({ max: FLUSH_BYTES / 4 }).map((n) => 'ж'.repeat(n)));
    await fc.assert(
      fc.asyncProperty(fc.array(title, { maxLength: 12 }), async (titles) => {
        const r = await write(titles);
        const body = `[${titles.filter((t) => t !== '').join(',')}]${r.items}`;
        expect(r.file).toBe(`${body}#${r.version}`);
        const prefix = compressedContent(body);
        expect(r.stored.subarray(0, prefix.length).equals(prefix)).toBe(true);
        expect(r.version).toBe(sha(prefix));
      }),
      { numRuns: 30 },
    );
  });
});
