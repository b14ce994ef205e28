import { describe, expect, it } from 'vitest';
import { backoffMs, decideRetry } from './retry.ts';

const policy = { baseMs: 100, capMs: 1000, maxAttempts: 4 };

describe('retry policy', () => {
  it('full jitter stays within [0, min(cap, base·2^(n-1))]', () => {
    for (let attempt = 1; attempt <= 8; attempt++) {
      const ceiling = Math.min(1000, 100 * 2 ** (attempt - 1));
      expect(backoffMs(policy, attempt, undefined, () => 0)).toBe(0);
      expect(backoffMs(policy, attempt, undefined, () => 0.999999)).toBe(Math.floor(0.999999 * ceiling));
      for (let i = 0; i < 50; i++) {
        const d = backoffMs(policy, attempt, undefined);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThan(ceiling);
      }
    }
  });

  it('Retry-After is a floor', () => {
    expect(backoffMs(policy, 1, 5000, () => 0.5)).toBe(5000);
    expect(backoffMs(policy, 5, 10, () => 0.5)).toBe(500);
  });

  it('permanent errors fail, the last attempt is dead, others retry', () => {
    expect(decideRetry(policy, 1, { retryable: false })).toEqual({ kind: 'failed' });
    expect(decideRetry(policy, 4, { retryable: true })).toEqual({ kind: 'dead' });
    expect(decideRetry(policy, 2, { retryable: true }).kind).toBe('retry');
  });
});
