// Provider faults: Synq pushes through a TCP fault proxy (resets, black holes,
// dropped responses, latency) and against fakes answering 429 + Retry-After and
// bursts of 5xx. Every push must end `succeeded` — or `dead` after the last
// attempt, with its reason — without creating a product twice; retries must wait
// within [0, min(cap, base·2^(n-1))] with Retry-After as a floor; and a tenant whose
// provider is stalled must not hold up another tenant's pushes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createShopifyConnector } from '../../src/providers/shopify/connector.ts';
import { startShopifyFake, type ShopifyFake } from '../../src/providers/shopify/fake/index.ts';
import { createWooCommerceConnector } from '../../src/providers/woocommerce/connector.ts';
import { startWooCommerceFake, type WooCommerceFake } from '../../src/providers/woocommerce/fake/index.ts';
import { newTenant, startService, type TestService, type TestTenant } from '../harness.ts';
import { connectShop, connectWooStore, waitFor } from '../e2e/flow.ts';
import { startFaultProxy, type Fault, type FaultProxy } from './faultProxy.ts';
import { createAndPush, duplicates, pushLogs, targetsOf, unsettled, waitSettled, type PushLog } from './pushes.ts';
import { FULL_RUN, recordTrial, reliabilityCount } from './report.ts';

const CLIENT_ID = 'faults-client';
const CLIENT_SECRET = 'faults-secret-0123456789';
const RETRY = { baseMs: 250, capMs: 2000, maxAttempts: 5 };
/** Short enough that a black-holed call costs little; long against a loopback fake's answer. */
const SHOPIFY_TIMEOUT_MS = 3000;
/** The stalled tenant's calls must outlast the other tenant's whole push by a wide margin. */
const WOO_TIMEOUT_MS = 15_000;

let shopify: ShopifyFake;
let woo: WooCommerceFake;
let shopifyProxy: FaultProxy;
let wooProxy: FaultProxy;
let svc: TestService;

beforeAll(async () => {
  // A roomy cost bucket: these tests are about faults, not about Shopify's rate limit.
  shopify = await startShopifyFake({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, autoApprove: true, bucket: { maximumAvailable: 100_000, restoreRate: 50_000 }, log: () => {} });
  woo = await startWooCommerceFake({ autoApprove: true, allowHttpCallback: true, log: () => {} });
  const port = (url: string) => Number(new URL(url).port);
  shopifyProxy = await startFaultProxy({ host: '127.0.0.1', port: port(shopify.url) });
  wooProxy = await startFaultProxy({ host: '127.0.0.1', port: port(woo.url) });
  // Every Shopify shop lives behind the proxy (SYNQ_SHOPIFY_SHOP_URL_TEMPLATE points at it).
  const shopUrlTemplate = `${shopifyProxy.url}/shops/{shop}`;
  svc = await startService({
    worker: true,
    env: {
      SHOPIFY_CLIENT_ID: CLIENT_ID,
      SHOPIFY_CLIENT_SECRET: CLIENT_SECRET,
      SYNQ_SHOPIFY_SHOP_URL_TEMPLATE: shopUrlTemplate,
      WOOCOMMERCE_APP_NAME: 'Synq Faults',
      SYNQ_WOOCOMMERCE_ALLOW_HTTP_LOOPBACK: 'true',
      SYNQ_PUSH_RETRY_BASE_MS: String(RETRY.baseMs),
      SYNQ_PUSH_RETRY_CAP_MS: String(RETRY.capMs),
      SYNQ_PUSH_MAX_ATTEMPTS: String(RETRY.maxAttempts),
    },
    // The same connectors as production, with call deadlines that fit a test run.
    providerOverrides: {
      shopify: createShopifyConnector(
        { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, scopes: 'read_products,write_products,read_orders,read_inventory', apiVersion: '2025-01', shopUrlTemplate },
        { timeoutMs: SHOPIFY_TIMEOUT_MS },
      ),
      woocommerce: createWooCommerceConnector({ appName: 'Synq Faults', allowHttpLoopback: true }, { timeoutMs: WOO_TIMEOUT_MS }),
    },
  });
}, 120_000);

afterAll(async () => {
  shopifyProxy?.setFault({ kind: 'pass' });
  wooProxy?.setFault({ kind: 'pass' });
  await woo?.idle();
  await svc?.close();
  await shopifyProxy?.close();
  await wooProxy?.close();
  await shopify?.close();
  await woo?.close();
});

/**
 * Saves the connection and waits for its initial sync: the sync calls the provider too, and a
 * fault meant for a push must not be spent on it.
 */
async function save(t: TestTenant, connectionId: string): Promise<void> {
  const saved = await svc.app.inject({ method: 'POST', url: '/api/v1/integrations/callback', headers: await svc.headers(t), payload: { connection_id: connectionId } });
  expect(saved.statusCode, saved.body).toBe(201);
  await waitFor(async () => {
    const res = await svc.app.inject({ method: 'GET', url: '/api/v1/integrations/connections', headers: await svc.headers(t) });
    const list = (res.json() as { connections: { connection_id: string; last_synced_at: string | null }[] }).connections;
    return list.find((c) => c.connection_id === connectionId)?.last_synced_at ?? null;
  }, 60_000);
}

async function shopifyTenant(shop: string): Promise<TestTenant> {
  const t = newTenant();
  await save(t, (await connectShop(svc, t, shop)).connectionId);
  return t;
}

async function wooTenant(storeUrl: string): Promise<TestTenant> {
  const t = newTenant();
  await save(t, (await connectWooStore(svc, t, storeUrl)).connectionId);
  return t;
}

/** Push outcome lines of these products, grouped per product in attempt order. */
function attemptsOf(productIds: string[]): Map<string, PushLog[]> {
  const wanted = new Set(productIds);
  const by = new Map<string, PushLog[]>();
  for (const l of pushLogs(svc.logs)) {
    if (!wanted.has(l.productId)) continue;
    by.set(l.productId, [...(by.get(l.productId) ?? []), l]);
  }
  for (const ls of by.values()) ls.sort((a, b) => a.attempt - b.attempt);
  return by;
}

const ceilingFor = (attempt: number) => Math.min(RETRY.capMs, RETRY.baseMs * 2 ** (attempt - 1));

describe('provider faults', () => {
  it('TCP faults (resets, black holes, dropped responses, latency): every push succeeds, no product is created twice', async () => {
    const shop = 'tcp-faults.myshopify.com';
    const t = await shopifyTenant(shop);
    // Each fault ends the attempt of every product in the request it hits (one request may carry
    // several products: Connector.upsertMany); at most `perRound` faults per round keeps every
    // product below the last attempt, so anything but `succeeded` is a bug.
    const perRound = 2;
    const rounds: { fault: Fault; failsWith: string[] }[] = [
      { fault: { kind: 'reset' }, failsWith: ['UNAVAILABLE'] },
      { fault: { kind: 'blackhole' }, failsWith: ['TIMEOUT'] },
      // The provider created the product; its answer is lost: the retry must find it, not create another.
      { fault: { kind: 'drop-response' }, failsWith: ['UNAVAILABLE', 'TIMEOUT'] },
      { fault: { kind: 'latency', ms: SHOPIFY_TIMEOUT_MS + 500 }, failsWith: ['TIMEOUT'] },
      { fault: { kind: 'latency', ms: 150 }, failsWith: [] },
    ];
    const repeat = reliabilityCount(4, 1);
    const productsPerRound = reliabilityCount(4, 2);
    const all: string[] = [];
    let failures = 0;
    for (let r = 0; r < repeat; r++) {
      for (const [i, round] of rounds.entries()) {
        const before = shopifyProxy.counts[round.fault.kind];
        shopifyProxy.queueFaults(round.fault, perRound);
        const pushed = await createAndPush(svc, t, productsPerRound, `TCP${r}-${i}`);
        all.push(...pushed.productIds);
        const settled = await waitSettled(svc, t, 90_000);
        expect(settled.filter((x) => x.status !== 'succeeded'), `round ${round.fault.kind}`).toEqual([]);
        // A fault that fails its request brings a retry, and so a next request for the next fault;
        // one that does not (latency under the deadline) may find its products already pushed
        // together in one request, and is left over.
        const delivered = shopifyProxy.counts[round.fault.kind] - before;
        const unused = shopifyProxy.clearQueued();
        expect(delivered + unused, `${round.fault.kind} faults`).toBe(perRound);
        if (round.failsWith.length > 0) expect(delivered, `${round.fault.kind} faults delivered`).toBe(perRound);
        else expect(delivered, `${round.fault.kind} faults delivered`).toBeGreaterThanOrEqual(1);
        const failed = [...attemptsOf(pushed.productIds).values()].flat().filter((l) => l.msg === 'push failed');
        if (round.failsWith.length > 0) {
          expect(failed.length).toBeGreaterThanOrEqual(perRound);
          expect(failed.length).toBeLessThanOrEqual(perRound * productsPerRound);
          for (const f of failed) expect(round.failsWith, JSON.stringify(f)).toContain(f.code);
        } else {
          expect(failed).toEqual([]);
        }
        failures += failed.length;
      }
    }
    const creations = shopify.creationsBySku(shop);
    expect(duplicates(creations)).toEqual({});
    expect(Object.keys(creations)).toHaveLength(all.length);
    const counts = shopifyProxy.counts;
    recordTrial({
      suite: 'provider-faults',
      tried: 'TCP resets, black holes, dropped responses, latency past and under the deadline, through a proxy',
      cases: all.length,
      lost: Object.keys(duplicates(creations)).length,
      figures: { failedAttempts: failures, resets: counts.reset, blackholes: counts.blackhole, droppedResponses: counts['drop-response'], delayed: counts.latency },
    });
  }, 600_000);

  it('429 with Retry-After: the retry waits at least Retry-After, then succeeds', async () => {
    const shop = 'rate-limited.myshopify.com';
    const t = await shopifyTenant(shop);
    const n = reliabilityCount(6, 2);
    const retryAfterSeconds = 3;
    // The first two requests answer 429; each may carry one product or several (upsertMany).
    shopify.injectFailure({ kind: 'http429', count: 2, shop, retryAfterSeconds });
    const pushed = await createAndPush(svc, t, n, 'RA');
    const settled = await waitSettled(svc, t, 120_000);
    expect(settled.filter((x) => x.status !== 'succeeded')).toEqual([]);
    const gaps: number[] = [];
    let retries = 0;
    for (const [id, ls] of attemptsOf(pushed.productIds)) {
      for (let i = 0; i < ls.length - 1; i++) {
        const failed = ls[i]!;
        expect(failed, id).toMatchObject({ msg: 'push failed', code: 'RATE_LIMITED', retryAfterMs: retryAfterSeconds * 1000, next: 'retry' });
        // The floor, and nothing above the larger of the floor and the backoff ceiling.
        expect(failed.retryInMs!).toBeGreaterThanOrEqual(retryAfterSeconds * 1000);
        expect(failed.retryInMs!).toBeLessThanOrEqual(Math.max(retryAfterSeconds * 1000, ceilingFor(failed.attempt)));
        // And it was applied: the next attempt's outcome comes no sooner. 500 ms covers the
        // commit between scheduling and the log line; ignoring Retry-After would retry within ~1 s.
        const gap = ls[i + 1]!.time - failed.time;
        expect(gap).toBeGreaterThanOrEqual(retryAfterSeconds * 1000 - 500);
        gaps.push(gap);
        retries++;
      }
      expect(ls.at(-1)!.msg).toBe('push succeeded');
    }
    expect(retries).toBeGreaterThanOrEqual(2);
    expect(retries).toBeLessThanOrEqual(2 * n);
    expect(duplicates(shopify.creationsBySku(shop))).toEqual({});
    recordTrial({
      suite: 'provider-faults',
      tried: `429 with Retry-After: ${retryAfterSeconds} s (the first 2 requests of ${n} pushes)`,
      cases: n,
      lost: settled.filter((x) => x.status !== 'succeeded').length,
      figures: { retries, minGapMs: Math.min(...gaps), maxGapMs: Math.max(...gaps) },
    });
  }, 300_000);

  it('a burst of 5xx: full-jitter backoff within [0, min(cap, base·2^(n-1))], then dead with the reason after the last attempt', async () => {
    const shop = 'down.myshopify.com';
    const t = await shopifyTenant(shop);
    const n = reliabilityCount(30, 3);
    const callsBefore = shopify.stats.injectedFailures;
    shopify.injectFailure({ kind: 'http500', count: 100_000, shop });
    const pushed = await createAndPush(svc, t, n, 'DOWN');
    const settled = await waitSettled(svc, t, 240_000);
    shopify.clearFailures();
    for (const x of settled) {
      expect(x).toMatchObject({ status: 'dead', attempts: RETRY.maxAttempts });
      expect(x.error).toMatch(/^UNAVAILABLE: Shopify .*HTTP 500/);
    }
    // Nothing retried behind the policy's back: no more calls than product attempts (a call may
    // carry several products' attempts), and at least one per attempt.
    const calls = shopify.stats.injectedFailures - callsBefore;
    expect(calls).toBeGreaterThanOrEqual(RETRY.maxAttempts);
    expect(calls).toBeLessThanOrEqual(n * RETRY.maxAttempts);
    const fractions: number[] = [];
    for (const ls of attemptsOf(pushed.productIds).values()) {
      expect(ls.map((l) => l.attempt)).toEqual([1, 2, 3, 4, 5]);
      for (const [i, l] of ls.entries()) {
        if (l.attempt === RETRY.maxAttempts) {
          expect(l.next).toBe('dead');
          continue;
        }
        expect(l.next).toBe('retry');
        expect(l.retryInMs!).toBeGreaterThanOrEqual(0);
        expect(l.retryInMs!).toBeLessThan(ceilingFor(l.attempt));
        expect(ls[i + 1]!.time - l.time).toBeGreaterThanOrEqual(l.retryInMs! - 500);
        fractions.push(l.retryInMs! / ceilingFor(l.attempt));
      }
    }
    // Jitter: delays are spread, not lock-step. Full jitter is uniform on [0, 1) of the ceiling:
    // with 120 samples the mean is 0.5 ± 0.026 (1 sd), so ±0.15 fails only on a real skew.
    expect(new Set(fractions.map((f) => f.toFixed(3))).size).toBeGreaterThan(fractions.length / 2);
    const mean = fractions.reduce((a, b) => a + b, 0) / fractions.length;
    if (FULL_RUN) expect(Math.abs(mean - 0.5)).toBeLessThan(0.15);

    // A burst shorter than the attempts recovers on its own.
    const flakyShop = 'flaky.myshopify.com';
    const t2 = await shopifyTenant(flakyShop);
    shopify.injectFailure({ kind: 'http500', count: 2, shop: flakyShop });
    await createAndPush(svc, t2, 1, 'FLAKY');
    const flaky = await waitSettled(svc, t2, 60_000);
    expect(flaky).toMatchObject([{ status: 'succeeded', attempts: 3 }]);
    recordTrial({
      suite: 'provider-faults',
      tried: `HTTP 500 on every call (${RETRY.maxAttempts} attempts, base ${RETRY.baseMs} ms, cap ${RETRY.capMs} ms), then a 2-call burst`,
      cases: n + 1,
      lost: settled.filter((x) => x.status !== 'dead').length + (flaky[0]?.status === 'succeeded' ? 0 : 1),
      figures: { retryDelays: fractions.length, meanJitterFraction: Number(mean.toFixed(3)) },
    });
  }, 600_000);

  it("a stalled provider does not hold up another tenant's pushes", async () => {
    // Two tenants on one connector (WooCommerce): A's store is behind the proxy, B's is not.
    const a = await wooTenant(woo.storeUrl('stalled').replace(woo.url, wooProxy.url));
    const b = await wooTenant(woo.storeUrl('healthy'));
    wooProxy.setFault({ kind: 'blackhole' });
    const stalledAt = Date.now();
    const aPushed = await createAndPush(svc, a, 12, 'STALL');
    // A's first calls are hanging at the proxy.
    await waitFor(async () => (await targetsOf(svc, a)).filter((x) => x.status === 'running').length >= 2, 30_000, 100);
    const bPushed = await createAndPush(svc, b, 3, 'HEALTHY');
    const bDone = await waitSettled(svc, b, 60_000);
    const bMs = Date.now() - stalledAt;
    expect(bDone.map((x) => x.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    // B finished while A's pushes were still stuck: none of them had settled. (An attempt may
    // already have failed retryably — the pinned WooCommerce agent sees ECONNRESET from the
    // black-holed proxy on some runs — and be waiting to retry; that is still "not settled".)
    const aNow = await targetsOf(svc, a);
    expect(aNow.filter((x) => !['queued', 'running'].includes(x.status))).toEqual([]);

    // The stall lifts: A's pushes time out, retry and succeed, once each.
    wooProxy.setFault({ kind: 'pass' });
    const aDone = await waitSettled(svc, a, 180_000);
    expect(aDone.filter((x) => x.status !== 'succeeded')).toEqual([]);
    expect(duplicates(woo.store('stalled').createRequestsBySku)).toEqual({});
    expect(duplicates(woo.store('healthy').createRequestsBySku)).toEqual({});
    expect(unsettled(aDone)).toEqual([]);
    recordTrial({
      suite: 'provider-faults',
      tried: "one tenant's WooCommerce store black-holed (12 pushes) while another tenant pushes 3",
      cases: aPushed.productIds.length + bPushed.productIds.length,
      lost: aDone.filter((x) => x.status !== 'succeeded').length,
      figures: { otherTenantDoneMs: bMs, stalledCallDeadlineMs: WOO_TIMEOUT_MS },
    });
  }, 300_000);
});

