// In-memory cache of the connection facts webhook ingress needs (who owns a
// conn_… id and whether it is live). A webhook burst for one connection costs
// one lookup per TTL instead of one per delivery.
import type { ConnectionStatus } from '../domain/connectionLifecycle.ts';

export interface CachedConnection {
  /** Internal uuid (outbox/orders foreign key). */
  id: string;
  /** Public conn_… id. */
  connectionId: string;
  tenantId: string;
  orgId: string;
  status: ConnectionStatus;
  provider: string;
}

export interface ConnectionCacheOptions {
  /**
   * 5 s: short enough that a status change made by another process is seen within
   * a few seconds (and the outbox insert re-checks ACTIVE in SQL anyway), long
   * enough to absorb a delivery burst. Changes made by this process invalidate at once.
   */
  ttlMs?: number;
  /** Unknown ids are cached too (as null) so garbage ids cannot hammer the database; this bounds memory. */
  maxEntries?: number;
  now?: () => number;
}

interface Entry {
  expiresAt: number;
  value: Promise<CachedConnection | null>;
}

export class ConnectionCache {
  private readonly entries = new Map<string, Entry>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(
    private readonly load: (connectionId: string) => Promise<CachedConnection | null>,
    opts: ConnectionCacheOptions = {},
  ) {
    this.ttlMs = opts.ttlMs ?? 5_000;
    this.maxEntries = opts.maxEntries ?? 10_000;
    this.now = opts.now ?? Date.now;
  }

  /** Concurrent lookups of one id share one query; a failed lookup is not cached. */
  get(connectionId: string): Promise<CachedConnection | null> {
    const hit = this.entries.get(connectionId);
    if (hit !== undefined && hit.expiresAt > this.now()) return hit.value;
    if (hit !== undefined) this.entries.delete(connectionId);
    const value = this.load(connectionId);
    const entry: Entry = { expiresAt: this.now() + this.ttlMs, value };
    value.catch(() => {
      if (this.entries.get(connectionId) === entry) this.entries.delete(connectionId);
    });
    // Map iteration order is insertion order: the first key is the oldest entry.
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
    this.entries.set(connectionId, entry);
    return value;
  }

  invalidate(connectionId: string): void {
    this.entries.delete(connectionId);
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
