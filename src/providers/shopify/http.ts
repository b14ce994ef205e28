// The transport edge shared by the OAuth and GraphQL calls: one place turns
// thrown fetch failures into ProviderErrors, so callers only handle responses.
import { ProviderError } from '../types.ts';

export interface HttpDeps {
  fetch: typeof fetch;
  timeoutMs: number;
}

/** Network-level error codes that mean "the other side went away", worth a retry. */
const TRANSIENT_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_SOCKET']);

function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  return errorCode((err as { cause?: unknown }).cause);
}

/**
 * fetch with a deadline. A timeout is TIMEOUT, a reset or refused connection is
 * UNAVAILABLE; messages name the operation, never the URL's secrets or a token.
 */
export async function send(deps: HttpDeps, what: string, url: string, init: RequestInit): Promise<Response> {
  try {
    return await deps.fetch(url, { ...init, signal: AbortSignal.timeout(deps.timeoutMs) });
  } catch (err) {
    const name = err instanceof Error ? err.name : '';
    if (name === 'TimeoutError' || name === 'AbortError') {
      throw new ProviderError('TIMEOUT', `Shopify ${what} timed out after ${deps.timeoutMs} ms`);
    }
    const code = errorCode(err);
    if (err instanceof TypeError || (code !== undefined && TRANSIENT_CODES.has(code))) {
      throw new ProviderError('UNAVAILABLE', `Shopify ${what} failed: ${code ?? 'network error'}`);
    }
    throw err;
  }
}

/** Reads a body we expect to be JSON; a body cut short by a timeout is TIMEOUT, nonsense is PROTOCOL. */
export async function readJson(res: Response, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await res.text();
  } catch (err) {
    const name = err instanceof Error ? err.name : '';
    if (name === 'TimeoutError' || name === 'AbortError') throw new ProviderError('TIMEOUT', `Shopify ${what} timed out`);
    throw new ProviderError('UNAVAILABLE', `Shopify ${what}: connection dropped while reading the response`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ProviderError('PROTOCOL', `Shopify ${what} answered HTTP ${res.status} with a body that is not JSON`, {
      status: res.status,
    });
  }
}

/** Retry-After is seconds (Shopify sends e.g. "2.0") or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now: number = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const secs = Number(header);
  if (Number.isFinite(secs) && secs >= 0) return Math.ceil(secs * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
