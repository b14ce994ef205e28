// isoTimestamp and uriComponent are exactly the builtins they stand in for.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoTimestamp, uriComponent } from './textFormat.ts';

describe('isoTimestamp', () => {
  it('is toISOString for any date, the fast range and outside it', () => {
    fc.assert(
      // Half from the whole Date range, half from the range formatted here.
      fc.property(fc.oneof(fc.date({ noInvalidDate: true }), fc.date({ min: new Date(0), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true })), (d) => {
        expect(isoTimestamp(d)).toBe(d.toISOString());
      }),
      { numRuns: 20_000 },
    );
    // The edges: the epoch, leap days, the ends of months and years, the last moment before year 10000.
    for (const s of ['1970-01-01T00:00:00.000Z', '1999-12-31T23:59:59.999Z', '2000-02-29T12:00:00.000Z', '2024-02-29T00:00:00.001Z', '2100-03-01T00:00:00.000Z', '9999-12-31T23:59:59.999Z', '1969-12-31T23:59:59.999Z', '+010000-01-01T00:00:00.000Z']) {
      expect(isoTimestamp(new Date(s))).toBe(s);
    }
    expect(() => isoTimestamp(new Date(NaN))).toThrow(RangeError);
  });
});

describe('uriComponent', () => {
  it('is encodeURIComponent for any well-formed string', () => {
    const unit = fc.oneof(fc.constantFrom(...`-_.!~*'()/?#[]@$&+,;=% "<>\\^\`{|}`), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }));
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 20 }), (s) => {
        expect(uriComponent(s)).toBe(encodeURIComponent(s));
      }),
      { numRuns: 5_000 },
    );
    for (let c = 0; c < 128; c++) expect(uriComponent(String.fromCharCode(c))).toBe(encodeURIComponent(String.fromCharCode(c)));
  });
});
