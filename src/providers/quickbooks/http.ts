// The Accounting API client: bearer token, minorversion on every call, JSON in and out.
// Intuit's error body is a Fault ({Fault:{Error:[{Message,Detail,code,element}],type}}; 401s
// come as lower-case {fault:{error:[…],type:"AUTHENTICATION"}}); it becomes a ProviderError
// here, in one place. A rejected token is refreshed once and the call retried.
import type { QuickBooksAppConfig } from './config.ts';
import { isRecord, readJsonBody, retryAfterMs, transportError } from '../transport.ts';
import { ProviderError, type ConnectionContext } from '../types.ts';

export interface QboHttpDeps {
  fetch: typeof fetch;
  timeoutMs: number;
}

export async function sendQbo(deps: QboHttpDeps, what: string, url: string, init: RequestInit): Promise<Response> {
  try {
    return await deps.fetch(url, { ...init, redirect: 'error', signal: AbortSignal.timeout(deps.timeoutMs) });
  } catch (err) {
    throw transportError('QuickBooks', what, deps.timeoutMs, err) ?? err;
  }
}

export interface QboFault {
  type: string;
  /** Intuit's numeric error code as a string ("5010" is a stale SyncToken, "610" an object not found). */
  code: string;
  message: string;
}

/** QBO's error code for "Stale Object Error": the SyncToken sent is not the entity's current one. */
export const STALE_OBJECT_CODE = '5010';

/** A Fault from the body, whichever case Intuit used; null when the body is not one. */
export function parseFault(body: unknown): QboFault | null {
  if (!isRecord(body)) return null;
  const fault = body.Fault ?? body.fault;
  if (!isRecord(fault)) return null;
  const errors = fault.Error ?? fault.error;
  const first = Array.isArray(errors) && isRecord(errors[0]) ? errors[0] : {};
  const str = (v: unknown) => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');
  return {
    type: str(fault.type),
    code: str(first.code),
    // Message only (Detail may echo our input); bounded for logs and job errors.
    message: str(first.Message ?? first.message).slice(0, 200),
  };
}

/** A ProviderError that keeps the Fault, so callers can react to a specific code (a stale SyncToken). */
export class QboFaultError extends ProviderError {
  constructor(
    code: ConstructorParameters<typeof ProviderError>[0],
    message: string,
    readonly fault: QboFault | null,
    opts: { retryAfterMs?: number; status?: number } = {},
  ) {
    super(code, message, opts);
  }
}

export function faultToError(status: number, fault: QboFault | null, what: string, retryAfter: string | null): QboFaultError {
  const label = fault ? `${fault.type || 'Fault'} ${fault.code}: ${fault.message}` : `HTTP ${status}`;
  const type = fault?.type.toLowerCase() ?? '';
  if (status === 429 || type === 'throttleexceeded') {
    const after = retryAfterMs(retryAfter);
    return new QboFaultError('RATE_LIMITED', `QuickBooks ${what} throttled (${label})`, fault, after === undefined ? { status } : { status, retryAfterMs: after });
  }
  if (status >= 500) return new QboFaultError('UNAVAILABLE', `QuickBooks ${what} answered ${label}`, fault, { status });
  if (status === 401 || type === 'authenticationfault' || type === 'authentication') {
    return new QboFaultError('UNAUTHORIZED', `QuickBooks ${what}: access token rejected`, fault, { status });
  }
  if (status === 404 || fault?.code === '610') return new QboFaultError('NOT_FOUND', `QuickBooks ${what}: not found (${label})`, fault, { status });
  // ValidationFault, AuthorizationFault (403: the company or user lacks the right) and the rest are permanent.
  return new QboFaultError('VALIDATION', `QuickBooks ${what} refused the request (${label})`, fault, { status });
}

export interface QboRequest {
  what: string;
  method: 'GET' | 'POST';
  /** Under /v3/company/{realmId}, e.g. "/item" or "/query". */
  path: string;
  query?: Record<string, string>;
  body?: unknown;
}

export class QboClient {
  constructor(
    private readonly deps: QboHttpDeps,
    private readonly cfg: QuickBooksAppConfig,
  ) {}

  url(realmId: string, path: string, query: Record<string, string> = {}): string {
    const u = new URL(`${this.cfg.apiUrl}/v3/company/${encodeURIComponent(realmId)}${path}`);
    for (const [k, v] of Object.entries(query)) u.searchParams.set(k, v);
    u.searchParams.set('minorversion', String(this.cfg.minorVersion));
    return u.toString();
  }

  private async once(ctx: ConnectionContext, token: string, req: QboRequest): Promise<Response> {
    return sendQbo(this.deps, req.what, this.url(ctx.account, req.path, req.query), {
      method: req.method,
      headers: {
        authorization: `Bearer ${token}`,
        accept: 'application/json',
        ...(req.body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(req.body !== undefined ? { body: JSON.stringify(req.body) } : {}),
    });
  }

  async request<T>(ctx: ConnectionContext, req: QboRequest): Promise<T> {
    let token = await ctx.accessToken();
    let res = await this.once(ctx, token, req);
    if (res.status === 401) {
      await res.body?.cancel();
      // Refresh once (INVALID_GRANT from here moves the connection to REAUTH_REQUIRED), then retry.
      token = await ctx.invalidateToken(token);
      res = await this.once(ctx, token, req);
    }
    if (!res.ok) {
      let body: unknown = null;
      try {
        body = await readJsonBody('QuickBooks', res, req.what);
      } catch (err) {
        if (!(err instanceof ProviderError) || err.code !== 'PROTOCOL') throw err;
      }
      throw faultToError(res.status, parseFault(body), req.what, res.headers.get('retry-after'));
    }
    const body = await readJsonBody('QuickBooks', res, req.what);
    // Intuit can answer 200 with a Fault body (batch-style errors): treat it as the error it is.
    const fault = parseFault(body);
    if (fault !== null) throw faultToError(400, fault, req.what, null);
    return body as T;
  }
}
