import { describe, expect, it } from 'vitest';
import { randomHex } from './randomHex.ts';

describe('randomHex', () => {
  it('gives the asked number of hex bytes, across pool refills', () => {
    for (const n of [1, 12, 16, 4096]) {
      for (let i = 0; i < 600; i++) expect(randomHex(n)).toMatch(new RegExp(`^[0-9a-f]{${2 * n}}$`));
    }
  });

  it('never hands out the same id twice (no reused pool bytes)', () => {
    // 50,000 ids of 96 bits span ~150 pool refills; a collision by chance is ~2^-66.
    const seen = new Set<string>();
    for (let i = 0; i < 50_000; i++) seen.add(randomHex(12));
    expect(seen.size).toBe(50_000);
  });

  it('looks uniform: every nibble value about equally often', () => {
    const counts = new Array<number>(16).fill(0);
    for (let i = 0; i < 20_000; i++) for (const c of randomHex(12)) counts[parseInt(c, 16)]!++;
    // 480,000 nibbles, 30,000 expected per value; 5 standard deviations is ~±840.
    for (const c of counts) expect(Math.abs(c - 30_000)).toBeLessThan(1_000);
  });

  it('refuses sizes it cannot serve from one pool', () => {
    for (const n of [0, -1, 1.5, 4097, Number.NaN]) expect(() => randomHex(n)).toThrow(RangeError);
  });
});
