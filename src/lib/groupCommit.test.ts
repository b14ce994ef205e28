import { describe, expect, it } from 'vitest';
import { KeyedGroupCommit } from './groupCommit.ts';

describe('KeyedGroupCommit', () => {
  it('flushes the items of one key submitted together at once, and keys separately', async () => {
    const flushes: [string, number[]][] = [];
    const gc = new KeyedGroupCommit<number, number>(async (key, items) => {
      flushes.push([key, items]);
      return items.map((i) => i * 10);
    });
    const out = await Promise.all([gc.submit('a', 1), gc.submit('b', 2), gc.submit('a', 3)]);
    expect(out).toEqual([10, 20, 30]);
    expect(flushes).toEqual([
      ['a', [1, 3]],
      ['b', [2]],
    ]);
  });

  it('keeps one flush in flight per key; what arrives meanwhile goes in the next', async () => {
    const flushes: number[][] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const gc = new KeyedGroupCommit<number, number>(async (_key, items) => {
      flushes.push(items);
      if (flushes.length === 1) await gate;
      return items;
    });
    const first = gc.submit('k', 1);
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    const later = [gc.submit('k', 2), gc.submit('k', 3)];
    release();
    expect(await Promise.all([first, ...later])).toEqual([1, 2, 3]);
    expect(flushes).toEqual([[1], [2, 3]]);
  });

  it('rejects every caller of a failed flush and goes on with the next', async () => {
    let calls = 0;
    const gc = new KeyedGroupCommit<number, number>(async (_key, items) => {
      calls++;
      if (calls === 1) throw new Error('database down');
      return items;
    });
    const failed = await Promise.allSettled([gc.submit('k', 1), gc.submit('k', 2)]);
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(await gc.submit('k', 3)).toBe(3);
  });

  it('caps a flush at maxBatch items', async () => {
    const sizes: number[] = [];
    const gc = new KeyedGroupCommit<number, number>(async (_key, items) => {
      sizes.push(items.length);
      return items;
    }, 2);
    await Promise.all([1, 2, 3, 4, 5].map((i) => gc.submit('k', i)));
    expect(sizes).toEqual([2, 2, 1]);
  });
});
