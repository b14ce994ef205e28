// The streaming writer: rendition strings → 256 KiB buffers → gzip (on libuv's thread
// pool, so compression of one buffer overlaps building the next) → SHA-256 of the
// compressed bytes (the version) → a temporary storage object → published under that hash.
// Memory is bounded by the chunk, the chunks in flight, the gzip window and the
// stream high-water marks, never by the catalog.
import { createHash, type Hash } from 'node:crypto';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { constants as zlibConstants, createGzip, type Gzip, type ZlibOptions } from 'node:zlib';
import { FORMAT_SPECS } from './formats.ts';
import type { CatalogProduct } from './model.ts';
import type { Rendition } from './rendition.ts';
import type { FeedStorage, TempObject } from './storage.ts';

// Bytes of rendered text per chunk handed to gzip, and chunks in flight. Measured
// (20k groups × 2 variants, 45 MB, synthetic source, under contention; "overlap" is how much
// of the shorter of main-thread and gzip-thread busy time ran concurrently with the other,
// from /proc/self/task/*/schedstat, 1 = fully): 64 KiB × 8 in flight 0.80; 256 KiB × 4 1.02;
// 256 KiB × 4 without yielding 0.81; 1 MiB × 2 0.88; 64 KiB × 16 without yielding and with
// zlib's default 16 KiB output buffer 0.68. Single runs on a machine with a load of ~14 on
// 2 cores: differences under ~0.1 are noise.
export const FLUSH_BYTES = 256 * 1024;
/** Room past FLUSH_BYTES so most items fit before the flush rather than forcing one. */
const CHUNK_SLACK = 64 * 1024;
/** Chunks handed to gzip and not yet compressed, beyond which the writer waits. */
const CHUNKS_IN_FLIGHT = 4;
export const GZIP_LEVEL = zlibConstants.Z_DEFAULT_COMPRESSION;
/**
 * The gzip stream settings, shared with the bench's plain-gzip baseline. chunkSize is
 * zlib's output buffer: at the default 16 KiB, a 256 KiB chunk of JSON-LD (~20:1) needs
 * one thread-pool round trip per 16 KiB of output, each waiting for the main thread to
 * hand out the next; 64 KiB lets one round trip compress a whole chunk (overlap 1.02 vs
 * 0.87 with 16 KiB, same chunks).
 */
export const GZIP_OPTIONS: ZlibOptions = { level: GZIP_LEVEL, chunkSize: 64 * 1024 };

/**
 * A gzip stream that feeds `hash` every compressed byte zlib produces, as it produces it.
 *
 * The version is the SHA-256 of the compressed content: the file's gzip bytes up to a sync
 * flush after the content (the seal, which carries the version, follows it). Hashing the
 * rendered text instead cost 22 times the bytes on the main thread, which also reads, renders
 * and encodes and is the build's bottleneck on two cores (100k groups, 227 MB of JSON-LD:
 * SHA-256 of the text ~0.2 s of ~2 s of main-thread CPU, build/plain-gzip 0.72× with it and
 * 0.80× without it in one bench run; of the 10 MB compressed, ~10 ms).
 * The cost: the version is a function of the content and of the zlib that compressed it. The
 * same catalog gives the same version on one build of Node; another zlib (an upgrade, or a CPU
 * with other SIMD paths) may compress it differently and publish it once more under a new version.
 *
 * Output is hashed in `push`, which zlib's completion callback calls before it calls the write's
 * callback: when a flush's callback runs, everything compressed before it has been hashed,
 * whatever the consumer downstream has read so far.
 */
function hashingGzip(): { gzip: Gzip; digest: () => string } {
  const gzip = createGzip(GZIP_OPTIONS);
  const hash: Hash = createHash('sha256');
  let open = true;
  const push = gzip.push.bind(gzip);
  gzip.push = (chunk: unknown, encoding?: BufferEncoding) => {
    if (open && chunk) hash.update(chunk as Buffer);
    return push(chunk, encoding);
  };
  return {
    gzip,
    digest: () => {
      open = false;
      return hash.digest('hex').slice(0, 32);
    },
  };
}

export interface WrittenFile {
  version: string;
  items: number;
  skipped: number;
  variants: number;
  bytesRaw: number;
  bytesGzip: number;
  dateModified: Date | null;
}

/** Hashes the content, so the version is known when the last byte is written. */
export class FeedFileWriter {
  private readonly gzip: Gzip;
  /** The version: SHA-256 of the compressed content (see hashingGzip). */
  private readonly digest: () => string;
  /** One promise per chunk written to gzip, settled when gzip has consumed it. */
  private readonly inFlight: Promise<void>[] = [];
  /** Chunks gzip has consumed, reused instead of allocating ~4,000 per GB of feed. */
  private readonly spare: Buffer[] = [];
  private readonly temp: TempObject;
  private readonly done: Promise<void>;
  private chunk: Buffer = Buffer.allocUnsafe(FLUSH_BYTES + CHUNK_SLACK);
  private used = 0;
  private bytesRaw = 0;
  private bytesGzip = 0;
  private items = 0;
  private skipped = 0;
  private variants = 0;
  private dateModified: Date | null = null;

  constructor(
    private readonly storage: FeedStorage,
    private readonly rendition: Rendition,
    private readonly tenantId: string,
  ) {
    const spec = FORMAT_SPECS[rendition.format];
    ({ gzip: this.gzip, digest: this.digest } = hashingGzip());
    this.temp = storage.openTemp({ contentType: spec.contentType, contentEncoding: spec.gzipIsTheFile ? undefined : 'gzip' });
    const count = new Transform({
      transform: (chunk: Buffer, _enc, cb) => {
        this.bytesGzip += chunk.length;
        cb(null, chunk);
      },
    });
    this.done = pipeline(this.gzip, count, this.temp.stream);
    // Surface pipeline errors through finish(); avoid an unhandled rejection meanwhile.
    this.done.catch(() => {});
  }

  get itemCount(): number {
    return this.items;
  }

  async start(): Promise<void> {
    await this.write(this.rendition.head());
  }

  /**
   * Renders one product. Returns a promise only when a chunk was handed to gzip and the caller
   * must wait (once per ~256 KiB): an async method would cost a promise per product.
   */
  add(p: CatalogProduct): Promise<void> | undefined {
    const s = this.rendition.item(p);
    if (s === null) {
      this.skipped++;
      return undefined;
    }
    const text = this.items > 0 && this.rendition.separator ? this.rendition.separator + s : s;
    this.items++;
    this.variants += p.variants.length;
    if (!this.dateModified || p.updatedAt.getTime() > this.dateModified.getTime()) this.dateModified = p.updatedAt;
    return this.write(text);
  }

  /**
   * Encodes straight into the current chunk. Concatenating item strings and converting the
   * result with Buffer.from cost more than rendering them (it flattens a rope of thousands
   * of pieces first): 20k groups, 45 MB, rendering 245 ms, + Buffer.from of 256 KiB ropes
   * 300 ms, + buf.write per item 20 ms (min of 7, under contention).
   */
  private write(s: string): Promise<void> | undefined {
    // UTF-8 needs at most 3 bytes per UTF-16 code unit.
    if (this.used + s.length * 3 > this.chunk.length) return this.writeAfterFlush(s);
    this.used += this.chunk.write(s, this.used, 'utf8');
    return this.used >= FLUSH_BYTES ? this.flush() : undefined;
  }

  private async writeAfterFlush(s: string): Promise<void> {
    await this.flush();
    if (s.length * 3 <= this.chunk.length) this.used = this.chunk.write(s, 0, 'utf8');
    else await this.send(Buffer.from(s, 'utf8'), false); // one item larger than a chunk
  }

  private async flush(): Promise<void> {
    if (this.used === 0) return;
    const full = this.chunk;
    const n = this.used;
    this.chunk = this.spare.pop() ?? Buffer.allocUnsafe(FLUSH_BYTES + CHUNK_SLACK);
    this.used = 0;
    await this.send(full.subarray(0, n), true, full);
  }

  private async send(buf: Buffer, reusable: boolean, whole: Buffer = buf): Promise<void> {
    this.bytesRaw += buf.length;
    // Backpressure by chunks in flight, not by 'drain': 'drain' fires only once gzip's buffer is
    // empty, so waiting for it left the thread pool idle while the main thread rendered the next
    // chunks, then the main thread idle while gzip caught up. A write callback fires when gzip has
    // consumed that chunk (zlib has copied it into its window, so the buffer can be reused).
    // Errors surface through `done` (the pipeline), so the callback only resolves.
    this.inFlight.push(
      new Promise<void>((resolve) =>
        this.gzip.write(buf, () => {
          if (reusable) this.spare.push(whole);
          resolve();
        }),
      ),
    );
    if (this.inFlight.length > CHUNKS_IN_FLIGHT) await Promise.race([this.inFlight.shift(), this.done]);
    // Rendering runs on the main thread, and so do zlib's completion callbacks that hand the
    // thread pool its next piece of work: yield once per chunk, or gzip idles until the writer
    // next has to wait (see FLUSH_BYTES for the numbers).
    else await nextTurn();
  }

  /** Writes the tail and seal, publishes the file under `key(version)` and reports what it holds. */
  async finish(key: (version: string) => string): Promise<WrittenFile> {
    try {
      await this.write(this.rendition.tail({ dateModified: this.dateModified, items: this.items }));
      await this.flush();
      // Everything before the seal, compressed to a byte boundary, is what the version hashes.
      await new Promise<void>((resolve) => this.gzip.flush(zlibConstants.Z_SYNC_FLUSH, resolve));
      const version = this.digest();
      // The seal is the one part outside the hash: it carries the hash.
      await this.send(Buffer.from(this.rendition.seal(version), 'utf8'), false);
      this.gzip.end();
      await this.done;
      await this.temp.commit(key(version));
      return {
        version,
        items: this.items,
        skipped: this.skipped,
        variants: this.variants,
        bytesRaw: this.bytesRaw,
        bytesGzip: this.bytesGzip,
        dateModified: this.dateModified,
      };
    } catch (err) {
      await this.abort();
      throw err;
    }
  }

  async abort(): Promise<void> {
    this.gzip.destroy();
    await this.temp.abort().catch(() => {});
  }
}

