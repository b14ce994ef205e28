import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProviderError, type PushResult } from '../providers/types.ts';
import { bulkFloorSeconds, chunk, failAll, inOrder, itemError, nextForTarget } from './pushOutcome.ts';

const policy = { baseMs: 1000, capMs: 60_000, maxAttempts: 3 };

describe('chunk', () => {
  it('keeps every item once, in order, in runs of at most the size', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 500 }), fc.integer({ min: 1, max: 120 }), (items, size) => {
        const runs = chunk(items, size);
        expect(runs.flat()).toEqual(items);
        expect(runs.every((r) => r.length >= 1 && r.length <= size)).toBe(true);
        expect(runs.length).toBe(Math.ceil(items.length / size));
      }),
    );
  });
  it('refuses a size that is not a positive integer', () => {
    expect(() => chunk([1], 0)).toThrow(RangeError);
    expect(() => chunk([1], 1.5)).toThrow(RangeError);
  });
});

describe('per-item outcomes', () => {
  it('classifies item errors: throttling and internal errors retry, data errors do not', () => {
    expect(itemError('X', { code: 'THROTTLED', message: '' })).toMatchObject({ code: 'RATE_LIMITED', retryable: true });
    expect(itemError('X', { code: 'x', message: '', status: 503 })).toMatchObject({ code: 'UNAVAILABLE', retryable: true });
    expect(itemError('X', { code: 'product_invalid_sku', message: 'dup', status: 400 })).toMatchObject({ code: 'VALIDATION', retryable: false });
    expect(itemError('X', { code: 'gone', message: '', status: 404 })).toMatchObject({ code: 'NOT_FOUND', retryable: false });
  });

  it('puts answers back in request order and marks a product the provider skipped as retryable', () => {
    const ok: PushResult = { remoteId: 'r1', variantIds: {} };
    const out = inOrder(['a', 'b', 'c'], new Map([['c', { ok: true as const, result: ok }], ['a', { ok: false as const, error: new ProviderError('VALIDATION', 'bad') }]]), 'X');
    expect(out.map((o) => o.productId)).toEqual(['a', 'b', 'c']);
    expect(out[0]).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(out[1]).toMatchObject({ ok: false, error: { code: 'PROTOCOL', retryable: true } });
    expect(out[2]).toMatchObject({ ok: true, result: ok });
  });

  it('a whole-call failure applies to every product', () => {
    const e = new ProviderError('RATE_LIMITED', 'slow down', { retryAfterMs: 2000 });
    expect(failAll(['a', 'b'], e).map((o) => (o.ok ? null : o.error))).toEqual([e, e]);
  });
});

describe('nextForTarget', () => {
  it('succeeds with the remote id, retries retryable errors until the last attempt, then dead', () => {
    expect(nextForTarget(policy, 1, { productId: 'a', ok: true, result: { remoteId: '7', variantIds: { S: '8' }, detail: 'live' } })).toEqual({
      kind: 'succeeded',
      remoteId: '7',
      variantIds: { S: '8' },
      detail: 'live',
    });
    const e = { productId: 'a', ok: false as const, error: new ProviderError('UNAVAILABLE', 'down') };
    const r = nextForTarget(policy, 1, e);
    expect(r.kind).toBe('retry');
    if (r.kind === 'retry') expect(r.delayMs).toBeLessThanOrEqual(1000);
    expect(nextForTarget(policy, 3, e)).toMatchObject({ kind: 'dead', error: 'UNAVAILABLE: down' });
    expect(nextForTarget(policy, 1, { productId: 'a', ok: false, error: new ProviderError('VALIDATION', 'no') })).toMatchObject({ kind: 'failed' });
    expect(nextForTarget(policy, 1, { productId: 'a', ok: false, error: new ProviderError('INVALID_GRANT', 'gone') })).toMatchObject({ kind: 'failed', error: expect.stringMatching(/REAUTH/) });
  });
});

describe('bulkFloorSeconds', () => {
  it('counts calls for a call-rate limit and items for a processing rate', () => {
    expect(bulkFloorSeconds({ maxItemsPerCall: 100, floor: { kind: 'calls-per-second', perSecond: 5 } }, 10_000)).toBe(20);
    expect(bulkFloorSeconds({ maxItemsPerCall: 100, floor: { kind: 'calls-per-second', perSecond: 5 } }, 101)).toBe(0.4);
    expect(bulkFloorSeconds({ maxItemsPerCall: 1, floor: { kind: 'items-per-second', perSecond: 250 } }, 10_000)).toBe(40);
    expect(bulkFloorSeconds({ maxItemsPerCall: 100, floor: null }, 10_000)).toBeNull();
  });
});
