// Shopify's side of the shared transport (../transport.ts): the OAuth and GraphQL
// calls go through send/readJson, so callers only handle responses.
import { isRecord, readJsonBody, retryAfterMs, transportError } from '../transport.ts';

export { isRecord, retryAfterMs };

export interface HttpDeps {
  fetch: typeof fetch;
  timeoutMs: number;
}

/** fetch with a deadline; thrown failures become ProviderErrors (TIMEOUT, UNAVAILABLE). */
export async function send(deps: HttpDeps, what: string, url: string, init: RequestInit): Promise<Response> {
  try {
    return await deps.fetch(url, { ...init, signal: AbortSignal.timeout(deps.timeoutMs) });
  } catch (err) {
    throw transportError('Shopify', what, deps.timeoutMs, err) ?? err;
  }
}

export const readJson = (res: Response, what: string): Promise<unknown> => readJsonBody('Shopify', res, what);
