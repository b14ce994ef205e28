// The SP-API transport: x-amz-access-token on every call, one token bucket per selling
// partner (5 requests/s, burst 10; the rate follows the x-amzn-RateLimit-Limit each answer
// carries), one token refresh on an Unauthorized answer, and SP-API's error list mapped
// to ProviderErrors (429 → RATE_LIMITED with the wait the bucket implies).
import type { AmazonAppConfig } from './config.ts';
import { isRecord, readJsonBody, retryAfterMs, transportError } from '../transport.ts';
import { ProviderError, type ConnectionContext } from '../types.ts';
import { AMAZON_FACTS } from './facts.ts';

export type Query = Record<string, string | undefined>;

export interface SpApiRequest {
  what: string;
  method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  path: string;
  query?: Query;
  body?: unknown;
  /**
   * The call has its own usage plan (Feeds API operations: createFeed 0.0083/s, getFeed 2/s, …):
   * the caller paces it, and neither the Listings Items bucket nor its x-amzn-RateLimit-Limit applies.
   */
  ownUsagePlan?: true;
}

export interface SpApiDeps {
  fetch: typeof fetch;
  timeoutMs: number;
  /** Longest in-process wait for the bucket before answering RATE_LIMITED instead. */
  maxThrottleWaitMs: number;
  /** The operation's usage plan when it is not Listings Items' (Orders API: orders.ts). */
  limits?: { perSecond: number; burst: number };
}

const seed = AMAZON_FACTS.rateLimit.kind === 'requests' ? AMAZON_FACTS.rateLimit : { perSecond: 5, burst: 10 };

/** A token bucket per seller: a burst of `burst` requests, then `perSecond`. */
export class SellerBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number; perSecond: number }>();
  constructor(
    private readonly burst = seed.burst,
    private readonly perSecond = seed.perSecond,
  ) {}

  /** Milliseconds to wait before the next request of this seller may go; the token is taken. */
  reserve(seller: string, now = Date.now()): number {
    const b = this.buckets.get(seller) ?? { tokens: this.burst, at: now, perSecond: this.perSecond };
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * b.perSecond);
    b.at = now;
    b.tokens -= 1;
    this.buckets.set(seller, b);
    return b.tokens >= 0 ? 0 : Math.ceil((-b.tokens / b.perSecond) * 1000);
  }

  /** Gives back a reservation that was not used (the wait was too long). */
  release(seller: string): void {
    const b = this.buckets.get(seller);
    if (b) b.tokens += 1;
  }

  /** The rate Amazon announced for this seller's calls (x-amzn-RateLimit-Limit). */
  observe(seller: string, limit: number): void {
    const b = this.buckets.get(seller);
    if (b && Number.isFinite(limit) && limit > 0) b.perSecond = limit;
  }

  /** After a 429 the bucket is empty whatever we counted. */
  drain(seller: string, now = Date.now()): number {
    const b = this.buckets.get(seller) ?? { tokens: 0, at: now, perSecond: this.perSecond };
    b.tokens = Math.min(b.tokens, 0);
    b.at = now;
    this.buckets.set(seller, b);
    return Math.ceil(1000 / b.perSecond);
  }
}

/** SP-API's error body {errors: [{code, message, details}]}; only the first code is echoed. */
async function errorCodeOf(res: Response): Promise<{ code: string; details: string }> {
  try {
    const body = (await res.json()) as unknown;
    const first = isRecord(body) && Array.isArray(body.errors) ? (body.errors[0] as unknown) : undefined;
    if (isRecord(first) && typeof first.code === 'string') {
      return { code: first.code.slice(0, 100), details: typeof first.details === 'string' ? first.details.slice(0, 200) : '' };
    }
  } catch {
    // not JSON: the status decides
  }
  return { code: `HTTP ${res.status}`, details: '' };
}

export class SpApiClient {
  readonly buckets: SellerBuckets;
  constructor(
    private readonly cfg: AmazonAppConfig,
    private readonly deps: SpApiDeps,
  ) {
    this.buckets = new SellerBuckets(deps.limits?.burst ?? seed.burst, deps.limits?.perSecond ?? seed.perSecond);
  }

  private async throttle(seller: string, what: string): Promise<void> {
    const wait = this.buckets.reserve(seller);
    if (wait === 0) return;
    if (wait > this.deps.maxThrottleWaitMs) {
      this.buckets.release(seller);
      throw new ProviderError('RATE_LIMITED', `Amazon ${what}: local rate limit (${this.deps.limits?.perSecond ?? seed.perSecond} requests/s) reached`, { retryAfterMs: wait });
    }
    await new Promise((r) => setTimeout(r, wait));
  }

  private async send(ctx: ConnectionContext, token: string, req: SpApiRequest): Promise<Response> {
    const url = new URL(`${this.cfg.spApiUrl}${req.path}`);
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
    if (!req.ownUsagePlan) await this.throttle(ctx.account, req.what);
    let res: Response;
    try {
      res = await this.deps.fetch(url, {
        method: req.method,
        headers: {
          'x-amz-access-token': token,
          accept: 'application/json',
          'user-agent': 'Synq/0.1 (Language=TypeScript)',
          ...(req.body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(req.body !== undefined ? { body: JSON.stringify(req.body) } : {}),
        redirect: 'error',
        signal: AbortSignal.timeout(this.deps.timeoutMs),
      });
    } catch (err) {
      throw transportError('Amazon', req.what, this.deps.timeoutMs, err) ?? err;
    }
    const limit = Number(res.headers.get('x-amzn-ratelimit-limit'));
    if (limit > 0 && !req.ownUsagePlan) this.buckets.observe(ctx.account, limit);
    return res;
  }

  private async mapError(ctx: ConnectionContext, res: Response, what: string): Promise<ProviderError> {
    const status = res.status;
    const { code, details } = await errorCodeOf(res);
    if (status === 429) {
      const bucketWait = this.buckets.drain(ctx.account);
      const after = retryAfterMs(res.headers.get('retry-after')) ?? bucketWait;
      return new ProviderError('RATE_LIMITED', `Amazon ${what} throttled (${code})`, { status, retryAfterMs: after });
    }
    if (status >= 500) return new ProviderError('UNAVAILABLE', `Amazon ${what} answered HTTP ${status} (${code})`, { status });
    if (status === 404) return new ProviderError('NOT_FOUND', `Amazon ${what}: not found (${code})`, { status });
    if (status === 401 || status === 403) return new ProviderError('UNAUTHORIZED', `Amazon ${what}: access denied (${code}${details ? `: ${details}` : ''})`, { status });
    return new ProviderError('VALIDATION', `Amazon ${what} refused the request (${code}, HTTP ${status})`, { status });
  }

  /**
   * One SP-API call. An Unauthorized answer (403, or 401) forces one token refresh and one
   * retry; a refresh LWA refuses is INVALID_GRANT (the context moves the connection to
   * REAUTH_REQUIRED).
   */
  async request<T>(ctx: ConnectionContext, req: SpApiRequest): Promise<T> {
    let token = await ctx.accessToken();
    let res = await this.send(ctx, token, req);
    if (res.status === 401 || res.status === 403) {
      await res.body?.cancel();
      token = await ctx.invalidateToken(token);
      res = await this.send(ctx, token, req);
    }
    if (res.status < 200 || res.status >= 300) throw await this.mapError(ctx, res, req.what);
    return (await readJsonBody('Amazon', res, req.what)) as T;
  }
}
