// The transport edge every connector shares: one place turns thrown fetch failures
// into ProviderErrors (a timeout is TIMEOUT, a reset or refused connection is
// UNAVAILABLE) and reads bodies we expect to be JSON. Messages name the provider and
// the operation, never a URL's secrets or a token.
import { ProviderError } from './types.ts';

/** Network-level error codes that mean "the other side went away", worth a retry. */
const TRANSIENT_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_SOCKET']);

function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  return errorCode((err as { cause?: unknown }).cause);
}

/** The ProviderError for a thrown fetch failure, or null when it is not a transport failure (a bug: rethrow). */
export function transportError(provider: string, what: string, timeoutMs: number, err: unknown): ProviderError | null {
  const name = err instanceof Error ? err.name : '';
  if (name === 'TimeoutError' || name === 'AbortError') return new ProviderError('TIMEOUT', `${provider} ${what} timed out after ${timeoutMs} ms`);
  const code = errorCode(err);
  if (err instanceof TypeError || (code !== undefined && TRANSIENT_CODES.has(code))) {
    return new ProviderError('UNAVAILABLE', `${provider} ${what} failed: ${code ?? 'network error'}`);
  }
  return null;
}

/** Reads a body we expect to be JSON; a body cut short by a timeout is TIMEOUT, nonsense is PROTOCOL. */
export async function readJsonBody(provider: string, res: Response, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await res.text();
  } catch (err) {
    const name = err instanceof Error ? err.name : '';
    if (name === 'TimeoutError' || name === 'AbortError') throw new ProviderError('TIMEOUT', `${provider} ${what} timed out`);
    throw new ProviderError('UNAVAILABLE', `${provider} ${what}: connection dropped while reading the response`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ProviderError('PROTOCOL', `${provider} ${what} answered HTTP ${res.status} with a body that is not JSON`, { status: res.status });
  }
}

/** Retry-After is seconds (e.g. "2.0") or an HTTP date; undefined when absent or unreadable. */
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
