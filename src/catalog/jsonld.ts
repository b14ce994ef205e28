// The schema.org JSON-LD nodes, typed with schema-dts, so a misspelled property or
// a wrong enum value fails to compile; the vocabulary test checks the same against
// the real schema.org 30.0 graph at run time. jsonldItem is the reference the fast
// text writer (jsonldText.ts) is proven equal to; the feed header and the shard
// index are small and are serialised from these objects directly.
import type {
  DataFeed,
  DataFeedItem,
  IdReference,
  ItemAvailability,
  OnlineStore,
  Product,
  ProductGroup,
  PropertyValue,
} from 'schema-dts';
import type { Variant } from '../domain/product.ts';
import { gtinProperty } from './gtin.ts';
import { inStock, optionNames, storeUrls, variantName, type CatalogProduct, type StoreProfile, type StoreUrls } from './model.ts';

export const SCHEMA_ORG = 'https://schema.org';

/** Option names that are schema.org Product properties; anything else is an additionalProperty. */
const OPTION_PROPERTIES: Record<string, 'size' | 'color' | 'material' | 'pattern'> = {
  size: 'size',
  color: 'color',
  colour: 'color',
  material: 'material',
  pattern: 'pattern',
};
export const optionProperty = (name: string) => OPTION_PROPERTIES[name.trim().toLowerCase()];

export function publisherNode(store: StoreProfile): OnlineStore {
  const urls = storeUrls(store);
  const node: OnlineStore = { '@type': 'OnlineStore', '@id': urls.storeId, name: store.name, url: `${store.url}/` };
  if (store.returnPolicy) {
    // Published as configured; the type is fixed so a policy cannot smuggle another node type in.
    Object.assign(node, { hasMerchantReturnPolicy: { ...store.returnPolicy, '@type': 'MerchantReturnPolicy' } });
  }
  return node;
}

function variantNode(p: CatalogProduct, v: Variant, productUrl: string, storeRef: IdReference, group: IdReference | null, image: string): Product {
  const url = group ? `${productUrl}?variant=${encodeURIComponent(v.sku)}` : productUrl;
  const node: Product = {
    '@type': 'Product',
    '@id': `${url}#product`,
    sku: v.sku,
    name: variantName(p, v),
    image,
    url,
  };
  const gtin = gtinProperty(v.barcode);
  if (gtin) node[gtin.property] = gtin.value;
  let extra: PropertyValue[] | undefined;
  for (const name in v.optionValues) {
    const value = v.optionValues[name]!;
    const prop = optionProperty(name);
    if (prop) node[prop] = value;
    else (extra ??= []).push({ '@type': 'PropertyValue', name, value });
  }
  if (extra) node.additionalProperty = extra;
  if (group) {
    node.inProductGroupWithID = p.id;
    node.isVariantOf = group;
  }
  const availability: ItemAvailability = inStock(v) ? 'https://schema.org/InStock' : 'https://schema.org/OutOfStock';
  node.offers = {
    '@type': 'Offer',
    price: v.price,
    priceCurrency: v.currency,
    availability,
    itemCondition: 'https://schema.org/NewCondition',
    url,
    seller: storeRef,
  };
  return node;
}

/** One product as a DataFeedItem: a plain Product for one variant, a ProductGroup for several. */
export function jsonldItem(p: CatalogProduct, urls: StoreUrls): DataFeedItem | null {
  const image = p.images[0];
  // Google's merchant listings require an image, and the model has no variant images:
  // without a product image the item could only ever be rejected, so it is left out.
  if (image === undefined || p.variants.length === 0) return null;
  let item: Product | ProductGroup;
  const productUrl = urls.productUrl(p);
  const storeRef = { '@id': urls.storeId };
  if (p.variants.length === 1) {
    item = variantNode(p, p.variants[0]!, productUrl, storeRef, null, image);
  } else {
    const groupId = `${productUrl}#group`;
    const groupRef = { '@id': groupId };
    const group: ProductGroup = {
      '@type': 'ProductGroup',
      '@id': groupId,
      productGroupID: p.id,
      name: p.title,
      url: productUrl,
      image: p.images,
      variesBy: optionNames(p).map((n) => {
        const prop = optionProperty(n);
        return prop ? `${SCHEMA_ORG}/${prop}` : n;
      }),
      hasVariant: p.variants.map((v) => variantNode(p, v, productUrl, storeRef, groupRef, image)),
    };
    item = group;
  }
  if (p.description) item.description = p.description;
  if (p.brand) item.brand = { '@type': 'Brand', name: p.brand };
  if (p.category) item.category = p.category;
  return { '@type': 'DataFeedItem', dateCreated: p.createdAt.toISOString(), dateModified: p.updatedAt.toISOString(), item };
}

/** Everything of the feed node except its elements and the tail fields, typed as a whole DataFeed. */
export function feedHeader(store: StoreProfile, kind: 'complete' | { shard: number }): DataFeed {
  const urls = storeUrls(store);
  const complete = kind === 'complete';
  return {
    '@type': complete ? 'CompleteDataFeed' : 'DataFeed',
    '@id': complete ? urls.feedId : `${urls.feedId}#part-${kind.shard}`,
    name: complete ? `${store.name} product catalog` : `${store.name} product catalog, part ${kind.shard}`,
    encodingFormat: 'application/ld+json',
    publisher: publisherNode(store),
  };
}

/** The index of a sharded feed: a DataFeed whose elements are its shard DataFeeds (URLs resolved when served). */
export function shardIndex(store: StoreProfile, shards: { version: string; items: number; dateModified: Date | null }[]): DataFeed {
  const urls = storeUrls(store);
  const latest = shards.reduce<Date | null>((m, s) => (s.dateModified && (!m || s.dateModified > m) ? s.dateModified : m), null);
  const index: DataFeed = {
    '@type': 'DataFeed',
    '@id': urls.feedId,
    name: `${store.name} product catalog (index of ${shards.length} parts)`,
    encodingFormat: 'application/ld+json',
    publisher: publisherNode(store),
    dataFeedElement: shards.map((s, i) => ({
      '@type': 'DataFeed',
      '@id': `${urls.feedId}#part-${i + 1}`,
      name: `${store.name} product catalog, part ${i + 1}`,
      encodingFormat: 'application/ld+json',
      // Placeholder resolved to a signed URL at serve time (a stored file cannot hold an expiring link).
      url: `${s.version}.jsonld`,
      ...(s.dateModified ? { dateModified: s.dateModified.toISOString() } : {}),
    })),
  };
  if (latest) index.dateModified = latest.toISOString();
  return index;
}
