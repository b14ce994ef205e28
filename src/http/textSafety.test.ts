import { describe, expect, it } from 'vitest';
import { findUnstorableText } from './textSafety.ts';

describe('findUnstorableText', () => {
  it('accepts ordinary unicode, including astral characters', () => {
    expect(findUnstorableText({ title: 'Café 👟 テスト', tags: ['a', { b: 'ü' }] })).toBeNull();
  });
  it('finds NUL and unpaired surrogates in values and keys, at any depth', () => {
    expect(findUnstorableText({ title: 'a\u0000b' })).toBe('body/title');
    expect(findUnstorableText({ v: [{ x: '\ud800' }] })).toBe('body/v/0/x');
    expect(findUnstorableText({ v: { 'k\u0000': 1 } })).toBe('body/v (a key)');
    expect(findUnstorableText({ s: '\udc00x' })).toBe('body/s');
  });
  it('walks deep nesting without recursion', () => {
    let deep: unknown = 'x\u0000';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(findUnstorableText(deep)).toMatch(/^body(\/0)+$/);
  });
});
