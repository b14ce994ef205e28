// The fast JSON-LD writer against its reference: for any product, the text it writes
// is exactly JSON.stringify of the schema-dts typed node (so it also parses to that
// object), including escaping of quotes, controls and lone surrogates, option names
// that collide on one property, integer-like option names, and missing fields.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonldItem } from './jsonld.ts';
import { jsonldItemWriter, jsonString } from './jsonldText.ts';
import { storeUrls, type CatalogProduct, type StoreProfile } from './model.ts';

// Any UTF-16 code unit, lone surrogates and C0 controls included, mixed with plain text:
// the writer's fast path (nothing to escape) and its fallback must both be exercised.
const anyUnit = fc.oneof(
  fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
  fc.constantFrom('"', '\\', '\n', '\u2028', '😀', 'é', '/', '<'),
  fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 4 }),
);
const text = fc.string({ unit: anyUnit, maxLength: 30 });
// URL parts go through encodeURIComponent, which throws on lone surrogates; the database
// never holds them (PostgreSQL text is valid UTF-8), so these use whole code points.
const urlText = fc.string({ unit: 'binary', minLength: 1, maxLength: 20 });
const at = fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true });

const variantArb = fc.record({
  id: fc.uuid(),
  sku: urlText,
  barcode: fc.option(fc.constantFrom('4006381333931', '96385074', '036000291452', '10012345678902', '4006381333932', '12345', 'ABC'), { nil: null }),
  price: fc.oneof(fc.constantFrom('0', '39', '41.50', '9999999999999.9999'), text),
  currency: fc.constantFrom('USD', 'EUR', 'JPY', 'BHD'),
  optionValues: fc.dictionary(fc.oneof(fc.constantFrom('Size', 'size ', 'Color', 'colour', 'COLOR', 'Material', 'Pattern', 'Fit', '2', '10', '尺寸'), text), text, { maxKeys: 5 }),
  inventoryQuantity: fc.option(fc.integer({ min: -5, max: 20 }), { nil: null }),
  position: fc.nat({ max: 10 }),
});

const productArb: fc.Arbitrary<CatalogProduct> = fc.record({
  id: fc.uuid(),
  title: text,
  description: fc.option(text, { nil: null }),
  category: fc.option(text, { nil: null }),
  brand: fc.option(text, { nil: null }),
  handle: fc.option(urlText, { nil: null }),
  images: fc.array(fc.oneof(fc.webUrl(), text), { maxLength: 4 }),
  createdAt: at,
  updatedAt: at,
  variants: fc.array(variantArb, { maxLength: 5 }),
});

const storeArb: fc.Arbitrary<StoreProfile> = fc.record({
  tenantId: fc.uuid(),
  name: text,
  url: fc.oneof(fc.constant('https://acme.example'), fc.webUrl(), text.map((s) => `https://x.example/${s}`)),
  returnPolicy: fc.constant(null),
});

describe('fast JSON-LD item writer', () => {
  it('jsonString is JSON.stringify for every string', () => {
    fc.assert(
      fc.property(text, (s) => {
        expect(jsonString(s)).toBe(JSON.stringify(s));
      }),
      { numRuns: 2000 },
    );
  });

  it('writes exactly the typed reference node, for random stores and products', () => {
    fc.assert(
      fc.property(storeArb, fc.array(productArb, { minLength: 1, maxLength: 5 }), (store, products) => {
        const write = jsonldItemWriter(store);
        const urls = storeUrls(store);
        for (const p of products) {
          const reference = jsonldItem(p, urls);
          const fast = write(p);
          if (reference === null) {
            expect(fast).toBeNull();
            continue;
          }
          expect(fast).toBe(JSON.stringify(reference));
          expect(JSON.parse(fast!)).toEqual(JSON.parse(JSON.stringify(reference)));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('a second option naming the same property keeps the first one\'s place and the last one\'s value', () => {
    const d = new Date('2026-03-14T10:00:00.123Z');
    const p: CatalogProduct = {
      id: 'p1', title: 'T', description: null, category: null, brand: null, handle: null, images: ['https://x.example/a.jpg'],
      createdAt: d, updatedAt: d,
      variants: [{ id: 'v1', sku: 'S', barcode: null, price: '1', currency: 'USD', optionValues: { Color: 'Red', Size: 'M', colour: 'Blue' }, inventoryQuantity: 0, position: 0 }],
    };
    const node = JSON.parse(jsonldItemWriter({ tenantId: 't', name: 'S', url: 'https://s.example', returnPolicy: null })(p)!) as { dateCreated: string; item: Record<string, unknown> };
    expect(node.dateCreated).toBe('2026-03-14T10:00:00.123Z');
    expect(Object.entries(node.item).filter(([k]) => k === 'color' || k === 'size')).toEqual([['color', 'Blue'], ['size', 'M']]);
  });
});
