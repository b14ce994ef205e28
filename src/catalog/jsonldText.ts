// The JSON-LD item writer the feed actually uses: text straight from a product,
// with every constant fragment rendered once per store. It produces byte for byte
// what JSON.stringify(jsonldItem(p)) produces (jsonld.ts, typed with schema-dts, is
// the reference; jsonldText.test.ts checks the equality on random products), at a
// fraction of the cost. Measured on 20k groups × 2 variants (45 MB of JSON-LD), main-thread
// CPU time, median of 9: typed object graph + JSON.stringify 187 ms, this writer 91 ms.
// Plain gzip of the same bytes takes ~200 ms on the other core, and the main thread also
// has to read, encode and hash: with the object graph it could never keep up with gzip.
//
// Property names are still checked against schema-dts: every `"name":` fragment is
// made by `key<SomeSchemaType>('name')`, so a misspelt property fails to compile here
// exactly as it does in the typed builder.
import type {
  BrandLeaf,
  DataFeedItemLeaf,
  ItemAvailability,
  OfferItemCondition,
  OfferLeaf,
  ProductGroupLeaf,
  ProductLeaf,
  PropertyValueLeaf,
} from 'schema-dts';
import type { Variant } from '../domain/product.ts';
import { gtinPropertyName, type GtinProperty } from './gtin.ts';
import { isoTimestamp, uriComponent } from './textFormat.ts';
import { feedHeader, optionProperty, SCHEMA_ORG } from './jsonld.ts';
import { inStock, optionNames, storeUrls, type CatalogProduct, type StoreProfile } from './model.ts';
import type { Rendition, TailMeta } from './rendition.ts';

/** `"name":` for a property the schema.org type declares (compile-time checked). */
const key = <T>(k: keyof T & string): string => `"${k}":`;

// Characters JSON.stringify would escape: quote, backslash, C0 controls, and surrogates (a lone
// one becomes \udXXX; a valid pair is left alone, but telling the two apart is JSON.stringify's job).
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * The inside of a JSON string literal: JSON.stringify(s) without its quotes. Most catalog text
 * needs no escaping at all; the regex test is faster than JSON.stringify on such strings (400k
 * titles and descriptions: 51 vs 91 ms CPU, median of 9). The writer keeps the quotes in its
 * constant fragments, so a string value adds one piece to the item's text, not three: the rope
 * V8 builds from the pieces is flattened when the text is encoded, and that costs per piece
 * (100k groups × 2 variants: encoding 0.34 s of ~2 s of main-thread CPU).
 */
function inner(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s).slice(1, -1) : s;
}

/** A JSON string literal, identical to JSON.stringify(s). */
export function jsonString(s: string): string {
  return `"${inner(s)}"`;
}

const IN_STOCK: ItemAvailability = 'https://schema.org/InStock';
const OUT_OF_STOCK: ItemAvailability = 'https://schema.org/OutOfStock';
const NEW_CONDITION: OfferItemCondition = 'https://schema.org/NewCondition';

/** Writes one DataFeedItem per call; null exactly when jsonldItem returns null. */
export function jsonldItemWriter(store: StoreProfile): (p: CatalogProduct) => string | null {
  const urls = storeUrls(store);
  // storeUrls' product URL is `${store.url}/products/${encodeURIComponent(…)}`; only the store
  // part can need JSON escaping (encodeURIComponent's output never does), so it is escaped once.
  const productsBase = inner(`${store.url}/products/`);
  // Every fragment ends or starts inside the quotes of the value next to it, hence the '"'s.
  const SELLER = `",${key<OfferLeaf>('seller')}{"@id":${jsonString(urls.storeId)}}}`;
  const ITEM_HEAD = `{"@type":"DataFeedItem",${key<DataFeedItemLeaf>('dateCreated')}"`;
  const DATE_MODIFIED = `",${key<DataFeedItemLeaf>('dateModified')}"`;
  const ITEM = `",${key<DataFeedItemLeaf>('item')}`;
  const PRODUCT_HEAD = `{"@type":"Product",${key<ProductLeaf>('@id')}"`;
  const SKU = `#product",${key<ProductLeaf>('sku')}"`;
  const NAME = `",${key<ProductLeaf>('name')}"`;
  const IMAGE = `",${key<ProductLeaf>('image')}"`;
  const URL = `",${key<ProductLeaf>('url')}"`;
  const IN_GROUP = `,${key<ProductLeaf>('inProductGroupWithID')}"`;
  const VARIANT_OF = `",${key<ProductLeaf>('isVariantOf')}{"@id":"`;
  const VARIANT_OF_END = '#group"}';
  const ADDITIONAL = `,${key<ProductLeaf>('additionalProperty')}[`;
  const PROPERTY_VALUE = `{"@type":"PropertyValue",${key<PropertyValueLeaf>('name')}"`;
  const PV_VALUE = `",${key<PropertyValueLeaf>('value')}"`;
  const OFFER_HEAD = `,${key<ProductLeaf>('offers')}{"@type":"Offer",${key<OfferLeaf>('price')}"`;
  const CURRENCY = `",${key<OfferLeaf>('priceCurrency')}"`;
  // Availability, condition and the start of the offer's url: one fragment per stock state.
  const availability = (a: ItemAvailability) =>
    `",${key<OfferLeaf>('availability')}"${a}",${key<OfferLeaf>('itemCondition')}"${NEW_CONDITION}",${key<OfferLeaf>('url')}"`;
  const AVAILABLE = availability(IN_STOCK);
  const UNAVAILABLE = availability(OUT_OF_STOCK);
  const GROUP_HEAD = `{"@type":"ProductGroup",${key<ProductGroupLeaf>('@id')}"`;
  const GROUP_ID = `#group",${key<ProductGroupLeaf>('productGroupID')}"`;
  const GROUP_NAME = `",${key<ProductGroupLeaf>('name')}"`;
  const GROUP_URL = `",${key<ProductGroupLeaf>('url')}"`;
  const GROUP_IMAGE = `",${key<ProductGroupLeaf>('image')}["`;
  const VARIES_BY = `"],${key<ProductGroupLeaf>('variesBy')}[`;
  const HAS_VARIANT = `],${key<ProductGroupLeaf>('hasVariant')}[`;
  const DESCRIPTION = `,${key<ProductLeaf>('description')}"`;
  const BRAND = `,${key<ProductLeaf>('brand')}{"@type":"Brand",${key<BrandLeaf>('name')}"`;
  const CATEGORY = `,${key<ProductLeaf>('category')}"`;
  // `,"gtin13":"` and friends: the property names gtinPropertyName can return.
  const GTIN: Record<GtinProperty, string> = { gtin8: ',"gtin8":"', gtin12: ',"gtin12":"', gtin13: ',"gtin13":"', gtin14: ',"gtin14":"' };

  // Option names repeat across a catalog (Size, Color): their property, looked up once each,
  // with the `,"size":"` fragment that starts its value and the `"https://schema.org/size"` of variesBy.
  const propertyOf = new Map<string, { open: string; varies: string } | null>();
  const optionProp = (name: string) => {
    let found = propertyOf.get(name);
    if (found === undefined) {
      const prop = optionProperty(name);
      found = prop ? { open: `,"${prop}":"`, varies: `"${SCHEMA_ORG}/${prop}"` } : null;
      if (propertyOf.size < 10_000) propertyOf.set(name, found);
    }
    return found;
  };

  const propOpens: string[] = [];
  const propValues: string[] = [];
  // Catalogs are in one currency or few: the last one's text, kept.
  let currency = '';
  let currencyText = '';

  /**
   * The variant's Product node without its closing brace (a single-variant item continues it).
   * `title` and `image` are the product's, already escaped.
   */
  function variant(p: CatalogProduct, v: Variant, productUrl: string, groupId: string | null, title: string, image: string): string {
    const url = groupId !== null ? `${productUrl}?variant=${uriComponent(v.sku)}` : productUrl;
    // One pass over the options gives both the name (variantName: the values joined by " / ",
    // in the same for-in order Object.values uses) and the properties (measured: variantName's
    // Object.values + join was ~5% of rendering).
    // Mirrors the reference's `node[prop] = value`: a second option mapping to the same property
    // (Color and Colour) keeps the first one's position and takes the last one's value.
    // The properties so far, as parallel arrays reused from call to call (no allocation per variant).
    propOpens.length = 0;
    propValues.length = 0;
    let extra = '';
    let values = '';
    let count = 0;
    // Values are escaped once each, for their property and for the name. Escaping the parts is
    // escaping the whole: only a surrogate pair split between two parts would differ, and the
    // parts of the name are joined with ASCII separators.
    for (const name in v.optionValues) {
      const value = inner(v.optionValues[name]!);
      values = count++ === 0 ? value : `${values} / ${value}`;
      const found = optionProp(name);
      if (found) {
        const seen = propOpens.indexOf(found.open);
        if (seen >= 0) propValues[seen] = value;
        else {
          propOpens.push(found.open);
          propValues.push(value);
        }
      } else {
        extra += `${extra === '' ? ADDITIONAL : ','}${PROPERTY_VALUE}${inner(name)}${PV_VALUE}${value}"}`;
      }
    }
    // As variantName: the title alone for a single variant or a variant without options.
    const name = count > 0 && p.variants.length > 1 ? `${title} - ${values}` : title;
    let s = `${PRODUCT_HEAD}${url}${SKU}${inner(v.sku)}${NAME}${name}${IMAGE}${image}${URL}${url}"`;
    const gtin = gtinPropertyName(v.barcode);
    if (gtin) s += `${GTIN[gtin]}${v.barcode}"`;
    for (let i = 0; i < propOpens.length; i++) s += `${propOpens[i]}${propValues[i]}"`;
    if (extra !== '') s += `${extra}]`;
    if (groupId !== null) s += `${IN_GROUP}${groupId}${VARIANT_OF}${productUrl}${VARIANT_OF_END}`;
    if (v.currency !== currency) {
      currency = v.currency;
      currencyText = inner(currency);
    }
    return `${s}${OFFER_HEAD}${inner(v.price)}${CURRENCY}${currencyText}${inStock(v) ? AVAILABLE : UNAVAILABLE}${url}${SELLER}`;
  }

  return (p) => {
    const first = p.images[0];
    if (first === undefined || p.variants.length === 0) return null;
    const image = inner(first);
    const title = inner(p.title);
    const productUrl = productsBase + uriComponent(p.handle ?? p.id);
    const created = isoTimestamp(p.createdAt);
    const modified = p.updatedAt.getTime() === p.createdAt.getTime() ? created : isoTimestamp(p.updatedAt);
    let s = `${ITEM_HEAD}${created}${DATE_MODIFIED}${modified}${ITEM}`;
    if (p.variants.length === 1) {
      s += variant(p, p.variants[0]!, productUrl, null, title, image);
    } else {
      const id = inner(p.id);
      s += `${GROUP_HEAD}${productUrl}${GROUP_ID}${id}${GROUP_NAME}${title}${GROUP_URL}${productUrl}${GROUP_IMAGE}${image}`;
      for (let i = 1; i < p.images.length; i++) s += `","${inner(p.images[i]!)}`;
      s += VARIES_BY;
      let sep = '';
      for (const n of optionNames(p)) {
        const found = optionProp(n);
        s += sep + (found ? found.varies : jsonString(n));
        sep = ',';
      }
      s += HAS_VARIANT;
      for (let i = 0; i < p.variants.length; i++) s += `${i === 0 ? '' : ','}${variant(p, p.variants[i]!, productUrl, id, title, image)}}`;
      s += ']';
    }
    if (p.description) s += `${DESCRIPTION}${inner(p.description)}"`;
    if (p.brand) s += `${BRAND}${inner(p.brand)}"}`;
    if (p.category) s += `${CATEGORY}${inner(p.category)}"`;
    return `${s}}}`;
  };
}

/**
 * The JSON-LD file, written with @context and the feed's identity first and
 * dateModified/version last: the version is the hash of everything before it.
 */
export function jsonldRendition(store: StoreProfile, kind: 'complete' | { shard: number } = 'complete'): Rendition {
  const header = JSON.stringify({ '@context': SCHEMA_ORG, ...feedHeader(store, kind) });
  return {
    format: 'jsonld',
    head: () => `${header.slice(0, -1)},"dataFeedElement":[`,
    item: jsonldItemWriter(store),
    separator: ',',
    tail: (meta: TailMeta) => `]${meta.dateModified ? `,"dateModified":"${meta.dateModified.toISOString()}"` : ''}`,
    seal: (version) => `,"version":"${version}"}`,
  };
}
