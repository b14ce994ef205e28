// The renditions against the real vocabularies and schemas: JSON-LD expansion +
// schema.org 30.0 vocabulary, Google's rules (Adobe validator), ACP (ajv), Merchant
// RSS; then the same on random catalogs (fast-check).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  acpProblems,
  catalogContractsAvailable,
  expand,
  offlineDocumentLoader,
  parseMerchantRss,
  structuredDataIssues,
  vocabularyProblems,
} from '../../test/catalogValidators.ts';
import { DataDirStorage } from './dataDirStorage.ts';
import { indexKey, storageKey } from './formats.ts';
import type { CatalogProduct, StoreProfile } from './model.ts';
import { writeFeeds } from './writeFeeds.ts';

const haveContracts = catalogContractsAvailable('catalog validation');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const store: StoreProfile = {
  tenantId: '6f1c3a52-7c1e-4c57-9a55-0c0b8f0f4d11',
  name: 'Acme Outfitters',
  url: 'https://acme.example',
  returnPolicy: {
    applicableCountry: ['US', 'CA'],
    returnPolicyCategory: 'https://schema.org/MerchantReturnFiniteReturnWindow',
    merchantReturnDays: 30,
    returnMethod: 'https://schema.org/ReturnByMail',
    returnFees: 'https://schema.org/FreeReturn',
    merchantReturnLink: 'https://acme.example/returns',
  },
};

let seq = 0;
const uuid = () => `00000000-0000-4000-8000-${String(++seq).padStart(12, '0')}`;
const at = new Date('2026-03-14T10:00:00.000Z');

function product(over: Partial<CatalogProduct> = {}): CatalogProduct {
  return {
    id: uuid(),
    title: 'Trail Tee',
    description: 'Lightweight merino trail running t-shirt.',
    category: 'Apparel & Accessories > Clothing > Shirts & Tops',
    brand: 'Acme',
    handle: null,
    images: ['https://cdn.acme.example/img/trail-tee/main.jpg', 'https://cdn.acme.example/img/trail-tee/back.jpg'],
    createdAt: at,
    updatedAt: new Date('2026-08-30T17:42:11.000Z'),
    variants: [
      { id: uuid(), sku: `TT-${seq}-M`, barcode: '4006381333931', price: '39', currency: 'USD', optionValues: { Size: 'M', Color: 'Forest Green' }, inventoryQuantity: 3, position: 0 },
      { id: uuid(), sku: `TT-${seq}-L`, barcode: '4006381333932', price: '41.50', currency: 'USD', optionValues: { Size: 'L', Color: 'Forest Green' }, inventoryQuantity: 0, position: 1 },
    ],
    ...over,
  };
}

export interface BuiltFeeds {
  jsonld: Record<string, unknown>;
  shards: Record<string, unknown>[];
  acp: unknown[];
  merchant: string;
}

async function build(products: CatalogProduct[], shardSize?: number): Promise<BuiltFeeds> {
  const dir = mkdtempSync(join(tmpdir(), 'synq-feed-'));
  dirs.push(dir);
  const storage = new DataDirStorage(dir);
  async function* batches() {
    for (let i = 0; i < products.length; i += 3) yield products.slice(i, i + 3);
  }
  const files = await writeFeeds(storage, store, batches(), { expectedGroups: products.length, ...(shardSize ? { shardSize } : {}) });
  const read = (key: string) => gunzipSync(readFileSync(join(dir, 'feeds', key))).toString('utf8');
  const j = files.jsonld!;
  const shards = j.shards.map((s) => JSON.parse(read(storageKey(store.tenantId, s, 'jsonld'))) as Record<string, unknown>);
  const jsonld = j.shards.length
    ? (JSON.parse(readFileSync(join(dir, 'feeds', indexKey(store.tenantId, j.version)), 'utf8')) as Record<string, unknown>)
    : (JSON.parse(read(storageKey(store.tenantId, j.version, 'jsonld'))) as Record<string, unknown>);
  const acp = read(storageKey(store.tenantId, files.acp!.version, 'acp'))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as unknown);
  return { jsonld, shards, acp, merchant: read(storageKey(store.tenantId, files.merchant!.version, 'merchant')) };
}

/** Every validator the issue names, on one built catalog; returns the problems found. */
async function validate(feeds: BuiltFeeds): Promise<string[]> {
  const problems: string[] = [];
  const docs = feeds.shards.length ? feeds.shards : [feeds.jsonld];
  for (const doc of docs) {
    problems.push(...vocabularyProblems(await expand(doc)));
    const items = ((doc.dataFeedElement as { item: Record<string, unknown> }[]) ?? []).map((e) => e.item);
    const errors = (await structuredDataIssues(items)).filter((i) => i.severity === 'ERROR');
    problems.push(...errors.map((e) => `sdv: ${e.rootType}: ${e.issueMessage}`));
  }
  if (feeds.shards.length) problems.push(...vocabularyProblems(await expand(feeds.jsonld)));
  for (const line of feeds.acp) problems.push(...acpProblems(line).map((e) => `acp: ${JSON.stringify(e)}`));
  problems.push(...parseMerchantRss(feeds.merchant).problems.map((p) => `merchant: ${p}`));
  return problems;
}

describe.skipIf(!haveContracts)('catalog renditions against the shared contracts', () => {
  it('the offline loader serves schema.org and refuses every other URL', async () => {
    await expect(offlineDocumentLoader('https://schema.org/')).resolves.toMatchObject({ documentUrl: 'https://schema.org/' });
    await expect(offlineDocumentLoader('https://evil.example/context.jsonld')).rejects.toThrow(/refuses/);
    await expect(expand({ '@context': 'https://example.com/ctx', name: 'x' })).rejects.toThrow();
  });

  it('the vocabulary check catches a misspelled property that @vocab would let through', async () => {
    const expanded = await expand({ '@context': 'https://schema.org', '@type': 'Offer', prise: '10' });
    expect(vocabularyProblems(expanded)).toEqual([expect.stringContaining('unknown property prise')]);
    expect(vocabularyProblems(await expand({ '@context': 'https://schema.org', '@type': 'Offer', price: '10' }))).toEqual([]);
  });

  it('the structured-data validator does fire on a broken item (so zero errors means something)', async () => {
    const issues = await structuredDataIssues([{ '@type': 'Product', name: 'No offer', image: 'https://x.example/a.jpg' }]);
    expect(issues.some((i) => i.severity === 'ERROR')).toBe(true);
  });

  it('a catalog of groups, single products and edge cases passes every validator', async () => {
    const feeds = await build([
      product(),
      product({ variants: [{ id: uuid(), sku: 'SOLO-1', barcode: '123', price: '1999.5', currency: 'EUR', optionValues: {}, inventoryQuantity: null, position: 0 }] }),
      product({ title: 'Yen tee', description: null, brand: null, category: null, handle: 'yen-tee', variants: [
        { id: uuid(), sku: 'Y-1', barcode: null, price: '1500', currency: 'JPY', optionValues: { Fit: 'Slim' }, inventoryQuantity: 1, position: 0 },
        { id: uuid(), sku: 'Y-2', barcode: '96385074', price: '1500', currency: 'JPY', optionValues: { Fit: 'Loose' }, inventoryQuantity: 0, position: 1 },
      ] }),
      product({ images: [] }),
    ]);
    expect(await validate(feeds)).toEqual([]);
    const doc = feeds.jsonld;
    expect(doc['@type']).toBe('CompleteDataFeed');
    expect(doc.version).toMatch(/^[0-9a-f]{32}$/);
    expect(doc.publisher).toMatchObject({ '@type': 'OnlineStore', '@id': 'https://acme.example/#org', hasMerchantReturnPolicy: { merchantReturnDays: 30 } });
    const items = (doc.dataFeedElement as { item: Record<string, unknown> }[]).map((e) => e.item);
    expect(items.map((i) => i['@type'])).toEqual(['ProductGroup', 'Product', 'ProductGroup']); // the image-less product is left out
    const group = items[0]!;
    expect(group.variesBy).toEqual(['https://schema.org/size', 'https://schema.org/color']);
    const [m, l] = group.hasVariant as Record<string, unknown>[];
    expect(m).toMatchObject({ gtin13: '4006381333931', size: 'M', color: 'Forest Green', inProductGroupWithID: group.productGroupID, isVariantOf: { '@id': group['@id'] } });
    expect(m!.offers).toMatchObject({ price: '39', priceCurrency: 'USD', availability: 'https://schema.org/InStock', seller: { '@id': 'https://acme.example/#org' } });
    expect(l).not.toHaveProperty('gtin13'); // bad check digit
    expect(l!.offers).toMatchObject({ availability: 'https://schema.org/OutOfStock', price: '41.50' });
    expect(feeds.acp).toHaveLength(4);
    expect((feeds.acp[1] as { variants: { price: unknown }[] }).variants[0]!.price).toEqual({ amount: 199950, currency: 'EUR' });
    const rss = parseMerchantRss(feeds.merchant);
    expect(rss.items).toHaveLength(5);
    expect(rss.items[0]).toMatchObject({ 'g:id': expect.stringMatching(/-M$/), 'g:price': '39.00 USD', 'g:gtin': '4006381333931', 'g:availability': 'in_stock' });
    expect(rss.items.find((i) => i['g:id'] === 'Y-1')).toMatchObject({ 'g:price': '1500 JPY', 'g:identifier_exists': 'no' });
  });

  it('the same catalog always yields the same version; a change yields another', async () => {
    const ps = [product(), product()];
    const a = await build(ps);
    const b = await build(ps);
    expect(a.jsonld.version).toBe(b.jsonld.version);
    const c = await build([ps[0]!, { ...ps[1]!, title: 'Changed' }]);
    expect(c.jsonld.version).not.toBe(a.jsonld.version);
  });

  it('shards a catalog above the per-file limit behind an index DataFeed', async () => {
    const feeds = await build([product(), product(), product(), product(), product()], 2);
    expect(feeds.jsonld['@type']).toBe('DataFeed');
    expect(feeds.shards.map((s) => (s.dataFeedElement as unknown[]).length)).toEqual([2, 2, 1]);
    expect(feeds.shards.every((s) => s['@type'] === 'DataFeed' && typeof s.version === 'string')).toBe(true);
    expect((feeds.jsonld.dataFeedElement as { url: string }[]).map((e) => e.url)).toEqual(feeds.shards.map((s) => `${String(s.version)}.jsonld`));
    expect(await validate(feeds)).toEqual([]);
  });

  it('random catalogs (unicode, missing fields, zero stock, many options) always validate', async () => {
    const text = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }).filter((s) => s.trim().length > 0);
    const variantArb = fc.record({
      price: fc.tuple(fc.nat({ max: 99999 }), fc.option(fc.nat({ max: 9999 }), { nil: undefined })).map(([i, f]) => (f === undefined ? String(i) : `${i}.${f}`)),
      currency: fc.constantFrom('USD', 'EUR', 'JPY', 'BHD', 'GBP'),
      stock: fc.option(fc.integer({ min: -5, max: 20 }), { nil: null }),
      barcode: fc.option(fc.constantFrom('4006381333931', '96385074', '036000291452', '10012345678902', '12345', 'ABC-1'), { nil: null }),
      options: fc.dictionary(fc.constantFrom('Size', 'color', 'Material', 'Pattern', 'Fit', 'Länge', '尺寸'), text, { maxKeys: 3 }),
    });
    const productArb = fc.record({
      title: text,
      description: fc.option(fc.string({ unit: 'binary', maxLength: 80 }), { nil: null }),
      brand: fc.option(text, { nil: null }),
      category: fc.option(text, { nil: null }),
      images: fc.array(fc.webUrl({ validSchemes: ['https'] }), { minLength: 0, maxLength: 3 }),
      variants: fc.array(variantArb, { minLength: 1, maxLength: 6 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(productArb, { minLength: 1, maxLength: 6 }), async (arbs) => {
        const products = arbs.map((a) =>
          product({
            title: a.title,
            description: a.description,
            brand: a.brand,
            category: a.category,
            images: a.images,
            variants: a.variants.map((v, i) => ({ id: uuid(), sku: `R-${seq}-${i}`, barcode: v.barcode, price: v.price, currency: v.currency, optionValues: v.options, inventoryQuantity: v.stock, position: i })),
          }),
        );
        expect(await validate(await build(products))).toEqual([]);
      }),
      { numRuns: 25 },
    );
  });
});
