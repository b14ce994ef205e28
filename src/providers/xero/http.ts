// The Accounting API client: Bearer token plus the organisation in xero-tenant-id on
// every call, one forced refresh on 401, and Xero's answers mapped to ProviderErrors
// (429 with Retry-After and X-Rate-Limit-Problem, 5xx, ValidationException bodies).
import type { XeroAppConfig } from './config.ts';
import { isRecord, readJsonBody, retryAfterMs } from '../transport.ts';
import { ProviderError, type ConnectionContext } from '../types.ts';
import { ACCOUNTING_PREFIX } from './facts.ts';
import { send, type XeroHttpDeps } from './oauth.ts';

export interface XeroRequest {
  what: string;
  method: 'GET' | 'POST' | 'DELETE';
  /** Under /api.xro/2.0, e.g. /Items. */
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  idempotencyKey?: string;
}

/** The Message of each ValidationError in a ValidationException body, at most three, shortened. */
function validationMessages(body: unknown): string[] {
  if (!isRecord(body)) return [];
  const out: string[] = [];
  const elements = Array.isArray(body.Elements) ? body.Elements : [];
  for (const el of elements) {
    if (!isRecord(el) || !Array.isArray(el.ValidationErrors)) continue;
    for (const v of el.ValidationErrors) if (isRecord(v) && typeof v.Message === 'string') out.push(v.Message.slice(0, 200));
  }
  if (out.length === 0 && typeof body.Message === 'string') out.push(body.Message.slice(0, 200));
  return out.slice(0, 3);
}

async function mapError(res: Response, what: string): Promise<ProviderError> {
  const status = res.status;
  if (status === 429) {
    await res.body?.cancel();
    // minute (60/min per organisation), concurrent (5 in flight), day (5000/day), appminute (app-wide).
    const problem = (res.headers.get('x-rate-limit-problem') ?? 'unknown').slice(0, 20);
    const after = retryAfterMs(res.headers.get('retry-after'));
    const message = `Xero ${what} rate limited (${problem} limit)`;
    return new ProviderError('RATE_LIMITED', message, after === undefined ? { status } : { status, retryAfterMs: after });
  }
  if (status >= 500) {
    await res.body?.cancel();
    return new ProviderError('UNAVAILABLE', `Xero ${what} answered HTTP ${status}`, { status });
  }
  let body: unknown = null;
  try {
    body = (await res.json()) as unknown;
  } catch {
    // not JSON: the status decides
  }
  if (status === 404) return new ProviderError('NOT_FOUND', `Xero ${what}: not found`, { status });
  // The organisation disconnected the app (or never granted it): only a new consent helps.
  if (status === 403) return new ProviderError('INVALID_GRANT', `Xero ${what}: the organisation no longer authorizes this app`, { status });
  const messages = validationMessages(body);
  return new ProviderError('VALIDATION', `Xero ${what} refused the request (HTTP ${status}${messages.length ? `: ${messages.join('; ')}` : ''})`, { status });
}

export class XeroApiClient {
  constructor(
    private readonly deps: XeroHttpDeps,
    private readonly cfg: XeroAppConfig,
  ) {}

  private async once(ctx: ConnectionContext, token: string, req: XeroRequest): Promise<Response> {
    const url = new URL(`${this.cfg.apiUrl}${ACCOUNTING_PREFIX}${req.path}`);
    for (const [k, v] of Object.entries(req.query ?? {})) url.searchParams.set(k, v);
    return send(this.deps, req.what, url.toString(), {
      method: req.method,
      headers: {
        authorization: `Bearer ${token}`,
        'xero-tenant-id': ctx.account,
        accept: 'application/json',
        ...(req.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(req.idempotencyKey !== undefined ? { 'idempotency-key': req.idempotencyKey } : {}),
      },
      ...(req.body !== undefined ? { body: JSON.stringify(req.body) } : {}),
    });
  }

  /** One call; null for an empty answer (DELETE's 204). */
  async request<T>(ctx: ConnectionContext, req: XeroRequest): Promise<T | null> {
    const token = await ctx.accessToken();
    let res = await this.once(ctx, token, req);
    if (res.status === 401) {
      // Expired early or revoked: one forced refresh (INVALID_GRANT from it moves the
      // connection to REAUTH_REQUIRED), then one retry.
      await res.body?.cancel();
      const fresh = await ctx.invalidateToken(token);
      res = await this.once(ctx, fresh, req);
      if (res.status === 401) {
        await res.body?.cancel();
        throw new ProviderError('UNAUTHORIZED', `Xero ${req.what}: access token rejected after a refresh`, { status: 401 });
      }
    }
    if (res.status < 200 || res.status >= 300) throw await mapError(res, req.what);
    if (res.status === 204) {
      await res.body?.cancel();
      return null;
    }
    return (await readJsonBody('Xero', res, req.what)) as T;
  }
}
