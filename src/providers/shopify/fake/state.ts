// The fake's whole world, in memory: shops with their products, orders,
// locations and webhook subscriptions, plus grants, tokens, stats and the
// failures a test asked for. Nothing here speaks HTTP.
import { randomBytes } from 'node:crypto';

export interface FakeVariant {
  id: string;
  inventoryItemId: string;
  sku: string | null;
  barcode: string | null;
  price: string;
  /** Option name -> value, in the product's option order. */
  options: { name: string; value: string }[];
  tracked: boolean;
  /** locationId -> available quantity. */
  quantities: Map<string, number>;
  createdAt: string;
  updatedAt: string;
}

export interface FakeProduct {
  id: string;
  title: string;
  handle: string;
  status: 'ACTIVE' | 'DRAFT' | 'ARCHIVED';
  vendor: string;
  productType: string;
  descriptionHtml: string;
  options: { id: string; name: string; values: string[] }[];
  variants: FakeVariant[];
  createdAt: string;
  updatedAt: string;
}

export interface FakeLineItem {
  id: string;
  sku: string | null;
  title: string;
  quantity: number;
  price: string;
}

export interface FakeOrder {
  id: string;
  numericId: number;
  name: string;
  financialStatus: string;
  currency: string;
  totalPrice: string;
  createdAt: string;
  updatedAt: string;
  lineItems: FakeLineItem[];
}

export interface FakeWebhookSubscription {
  id: string;
  topic: string;
  callbackUrl: string;
  format: string;
  createdAt: string;
  updatedAt: string;
}

export interface FakeShop {
  domain: string;
  products: Map<string, FakeProduct>;
  orders: Map<string, FakeOrder>;
  webhooks: Map<string, FakeWebhookSubscription>;
  locations: { id: string; name: string }[];
  /** Leaky bucket: points available at time `at` (ms). */
  bucket: { available: number; at: number };
  /** Bumped on revoke: every token minted under an older generation is dead. */
  grantGeneration: number;
  installed: boolean;
  /**
   * productSet calls that created a product, per variant SKU. Real Shopify lets two products
   * share a SKU, so a duplicate push would go unnoticed in the catalog; this count shows it.
   */
  creationsBySku: Map<string, number>;
  /**
   * handle -> id of the product productSet last gave it. Handles are unique per shop, so one entry
   * per handle; an entry whose product was deleted or renamed since is stale and read as free.
   * Without it each productSet scanned every product of the shop: a 100,000-line bulk operation
   * took O(n²) and blocked the bench's event loop for over a minute at 20,000 products.
   */
  handles: Map<string, string>;
}

export interface AccessTokenRecord {
  shop: string;
  generation: number;
  /** ms; null for a non-expiring token. */
  expiresAt: number | null;
  revoked: boolean;
}

export interface RefreshTokenRecord {
  shop: string;
  generation: number;
  expiresAt: number;
  used: boolean;
  scope: string;
  /** The access token minted with this refresh token; rotating invalidates it. */
  accessToken: string;
}

export interface CodeRecord {
  shop: string;
  scope: string;
  expiresAt: number;
  used: boolean;
}

export type FailureKind = 'http429' | 'http500' | 'hang' | 'throttled';

export interface FailureInjection {
  kind: FailureKind;
  /** How many GraphQL calls it applies to. */
  count: number;
  /** Only calls for this shop; all shops when absent. */
  shop?: string;
  /** For http429: the Retry-After header, seconds. */
  retryAfterSeconds?: number;
}

export interface FakeStats {
  tokenExchanges: number;
  refreshes: number;
  rejectedTokenRequests: number;
  graphqlRequests: number;
  validatedRequests: number;
  unvalidatedRequests: number;
  invalidDocuments: number;
  unauthorized: number;
  throttled: number;
  injectedFailures: number;
  webhooksSent: number;
  webhookFailures: number;
}

export function emptyStats(): FakeStats {
  return {
    tokenExchanges: 0,
    refreshes: 0,
    rejectedTokenRequests: 0,
    graphqlRequests: 0,
    validatedRequests: 0,
    unvalidatedRequests: 0,
    invalidDocuments: 0,
    unauthorized: 0,
    throttled: 0,
    injectedFailures: 0,
    webhooksSent: 0,
    webhookFailures: 0,
  };
}

const SHOP_DOMAIN = /^[a-zA-Z0-9][a-zA-Z0-9-]*\.myshopify\.com$/;

export function isShopDomain(s: string): boolean {
  return SHOP_DOMAIN.test(s);
}

export function randomToken(prefix: string): string {
  return `${prefix}${randomBytes(16).toString('hex')}`;
}

export class FakeStore {
  readonly shops = new Map<string, FakeShop>();
  readonly accessTokens = new Map<string, AccessTokenRecord>();
  readonly refreshTokens = new Map<string, RefreshTokenRecord>();
  readonly codes = new Map<string, CodeRecord>();
  failures: FailureInjection[] = [];
  stats: FakeStats = emptyStats();
  #nextId = 1000;

  constructor(readonly bucketMax: number) {}

  /** Numeric ids shared by every resource, like Shopify's, so gids never collide. */
  nextNumericId(): number {
    return this.#nextId++;
  }

  gid(kind: string): string {
    return `gid://shopify/${kind}/${this.nextNumericId()}`;
  }

  /** Shops are created on first use, each with one location so inventory has somewhere to live. */
  shop(domain: string): FakeShop {
    const key = domain.toLowerCase();
    let s = this.shops.get(key);
    if (s === undefined) {
      s = {
        domain: key,
        products: new Map(),
        orders: new Map(),
        webhooks: new Map(),
        locations: [{ id: this.gid('Location'), name: 'Main warehouse' }],
        bucket: { available: this.bucketMax, at: Date.now() },
        grantGeneration: 1,
        installed: false,
        creationsBySku: new Map(),
        handles: new Map(),
      };
      this.shops.set(key, s);
    }
    return s;
  }

  /** Takes one matching injected failure, if any is armed for this shop. */
  takeFailure(shop: string): FailureInjection | null {
    const f = this.failures.find((x) => x.count > 0 && (x.shop === undefined || x.shop === shop));
    if (f === undefined) return null;
    f.count -= 1;
    this.failures = this.failures.filter((x) => x.count > 0);
    this.stats.injectedFailures += 1;
    return f;
  }

  /** Revokes the shop's grant: its access tokens answer 401 and its refresh tokens invalid_grant. */
  revoke(shop: string): void {
    const s = this.shop(shop);
    s.grantGeneration += 1;
    s.installed = false;
  }

  reset(): void {
    this.shops.clear();
    this.accessTokens.clear();
    this.refreshTokens.clear();
    this.codes.clear();
    this.failures = [];
    this.stats = emptyStats();
  }
}
