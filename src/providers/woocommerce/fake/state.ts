// The fake's world, in memory: stores with their products, variations, orders,
// webhooks and REST keys, plus stats and injected failures. Nothing here speaks HTTP.
import { randomBytes } from 'node:crypto';

export interface HttpAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface FakeAttribute {
  name: string;
  position: number;
  visible: boolean;
  variation: boolean;
  options: string[];
}

/** An attachment in the store's media library; `src` is the store's copy, `name` its title. */
export interface FakeImage {
  id: number;
  src: string;
  name: string;
  alt: string;
}

export interface FakeCategory {
  id: number;
  name: string;
  slug: string;
  parent: number;
}

export interface FakeProduct {
  id: number;
  name: string;
  slug: string;
  type: string;
  status: string;
  description: string;
  sku: string;
  regular_price: string;
  manage_stock: boolean;
  stock_quantity: number | null;
  attributes: FakeAttribute[];
  global_unique_id: string;
  categories: { id: number; name: string; slug: string }[];
  images: (FakeImage & { position: number })[];
  variations: number[];
  date_created_gmt: string;
  date_modified_gmt: string;
}

export interface FakeVariation {
  id: number;
  parent_id: number;
  sku: string;
  regular_price: string;
  manage_stock: boolean;
  stock_quantity: number | null;
  attributes: { name: string; option: string }[];
  global_unique_id: string;
  date_created_gmt: string;
  date_modified_gmt: string;
}

export interface FakeOrderLine {
  id: number;
  name: string;
  sku: string;
  quantity: number;
  price: number;
  subtotal: string;
  total: string;
}

export interface FakeOrder {
  id: number;
  number: string;
  status: string;
  currency: string;
  total: string;
  date_created_gmt: string;
  date_modified_gmt: string;
  line_items: FakeOrderLine[];
}

export interface FakeWebhook {
  id: number;
  name: string;
  status: 'active' | 'paused' | 'disabled';
  topic: string;
  delivery_url: string;
  secret: string;
  /** Consecutive failed deliveries; WooCommerce disables the webhook once this exceeds 5. */
  failure_count: number;
  date_created_gmt: string;
}

export interface FakeKey {
  keyId: number;
  consumerKey: string;
  consumerSecret: string;
  permissions: 'read' | 'write' | 'read_write';
  appName: string;
  revoked: boolean;
}

export interface FakeStoreData {
  name: string;
  /** WordPress post ids: products, variations and orders share one sequence. */
  nextId: number;
  products: Map<number, FakeProduct>;
  variations: Map<number, FakeVariation>;
  orders: Map<number, FakeOrder>;
  webhooks: Map<number, FakeWebhook>;
  keys: FakeKey[];
  categories: Map<number, FakeCategory>;
  media: Map<number, FakeImage>;
  /**
   * Requests to create a product or variation, per SKU, counted before the duplicate-SKU check:
   * a second one means the client tried to create the same thing twice, even though the store refused it.
   */
  createRequestsBySku: Map<string, number>;
  /**
   * SKU -> id of the product or variation last saved with it. SKUs are unique per store, so one
   * entry per SKU; an entry whose object was deleted or changed its SKU since is stale and read as
   * free. Without it every saved object scanned the whole store: O(n²) over a 100,000-product push.
   */
  skuOwners: Map<string, number>;
}

export interface FakeStats {
  /** Batch calls refused with 413 for carrying more than 100 objects (a limit known in advance). */
  batchTooLarge: number;
  /** REST requests checked against the schema derived from the contract. */
  validatedRequests: number;
  /** REST requests handled without a schema check (must stay 0 when the contract is present). */
  unvalidatedRequests: number;
  /** Requests refused by the schema check (400 rest_invalid_param / rest_missing_callback_param). */
  invalidRequests: number;
  keysIssued: number;
  webhooksSent: number;
  webhookFailures: number;
  pings: number;
  /** Images the store "downloaded" from a src URL (a real store sideloads each one into its media library). */
  imagesDownloaded: number;
}

export type FailureKind = 'http429' | 'http500';
export interface FailureInjection {
  kind: FailureKind;
  count: number;
  store?: string;
  retryAfterSeconds?: number;
}

export const nowGmt = () => new Date().toISOString().slice(0, 19);
export const hex40 = () => randomBytes(20).toString('hex');

export class FakeWorld {
  stores = new Map<string, FakeStoreData>();
  stats: FakeStats = { batchTooLarge: 0, validatedRequests: 0, unvalidatedRequests: 0, invalidRequests: 0, keysIssued: 0, webhooksSent: 0, webhookFailures: 0, pings: 0, imagesDownloaded: 0 };
  failures: FailureInjection[] = [];
  private nextKeyId = 1;

  store(name: string): FakeStoreData {
    let s = this.stores.get(name);
    if (s === undefined) {
      s = { name, nextId: 100, products: new Map(), variations: new Map(), orders: new Map(), webhooks: new Map(), keys: [], categories: new Map(), media: new Map(), createRequestsBySku: new Map(), skuOwners: new Map() };
      this.stores.set(name, s);
    }
    return s;
  }

  issueKey(store: string, appName: string, permissions: FakeKey['permissions']): FakeKey {
    const key: FakeKey = { keyId: this.nextKeyId++, consumerKey: `ck_${hex40()}`, consumerSecret: `cs_${hex40()}`, permissions, appName, revoked: false };
    this.store(store).keys.push(key);
    this.stats.keysIssued += 1;
    return key;
  }

  /** A failure a test asked for, consumed by the next matching REST request. */
  takeFailure(store: string): FailureInjection | null {
    const f = this.failures.find((x) => x.count > 0 && (x.store === undefined || x.store === store));
    if (!f) return null;
    f.count -= 1;
    return f;
  }

  reset(): void {
    this.stores.clear();
    this.failures = [];
    this.stats = { batchTooLarge: 0, validatedRequests: 0, unvalidatedRequests: 0, invalidRequests: 0, keysIssued: 0, webhooksSent: 0, webhookFailures: 0, pings: 0, imagesDownloaded: 0 };
  }
}

/** Store names in URLs: /stores/<name>. */
export const isStoreName = (s: string) => /^[a-z0-9][a-z0-9-]{0,62}$/.test(s);
