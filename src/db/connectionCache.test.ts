import { describe, expect, it } from 'vitest';
import { ConnectionCache, type CachedConnection } from './connectionCache.ts';

const conn = (connectionId: string, status: CachedConnection['status'] = 'ACTIVE'): CachedConnection => ({
  id: '00000000-0000-4000-8000-000000000001',
  connectionId,
  tenantId: '00000000-0000-4000-8000-000000000002',
  orgId: '00000000-0000-4000-8000-000000000003',
  status,
  provider: 'shopify',
});

function setup(opts: { maxEntries?: number } = {}) {
  let now = 1_000;
  const calls: string[] = [];
  let status: CachedConnection['status'] = 'ACTIVE';
  let fail = false;
  const cache = new ConnectionCache(
    async (id) => {
      calls.push(id);
      if (fail) throw new Error('db down');
      return id === 'conn_missing' ? null : conn(id, status);
    },
    { ttlMs: 5_000, now: () => now, ...opts },
  );
  return {
    cache,
    calls,
    advance: (ms: number) => (now += ms),
    setStatus: (s: CachedConnection['status']) => (status = s),
    setFail: (f: boolean) => (fail = f),
  };
}

describe('ConnectionCache', () => {
  it('serves repeated lookups from memory until the TTL passes', async () => {
    const s = setup();
    await s.cache.get('conn_a');
    await s.cache.get('conn_a');
    s.advance(4_999);
    await s.cache.get('conn_a');
    expect(s.calls).toEqual(['conn_a']);
    s.advance(1);
    s.setStatus('DISCONNECTED');
    expect((await s.cache.get('conn_a'))?.status).toBe('DISCONNECTED');
    expect(s.calls).toEqual(['conn_a', 'conn_a']);
  });

  it('reloads an invalidated entry at once', async () => {
    const s = setup();
    await s.cache.get('conn_a');
    s.setStatus('REAUTH_REQUIRED');
    s.cache.invalidate('conn_a');
    expect((await s.cache.get('conn_a'))?.status).toBe('REAUTH_REQUIRED');
  });

  it('caches unknown ids, shares one load between concurrent lookups, and never caches a failure', async () => {
    const s = setup();
    expect(await s.cache.get('conn_missing')).toBeNull();
    expect(await s.cache.get('conn_missing')).toBeNull();
    await Promise.all([s.cache.get('conn_b'), s.cache.get('conn_b'), s.cache.get('conn_b')]);
    expect(s.calls).toEqual(['conn_missing', 'conn_b']);
    s.setFail(true);
    await expect(s.cache.get('conn_c')).rejects.toThrow('db down');
    s.setFail(false);
    expect(await s.cache.get('conn_c')).not.toBeNull();
  });

  it('evicts the oldest entries beyond maxEntries', async () => {
    const s = setup({ maxEntries: 2 });
    await s.cache.get('conn_1');
    await s.cache.get('conn_2');
    await s.cache.get('conn_3');
    expect(s.cache.size).toBe(2);
    await s.cache.get('conn_1');
    expect(s.calls).toEqual(['conn_1', 'conn_2', 'conn_3', 'conn_1']);
  });
});
