// The streaming writer: rendition strings → 1 MiB buffers → gzip (on libuv's thread
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

// Bytes of rendered text per chunk handed to gzip, chunks in flight, and how often rendering
// yields to the event loop. zlib's thread compresses one chunk per round trip, and the next
// chunk is handed to it only when the main thread runs its completion callback: while the main
// thread renders, that waits for the next yield. With 256 KiB chunks and a yield per chunk, the
// gzip thread idled ~0.5 s of a ~2.3 s build (100k groups × 2 variants, 227 MB, from
// /proc/self/task/*/schedstat). Large chunks (each ~8 ms of compression) and a yield every
// 64 KiB of text (~0.5 ms of rendering) keep it fed: build / plain gzip 0.80× → 1.05× (medians
// of 5 interleaved single runs, 0.67–0.84 → 0.72–1.16; a second such set: 512 KiB chunks 0.78×,
// 1 MiB 0.87×). 1M variants: 0.85×, peak RSS 140 MB with the buffers shared (see constructor).
export const FLUSH_BYTES = 1024 * 1024;
/** Rendered bytes between yields to the event loop, which hands gzip its next chunk. */
const YIELD_BYTES = 64 * 1024;
/** Room past FLUSH_BYTES so most items fit before the flush rather than forcing one. */
const CHUNK_SLACK = 64 * 1024;
/** Chunks handed to gzip and not yet compressed, beyond which the writer waits. */
const CHUNKS_IN_FLIGHT = 3;
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

/** Hashes the compressed content as it is written, so the version is known before the seal. */
export class FeedFileWriter {
  private readonly gzip: Gzip;
  /** The version: SHA-256 of the compressed content (see hashingGzip). */
  private readonly digest: () => string;
  /** One promise per chunk written to gzip, settled when gzip has consumed it. */
  private readonly inFlight: Promise<void>[] = [];
  private readonly temp: TempObject;
  private readonly done: Promise<void>;
  private chunk: Buffer;
  private used = 0;
  /** `used` at which write() next yields to the event loop. */
  private nextYield = YIELD_BYTES;
  private bytesRaw = 0;
  private bytesGzip = 0;
  private items = 0;
  private skipped = 0;
  private variants = 0;
  private dateModified: Date | null = null;

  /**
   * `spare` holds chunk buffers gzip has consumed, reused instead of allocating ~1,000 per GB of
   * feed; the writers of one build share it, so a shard's buffers serve the next shard. With a
   * pool per writer, each of the 10 shards of 1M variants allocated its own ~5 MiB of chunks:
   * peak RSS 144 MB (143–147), shared 140 MB (135–142), medians of 3.
   */
  constructor(
    private readonly storage: FeedStorage,
    private readonly rendition: Rendition,
    private readonly tenantId: string,
    private readonly spare: Buffer[] = [],
  ) {
    this.chunk = this.newChunk();
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
   * must wait (once per ~64 KiB of text, YIELD_BYTES): an async method would cost a promise per product.
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
    if (this.used >= FLUSH_BYTES) return this.flush();
    if (this.used < this.nextYield) return undefined;
    this.nextYield = this.used + YIELD_BYTES;
    return nextTurn();
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
    this.chunk = this.newChunk();
    this.used = 0;
    this.nextYield = YIELD_BYTES;
    await this.send(full.subarray(0, n), true, full);
  }

  private newChunk(): Buffer {
    return this.spare.pop() ?? Buffer.allocUnsafe(FLUSH_BYTES + CHUNK_SLACK);
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
      this.spare.push(this.chunk); // every chunk in flight is back in `spare` by now
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

