// Bulk push outcomes: how many products go into each provider call, what one product's
// answer inside a bulk answer means, and what happens to its push target next. Pure rules;
// the push-bulk task (src/jobs/tasks/pushBulk.ts) applies them.
import { ProviderError, type BulkItemOutcome, type PushResult } from '../providers/types.ts';
import { decideRetry, type RetryPolicy } from './retry.ts';

/** Splits `items` into runs of at most `size`, in order. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`chunk size must be a positive integer, got ${size}`);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** A failure of the whole call (429, 5xx, 401 after refresh) is every product's outcome. */
export function failAll(productIds: readonly string[], error: ProviderError): BulkItemOutcome[] {
  return productIds.map((productId) => ({ productId, ok: false as const, error }));
}

/** A provider's per-item error, as Synq classifies it. */
export interface ItemError {
  /** The provider's own code ('product_invalid_sku', 'INVALID', 'THROTTLED', …). */
  code: string;
  message: string;
  /** HTTP-like status the provider attached to the item, when it gives one. */
  status?: number;
}

/**
 * Item-level errors are the provider refusing this item's data (permanent) unless they say
 * they were throttled or the provider failed internally: those are retried like a 429/5xx.
 */
export function itemError(providerName: string, e: ItemError): ProviderError {
  const text = `${providerName} refused the product (${e.code}): ${e.message}`.slice(0, 500);
  if (e.status === 429 || /THROTTL|RATE_LIMIT|too_many/i.test(e.code)) return new ProviderError('RATE_LIMITED', text);
  if ((e.status !== undefined && e.status >= 500) || /INTERNAL|UNAVAILABLE|TIMEOUT/i.test(e.code)) return new ProviderError('UNAVAILABLE', text);
  if (e.status === 404) return new ProviderError('NOT_FOUND', text);
  return new ProviderError('VALIDATION', text);
}

/**
 * Puts per-item answers back in the order of the products asked for. A product the provider
 * did not answer for is a protocol failure (retryable: the provider may have dropped it).
 */
export function inOrder(
  productIds: readonly string[],
  answers: ReadonlyMap<string, { ok: true; result: PushResult } | { ok: false; error: ProviderError }>,
  providerName: string,
): BulkItemOutcome[] {
  return productIds.map((productId): BulkItemOutcome => {
    const a = answers.get(productId);
    if (a === undefined) return { productId, ok: false, error: new ProviderError('PROTOCOL', `${providerName} returned no result for this product`, { retryable: true }) };
    return a.ok ? { productId, ok: true, result: a.result } : { productId, ok: false, error: a.error };
  });
}

export type TargetNext =
  | { kind: 'succeeded'; remoteId: string; variantIds: Record<string, string>; detail: string | null }
  | { kind: 'retry'; delayMs: number; error: string }
  | { kind: 'failed' | 'dead'; error: string };

/** What one target becomes after its bulk outcome, under the same retry policy as single pushes. */
export function nextForTarget(policy: RetryPolicy, attempt: number, outcome: BulkItemOutcome): TargetNext {
  if (outcome.ok) return { kind: 'succeeded', remoteId: outcome.result.remoteId, variantIds: outcome.result.variantIds, detail: outcome.result.detail ?? null };
  const err = outcome.error;
  const message = `${err.code}: ${err.message}`.slice(0, 1000);
  if (err.code === 'INVALID_GRANT') return { kind: 'failed', error: 'Connection needs to be authorized again (REAUTH_REQUIRED)' };
  const d = decideRetry(policy, attempt, err);
  return d.kind === 'retry' ? { kind: 'retry', delayMs: d.delayMs, error: message } : { kind: d.kind, error: message };
}

/** The provider's rate-limit floor for pushing `items` products through its bulk path, in seconds. */
export function bulkFloorSeconds(
  facts: { maxItemsPerCall: number; floor: { kind: 'calls-per-second' | 'items-per-second'; perSecond: number } | null },
  items: number,
): number | null {
  if (facts.floor === null) return null;
  return facts.floor.kind === 'calls-per-second' ? Math.ceil(items / facts.maxItemsPerCall) / facts.floor.perSecond : items / facts.floor.perSecond;
}
