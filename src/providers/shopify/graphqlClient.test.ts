// The client's cost-bucket estimate: it waits before a query it expects Shopify to throttle.
import { describe, expect, it } from 'vitest';
import type { ShopifyAppConfig } from './config.ts';
import type { ConnectionContext } from '../types.ts';
import { ShopifyGraphqlClient } from './graphqlClient.ts';

const cfg: ShopifyAppConfig = { clientId: 'c', clientSecret: 's', scopes: '', apiVersion: '2025-01', shopUrlTemplate: 'https://{shop}' };
const ctx: ConnectionContext = { connectionId: 'c1', account: 'a.myshopify.com', accessToken: async () => 't', invalidateToken: async () => 't2', credentials: async () => ({ accessToken: 't' }) };

function answer(currentlyAvailable: number): Response {
  const body = { data: { ok: true }, extensions: { cost: { requestedQueryCost: 10, actualQueryCost: 10, throttleStatus: { maximumAvailable: 1000, currentlyAvailable, restoreRate: 50 } } } };
  return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
}

describe('ShopifyGraphqlClient bucket', () => {
  it('waits for the bucket to refill before an expensive query', async () => {
    let now = 1_000_000;
    const sleeps: number[] = [];
    const client = new ShopifyGraphqlClient({
      cfg,
      fetch: (async () => answer(100)) as typeof fetch,
      timeoutMs: 1000,
      now: () => now,
      sleep: async (ms) => {
        sleeps.push(ms);
        now += ms;
      },
    });
    await client.request(ctx, { what: 'q', query: '{ shop { id } }', estimatedCost: 10 });
    expect(sleeps).toEqual([]);
    expect(client.estimatedAvailable('a.myshopify.com')).toBe(100);
    // 300 points wanted, 100 available, 50/s restore: (300 - 100) / 50 = 4 s.
    await client.request(ctx, { what: 'q', query: '{ shop { id } }', estimatedCost: 300 });
    expect(sleeps).toEqual([4000]);
  });

  it('hands back RATE_LIMITED instead of waiting longer than maxWaitMs', async () => {
    const client = new ShopifyGraphqlClient({ cfg, fetch: (async () => answer(0)) as typeof fetch, timeoutMs: 1000, maxWaitMs: 1000, sleep: async () => {} });
    await client.request(ctx, { what: 'q', query: '{ shop { id } }', estimatedCost: 1 });
    await expect(client.request(ctx, { what: 'q', query: '{ shop { id } }', estimatedCost: 500 })).rejects.toMatchObject({ code: 'RATE_LIMITED', retryable: true });
  });

  it('maps a connection reset to UNAVAILABLE', async () => {
    const reset = Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNRESET' } });
    const client = new ShopifyGraphqlClient({ cfg, fetch: (async () => Promise.reject(reset)) as typeof fetch, timeoutMs: 1000 });
    await expect(client.request(ctx, { what: 'q', query: '{ shop { id } }', estimatedCost: 1 })).rejects.toMatchObject({ code: 'UNAVAILABLE', retryable: true });
  });
});
