// The Admin GraphQL transport: token header, one retry after a rejected token,
// failures mapped to retryable/permanent ProviderErrors, and a per-shop estimate
// of Shopify's leaky cost bucket so we wait instead of getting THROTTLED.
import type { ShopifyAppConfig } from './config.ts';
import { ProviderError, type ConnectionContext } from '../types.ts';
import { SHOPIFY_FACTS } from './facts.ts';
import { isRecord, readJson, retryAfterMs, send, type HttpDeps } from './http.ts';
import { shopBaseUrl } from './oauth.ts';

export interface GraphqlCall {
  /** Names the call in error messages ("productSet"). */
  what: string;
  query: string;
  variables?: Record<string, unknown>;
  /**
   * What we expect Shopify to charge up front (requestedQueryCost), worked out per query where it is
   * declared. Only used to decide whether to wait; Shopify's own numbers replace the estimate after.
   */
  estimatedCost: number;
}

interface Bucket {
  maximumAvailable: number;
  available: number;
  restoreRate: number;
  /** ms timestamp `available` was last true at. */
  at: number;
  /** Counts throttleStatus readings, to tell whether a call reported its real cost. */
  observations: number;
}

export interface GraphqlClientOptions extends HttpDeps {
  cfg: ShopifyAppConfig;
  /** Longest we wait in-process for the bucket to refill; beyond it we hand back RATE_LIMITED for the worker to reschedule. */
  maxWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

interface ThrottleStatus {
  maximumAvailable: number;
  currentlyAvailable: number;
  restoreRate: number;
}

function readCost(body: Record<string, unknown>): { requested: number | undefined; throttle: ThrottleStatus | undefined } {
  const ext = body.extensions;
  const cost = isRecord(ext) ? ext.cost : undefined;
  if (!isRecord(cost)) return { requested: undefined, throttle: undefined };
  const requested = typeof cost.requestedQueryCost === 'number' ? cost.requestedQueryCost : undefined;
  const t = cost.throttleStatus;
  if (
    isRecord(t) &&
    typeof t.maximumAvailable === 'number' &&
    typeof t.currentlyAvailable === 'number' &&
    typeof t.restoreRate === 'number' &&
    t.restoreRate > 0
  ) {
    return { requested, throttle: { maximumAvailable: t.maximumAvailable, currentlyAvailable: t.currentlyAvailable, restoreRate: t.restoreRate } };
  }
  return { requested, throttle: undefined };
}

function errorCodes(errors: unknown[]): string[] {
  return errors.flatMap((e) => (isRecord(e) && isRecord(e.extensions) && typeof e.extensions.code === 'string' ? [e.extensions.code] : []));
}

function errorMessages(errors: unknown[]): string {
  return errors
    .map((e) => (isRecord(e) && typeof e.message === 'string' ? e.message : 'unknown error'))
    .slice(0, 3)
    .join('; ');
}

export class ShopifyGraphqlClient {
  readonly #opts: GraphqlClientOptions;
  readonly #buckets = new Map<string, Bucket>();
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #now: () => number;

  constructor(opts: GraphqlClientOptions) {
    this.#opts = opts;
    this.#sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.#now = opts.now ?? Date.now;
  }

  /** Current estimate of points available for a shop (for tests and metrics). */
  estimatedAvailable(shop: string): number {
    return this.#level(this.#bucket(shop));
  }

  #bucket(shop: string): Bucket {
    let b = this.#buckets.get(shop);
    if (b === undefined) {
      const facts = SHOPIFY_FACTS.rateLimit;
      const max = facts.kind === 'cost-bucket' ? facts.maximumAvailable : 1000;
      const rate = facts.kind === 'cost-bucket' ? facts.restorePerSecond : 50;
      b = { maximumAvailable: max, available: max, restoreRate: rate, at: this.#now(), observations: 0 };
      this.#buckets.set(shop, b);
    }
    return b;
  }

  #level(b: Bucket): number {
    return Math.min(b.maximumAvailable, b.available + ((this.#now() - b.at) / 1000) * b.restoreRate);
  }

  /** Waits until the estimate can pay `cost`, then books it so concurrent calls see the spend. Returns what was booked. */
  async #reserve(shop: string, cost: number): Promise<number> {
    const b = this.#bucket(shop);
    const level = this.#level(b);
    const cappedCost = Math.min(cost, b.maximumAvailable);
    if (level < cappedCost) {
      const waitMs = Math.ceil(((cappedCost - level) / b.restoreRate) * 1000);
      const max = this.#opts.maxWaitMs ?? 5000;
      if (waitMs > max) {
        throw new ProviderError('RATE_LIMITED', 'Shopify cost budget exhausted for this shop', { retryAfterMs: waitMs });
      }
      await this.#sleep(waitMs);
    }
    const now = this.#now();
    b.available = this.#level(b) - cappedCost;
    b.at = now;
    return cappedCost;
  }

  /**
   * A call that came back without a throttleStatus (429, 5xx, timeout, reset) told us nothing about
   * its cost, and Shopify charges nothing for requests it did not run: give the booking back, or a
   * few failures in a row would make us wait for points we never spent.
   */
  #release(shop: string, booked: number, observationsBefore: number): void {
    const b = this.#bucket(shop);
    if (b.observations !== observationsBefore) return;
    b.available = Math.min(b.maximumAvailable, this.#level(b) + booked);
    b.at = this.#now();
  }

  #observe(shop: string, t: ThrottleStatus): void {
    const b = this.#bucket(shop);
    b.maximumAvailable = t.maximumAvailable;
    b.restoreRate = t.restoreRate;
    b.available = t.currentlyAvailable;
    b.at = this.#now();
    b.observations += 1;
  }

  /** Runs one query or mutation and returns its `data`. Throws ProviderError on every expected failure. */
  async request<T>(ctx: ConnectionContext, call: GraphqlCall): Promise<T> {
    const shop = ctx.account;
    const url = `${shopBaseUrl(this.#opts.cfg, shop)}/admin/api/${this.#opts.cfg.apiVersion}/graphql.json`;
    const body = JSON.stringify({ query: call.query, variables: call.variables ?? {} });
    let token = await ctx.accessToken();
    for (let attempt = 0; ; attempt++) {
      const observationsBefore = this.#bucket(shop).observations;
      const booked = await this.#reserve(shop, call.estimatedCost);
      try {
        const res = await send(this.#opts, call.what, url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json', 'x-shopify-access-token': token },
          body,
        });
        if (res.status === 401) {
          await res.body?.cancel();
          if (attempt === 0) {
            // The token may have expired or been rotated under us: force one refresh and try again.
            token = await ctx.invalidateToken(token);
            continue;
          }
          throw new ProviderError('UNAUTHORIZED', `Shopify ${call.what}: access token rejected after refresh`, { status: 401 });
        }
        return await this.#handle<T>(shop, call.what, res);
      } finally {
        this.#release(shop, booked, observationsBefore);
      }
    }
  }

  async #handle<T>(shop: string, what: string, res: Response): Promise<T> {
    const status = res.status;
    if (status === 429) {
      await res.body?.cancel();
      // Without Retry-After, one second is what the REST docs recommend waiting.
      throw new ProviderError('RATE_LIMITED', `Shopify ${what} rate limited (HTTP 429)`, {
        status,
        retryAfterMs: retryAfterMs(res.headers.get('retry-after')) ?? 1000,
      });
    }
    if (status >= 500) {
      await res.body?.cancel();
      throw new ProviderError('UNAVAILABLE', `Shopify ${what} answered HTTP ${status}`, { status });
    }
    if (status === 404) {
      await res.body?.cancel();
      throw new ProviderError('NOT_FOUND', `Shopify ${what}: shop or API version not found (HTTP 404)`, { status });
    }
    if (status < 200 || status >= 300) {
      await res.body?.cancel();
      throw new ProviderError('VALIDATION', `Shopify ${what} refused the request (HTTP ${status})`, { status });
    }
    const body = await readJson(res, what);
    if (!isRecord(body)) throw new ProviderError('PROTOCOL', `Shopify ${what} answered a non-object`);
    const { requested, throttle } = readCost(body);
    if (throttle !== undefined) this.#observe(shop, throttle);
    const errors = Array.isArray(body.errors) ? body.errors : body.errors !== undefined ? [body.errors] : [];
    if (errors.length > 0) {
      const codes = errorCodes(errors);
      if (codes.includes('THROTTLED')) {
        // Shopify refills at restoreRate points/s; wait until the bucket can pay what this query asked for.
        const missing = throttle !== undefined && requested !== undefined ? requested - throttle.currentlyAvailable : 0;
        const retry = throttle !== undefined ? Math.max(100, Math.ceil((missing / throttle.restoreRate) * 1000)) : 1000;
        throw new ProviderError('RATE_LIMITED', `Shopify ${what} throttled`, { retryAfterMs: retry });
      }
      if (codes.includes('INTERNAL_SERVER_ERROR')) throw new ProviderError('UNAVAILABLE', `Shopify ${what}: internal error`);
      if (codes.includes('ACCESS_DENIED')) throw new ProviderError('VALIDATION', `Shopify ${what}: access denied (missing scope?)`);
      // Anything else is a query Shopify cannot run: our bug, not worth retrying.
      throw new ProviderError('PROTOCOL', `Shopify ${what} rejected the query: ${errorMessages(errors)}`);
    }
    if (!isRecord(body.data)) throw new ProviderError('PROTOCOL', `Shopify ${what} returned no data`);
    return body.data as T;
  }
}

/** userErrors are Shopify saying no to our data: permanent for this payload. */
export function throwOnUserErrors(what: string, userErrors: { field?: string[] | null; message: string }[] | undefined): void {
  if (userErrors === undefined || userErrors.length === 0) return;
  const detail = userErrors.map((e) => (e.field ? `${e.field.join('.')}: ${e.message}` : e.message)).join('; ');
  throw new ProviderError('VALIDATION', `Shopify ${what}: ${detail}`);
}
