// Feed files in the data directory: {dataDir}/feeds/{tenant}/{version}.{format}.gz.
// Temporary files sit in the same file system, so publishing is one rename(2).
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { TEMP_PREFIX, type FeedStorage, type ObjectInfo, type TempObject } from './storage.ts';

const SAFE_KEY = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

export class DataDirStorage implements FeedStorage {
  readonly kind = 'data-dir' as const;
  private readonly root: string;

  constructor(dataDir: string) {
    this.root = join(dataDir, 'feeds');
  }

  private path(key: string): string {
    // Keys are built from uuids and hex versions; anything else is a bug, never a path to follow.
    if (!SAFE_KEY.test(key) || key.split('/').includes('..')) throw new Error(`unsafe storage key: ${key}`);
    return join(this.root, key);
  }

  openTemp(): TempObject {
    const tmp = this.path(`${TEMP_PREFIX}${randomUUID()}`);
    // Once per file, before the stream opens it: synchronous is simpler and costs nothing here.
    mkdirSync(dirname(tmp), { recursive: true });
    // flush: fsync before 'finish', so a published name never points at bytes still in the page cache.
    const stream = createWriteStream(tmp, { flush: true });
    return {
      stream,
      commit: async (key) => {
        const final = this.path(key);
        await mkdir(dirname(final), { recursive: true });
        await rename(tmp, final);
      },
      abort: async () => {
        stream.destroy();
        await rm(tmp, { force: true });
      },
    };
  }

  async putSmall(key: string, body: Buffer): Promise<void> {
    const final = this.path(key);
    const tmp = this.path(`${TEMP_PREFIX}${randomUUID()}`);
    await mkdir(dirname(tmp), { recursive: true });
    await writeFile(tmp, body, { flush: true });
    await mkdir(dirname(final), { recursive: true });
    await rename(tmp, final);
  }

  async stat(key: string): Promise<ObjectInfo | null> {
    try {
      const s = await stat(this.path(key));
      return { size: s.size, lastModified: s.mtime };
    } catch {
      return null;
    }
  }

  async read(key: string): Promise<Readable | null> {
    return (await this.stat(key)) ? createReadStream(this.path(key)) : null;
  }

  async readAll(key: string): Promise<Buffer | null> {
    try {
      return await readFile(this.path(key));
    } catch {
      return null;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }

  async *list(prefix: string): AsyncIterable<{ key: string; lastModified: Date }> {
    const dir = this.path(prefix.replace(/\/+$/, ''));
    let entries: string[];
    try {
      entries = await readdir(dir, { recursive: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const full = join(dir, e);
      const s = await stat(full).catch(() => null);
      if (s?.isFile()) yield { key: relative(this.root, full).split(sep).join('/'), lastModified: s.mtime };
    }
  }

  async presignGet(): Promise<string | null> {
    return null;
  }
}
