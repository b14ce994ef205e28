// REST v3 over HTTPS with Basic auth (consumer key : consumer secret), through the
// SSRF guard on every request and every redirect hop, connecting only to the addresses it
// checked (lib/guardedFetch.ts): the store URL is tenant input.
// Non-2xx answers become ProviderErrors with WooCommerce's own error code in the message.
import type { FetchLike } from '../../lib/guardedFetch.ts';
import { SsrfError } from '../../lib/ssrfGuard.ts';
import { isRecord, readJsonBody, retryAfterMs, transportError } from '../transport.ts';
import { ProviderError, type ConnectionContext } from '../types.ts';
import { REST_PREFIX } from './facts.ts';

export interface WooHttpDeps {
  /** createGuardedFetch for the connector's SSRF policy. */
  fetch: FetchLike;
  timeoutMs: number;
}

export type Query = Record<string, string | number | boolean | undefined>;

export interface WooResponse<T> {
  data: T;
  /** X-WP-TotalPages of a collection; 1 when absent. */
  totalPages: number;
}

export interface WooRequest {
  what: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  query?: Query;
  body?: unknown;
}

export function restUrl(account: string, path: string, query: Query = {}): string {
  const u = new URL(`${account}${REST_PREFIX}${path}`);
  for (const [k, v] of Object.entries(query)) if (v !== undefined) u.searchParams.set(k, String(v));
  return u.toString();
}

/** WooCommerce's error body {code, message, data: {status}}; only the code is echoed (messages may carry input). */
async function errorCodeOf(res: Response): Promise<string> {
  try {
    const body = (await res.json()) as unknown;
    if (isRecord(body) && typeof body.code === 'string') return body.code.slice(0, 100);
  } catch {
    // not JSON: the status decides
  }
  return `HTTP ${res.status}`;
}

async function mapError(res: Response, what: string): Promise<ProviderError> {
  const status = res.status;
  const code = await errorCodeOf(res);
  if (status === 429) {
    const after = retryAfterMs(res.headers.get('retry-after'));
    return new ProviderError('RATE_LIMITED', `WooCommerce ${what} rate limited`, after === undefined ? { status } : { status, retryAfterMs: after });
  }
  if (status >= 500) return new ProviderError('UNAVAILABLE', `WooCommerce ${what} answered HTTP ${status} (${code})`, { status });
  if (status === 404) return new ProviderError('NOT_FOUND', `WooCommerce ${what}: not found (${code})`, { status });
  if (status === 401) return new ProviderError('UNAUTHORIZED', `WooCommerce ${what}: API keys rejected (${code})`, { status });
  if (status >= 300 && status < 400) {
    return new ProviderError('VALIDATION', `WooCommerce ${what}: the store redirected a write; connect it again with its final URL`, { status });
  }
  return new ProviderError('VALIDATION', `WooCommerce ${what} refused the request (${code}, HTTP ${status})`, { status });
}

export class WooRestClient {
  constructor(private readonly deps: WooHttpDeps) {}

  private async send(account: string, auth: string, req: WooRequest): Promise<Response> {
    const init: RequestInit = {
      method: req.method,
      headers: {
        authorization: auth,
        accept: 'application/json',
        ...(req.body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(req.body !== undefined ? { body: JSON.stringify(req.body) } : {}),
      signal: AbortSignal.timeout(this.deps.timeoutMs),
    };
    try {
      return await this.deps.fetch(restUrl(account, req.path, req.query), init);
    } catch (err) {
      if (err instanceof SsrfError) throw new ProviderError('VALIDATION', `WooCommerce ${req.what}: the store URL ${err.message}`);
      throw transportError('WooCommerce', req.what, this.deps.timeoutMs, err) ?? err;
    }
  }

  /**
   * One REST call. A 401 means the keys were revoked: the connection context is told
   * (it moves the connection to REAUTH_REQUIRED; keys cannot be refreshed) and the
   * answer is INVALID_GRANT.
   */
  async request<T>(ctx: ConnectionContext, req: WooRequest): Promise<WooResponse<T>> {
    const creds = await ctx.credentials();
    if (creds.accessSecret === undefined) throw new ProviderError('INVALID_GRANT', 'No WooCommerce consumer secret stored; connect the store again');
    const auth = `Basic ${Buffer.from(`${creds.accessToken}:${creds.accessSecret}`).toString('base64')}`;
    const res = await this.send(ctx.account, auth, req);
    if (res.status === 401) {
      await res.body?.cancel();
      await ctx.invalidateToken(creds.accessToken);
      throw new ProviderError('INVALID_GRANT', `WooCommerce ${req.what}: API keys rejected`, { status: 401 });
    }
    if (res.status < 200 || res.status >= 300) throw await mapError(res, req.what);
    const data = (await readJsonBody('WooCommerce', res, req.what)) as T;
    const pages = Number(res.headers.get('x-wp-totalpages') ?? '1');
    return { data, totalPages: Number.isInteger(pages) && pages > 0 ? pages : 1 };
  }
}
