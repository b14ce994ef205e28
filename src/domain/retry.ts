// Retry timing for provider calls: capped exponential backoff with full jitter
// (uniform in [0, min(cap, base·2^(attempt-1))]), and the provider's Retry-After
// as a floor when it gives one. Full jitter spreads a burst of failures out
// instead of retrying them in lock-step.
export interface RetryPolicy {
  baseMs: number;
  capMs: number;
  maxAttempts: number;
}

export function backoffMs(policy: RetryPolicy, attempt: number, retryAfterMs: number | undefined, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  const jittered = Math.floor(random() * ceiling);
  return retryAfterMs !== undefined ? Math.max(retryAfterMs, jittered) : jittered;
}

export type RetryDecision = { kind: 'retry'; delayMs: number } | { kind: 'dead' } | { kind: 'failed' };

export function decideRetry(policy: RetryPolicy, attempt: number, err: { retryable: boolean; retryAfterMs?: number | undefined }): RetryDecision {
  if (!err.retryable) return { kind: 'failed' };
  if (attempt >= policy.maxAttempts) return { kind: 'dead' };
  return { kind: 'retry', delayMs: backoffMs(policy, attempt, err.retryAfterMs) };
}
