// The connector interface every provider implements. Provider *facts* (URLs,
// scopes, limits, lifetimes) are data in `facts`; provider *behaviour* is the
// methods below. Nothing outside src/providers/<name>/ knows a provider's quirks;
// descriptor.ts adds what generic code needs beyond the connector (config, routes, sandbox).

/** A provider table row's id (src/providers/registry.ts): 'shopify', 'woocommerce', … */
export type ProviderId = string;
export type Category = 'commerce' | 'accounting';

export type RateLimitFacts =
  | { kind: 'cost-bucket'; maximumAvailable: number; restorePerSecond: number }
  | { kind: 'requests'; perSecond: number; burst: number }
  /** The provider publishes no limit (a host in front of it may still answer 429 + Retry-After). */
  | { kind: 'unpublished' };

export interface ProviderFacts {
  id: ProviderId;
  displayName: string;
  categories: readonly Category[];
  /** What the tenant must tell us before we can build an authorize URL ("shop" for Shopify). */
  accountPrompt: { field: string; label: string; placeholder: string } | null;
  defaultScopes: string;
  supportsPkce: boolean;
  /** Seconds an access token lives, when the provider says so up front. */
  accessTokenTtlSeconds: number | null;
  refreshTokenRotates: boolean;
  rateLimit: RateLimitFacts;
  /**
   * Query parameters of the provider's redirects to Synq that carry secrets or one-time codes,
   * beyond the OAuth ones every provider shares (code, state, tokens): never logged.
   */
  secretQueryParams: readonly string[];
  /** Webhook topics we subscribe to on connect. */
  webhookTopics: readonly string[];
  /**
   * Who signs the provider's webhooks, which decides the route that receives them:
   * 'app-secret' - one app secret signs every delivery and the delivery names its account
   *   (Shopify): POST /unified/webhook/<provider>;
   * 'connection-secret' - Synq picks a secret per connection when it subscribes and keeps it in
   *   the connection's credentials (WooCommerce): POST /unified/webhook/<provider>/<connection_id>.
   */
  webhookSigning: 'app-secret' | 'connection-secret';
  /** How the provider takes many products at once (Connector.bulkUpsert); absent when it has no bulk path. */
  bulkPush?: BulkPushFacts;
}

/**
 * A provider's bulk write path as data, so the push-bulk task sizes its chunks and the bench
 * computes the rate-limit floor from the same numbers the fakes enforce.
 */
export interface BulkPushFacts {
  /** What the path is called at the provider ('products/batch', 'bulkOperationRunMutation', …). */
  path: string;
  /** Items one HTTP call may carry (WooCommerce: 100, over it 413). */
  maxItemsPerCall: number;
  /** Items one bulkUpsert call is given (one staged upload / one feed / a run of batch calls). */
  maxItemsPerOperation: number;
  /**
   * bulkUpsert calls one connection's push-bulk task keeps going at once. 2 lets the next chunk be
   * claimed, loaded and sent while the provider still works on the previous one, so the provider
   * (the floor) never waits for Synq's own bookkeeping.
   */
  operationsInFlight: number;
  /**
   * The limit that decides the floor: calls per second on the bulk path, or items per second the
   * provider processes once an operation is accepted; null when the provider publishes none.
   */
  floor: { kind: 'calls-per-second'; perSecond: number } | { kind: 'items-per-second'; perSecond: number } | null;
}

/** What we store (encrypted) per connection. */
export interface Credentials {
  accessToken: string;
  refreshToken?: string;
  /** ISO-8601; absent for non-expiring tokens. */
  accessExpiresAt?: string;
  refreshExpiresAt?: string;
  scope?: string;
  /** The secret half of a key pair whose public half is accessToken (WooCommerce consumer_secret). */
  accessSecret?: string;
  /** The secret Synq chose for this connection's webhook signatures ('connection-secret' providers). */
  webhookSecret?: string;
  /** ISO-8601: when the tenant last had webhookSecret rotated (and shown); absent = never shown. */
  webhookSecretRotatedAt?: string;
  /** The secret before the last rotation, still accepted until previousWebhookSecretUntil (ISO-8601). */
  previousWebhookSecret?: string;
  previousWebhookSecretUntil?: string;
}

export type ProviderErrorCode =
  | 'RATE_LIMITED' // 429 / throttled: retry after retryAfterMs
  | 'UNAVAILABLE' // 5xx, connection reset
  | 'TIMEOUT'
  | 'UNAUTHORIZED' // access token rejected: refresh once, then retry
  | 'INVALID_GRANT' // refresh token revoked/expired: the connection needs re-auth
  | 'VALIDATION' // the provider rejected our data: permanent for this payload
  | 'NOT_FOUND'
  | 'PROTOCOL'; // the provider answered something we cannot understand

const RETRYABLE: Record<ProviderErrorCode, boolean> = {
  RATE_LIMITED: true,
  UNAVAILABLE: true,
  TIMEOUT: true,
  UNAUTHORIZED: true,
  INVALID_GRANT: false,
  VALIDATION: false,
  NOT_FOUND: false,
  PROTOCOL: false,
};

/**
 * Every expected provider failure is a ProviderError; `retryable` is what the
 * worker acts on. Anything else thrown from a connector is a bug.
 */
export class ProviderError extends Error {
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  readonly status: number | undefined;
  constructor(
    readonly code: ProviderErrorCode,
    message: string,
    opts: { retryAfterMs?: number; status?: number; retryable?: boolean } = {},
  ) {
    super(message);
    this.name = 'ProviderError';
    this.retryable = opts.retryable ?? RETRYABLE[code];
    this.retryAfterMs = opts.retryAfterMs;
    this.status = opts.status;
  }
}

/** A connection as a connector sees it: who, where, and a way to get a valid token. */
export interface ConnectionContext {
  connectionId: string;
  /** The provider-side account: a Shopify shop domain. */
  account: string;
  /** Returns a non-expired access token, refreshing under a lease if needed. */
  accessToken(): Promise<string>;
  /** Called by the connector after the provider rejected the token (401): forces one refresh. */
  invalidateToken(rejected: string): Promise<string>;
  /** Everything stored for the connection (key pairs, the webhook secret), after any due refresh. */
  credentials(): Promise<Credentials>;
}

export interface PushVariant {
  sku: string;
  barcode: string | null;
  /** Exact decimal string, e.g. "89.99". */
  price: string;
  currency: string;
  optionValues: Record<string, string>;
  inventoryQuantity: number | null;
}

export interface PushProduct {
  id: string;
  title: string;
  description: string | null;
  brand: string | null;
  category: string | null;
  handle: string | null;
  status: 'active' | 'draft' | 'archived';
  images: string[];
  variants: PushVariant[];
}

export interface PushResult {
  remoteId: string;
  /** SKU -> provider variant id, for later updates and order matching. */
  variantIds: Record<string, string>;
  /**
   * What the provider says about the pushed data beyond "accepted", shown as the push
   * target's remote_status (Amazon: 'live', 'accepted' while still processing, or
   * 'issues: …' with the listing's issues).
   */
  detail?: string;
}

/** One product's outcome inside a bulk push, in the order the products were given. */
export type BulkItemOutcome = { productId: string; ok: true; result: PushResult } | { productId: string; ok: false; error: ProviderError };

/** A provider's dry run of a push (Amazon VALIDATION_PREVIEW): nothing is stored at the provider. */
export interface PushValidation {
  valid: boolean;
  issues: { sku: string; code: string; severity: string; message: string }[];
}

export interface NormalizedOrder {
  externalId: string;
  name: string | null;
  status: string;
  currency: string;
  /** Exact decimal string. */
  total: string;
  createdAt: string;
  updatedAt: string;
  lineItems: { sku: string | null; title: string; quantity: number; price: string }[];
}

export interface RemoteProductSummary {
  remoteId: string;
  skus: string[];
  updatedAt: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface InboundEvent {
  /** Normalized name: order.created, order.updated, product.updated, inventory.updated, app.uninstalled, … */
  event: string;
  /** The provider's delivery/event id, used to drop redeliveries. */
  providerEventId: string | null;
  data: unknown;
}

export interface WebhookSubscription {
  id: string;
  topic: string;
}

export interface AuthorizeRequest {
  account: string;
  state: string;
  redirectUri: string;
  pkceChallenge?: string;
}

export interface CallbackParams {
  state: string;
  code: string;
  account: string;
}

/**
 * OAuth 2 authorization code grant: the browser returns to
 * GET /api/v1/integrations/oauth/<provider>/callback with a code we exchange.
 */
export interface OAuth2Authorization {
  readonly kind: 'oauth2';
  buildAuthorizeUrl(req: AuthorizeRequest): string;
  /** Verifies the provider's signed redirect. Throws ProviderError('VALIDATION') on any mismatch. */
  parseCallback(query: Record<string, string | string[] | undefined>, now?: Date): CallbackParams;
  exchangeCode(account: string, code: string, redirectUri: string, pkceVerifier?: string): Promise<Credentials>;
  /**
   * For providers whose callback does not name the account (Xero: the organisation is
   * chosen on the consent page): asks the provider with the new token. parseCallback
   * then returns account ''. Throws ProviderError.
   */
  resolveAccount?(credentials: Credentials): Promise<string>;
}

export interface CredentialPostAuthorizeRequest {
  account: string;
  state: string;
  /** Where the provider POSTs the credentials, server to server. */
  callbackUrl: string;
  /** Where the provider sends the browser afterwards. */
  returnUrl: string;
}

/**
 * The provider POSTs credentials to us server to server, then sends the browser back
 * (WooCommerce's app key flow): POST /api/v1/integrations/keys/<provider>/callback, then
 * GET /api/v1/integrations/keys/<provider>/return.
 */
export interface CredentialPostAuthorization {
  readonly kind: 'credential-post';
  /** Largest POST body we read; anything longer is refused before it is parsed. */
  readonly maxPostBytes: number;
  buildAuthorizeUrl(req: CredentialPostAuthorizeRequest): string;
  /**
   * Validates the untrusted POST body (already parsed JSON) and returns the state it names and
   * the credentials to store. Throws ProviderError('VALIDATION') for anything unexpected.
   */
  parseCredentialPost(body: unknown): { state: string; credentials: Credentials };
  /** The browser's return: which state, and whether the user approved. Throws ProviderError('VALIDATION'). */
  parseReturn(query: Record<string, string | string[] | undefined>): { state: string; approved: boolean };
}

export type Authorization = OAuth2Authorization | CredentialPostAuthorization;

export interface Connector {
  readonly facts: ProviderFacts;
  /** App credentials present, so the provider can be offered to tenants. */
  isConfigured(): boolean;

  // --- authorization ---
  /** Normalizes and validates the tenant-supplied account (shop domain, store URL) syntactically; null when invalid. */
  normalizeAccount(input: string): string | null;
  /**
   * Checks a normalized account before Synq sends anything to it (a store URL's resolved
   * addresses). Throws ProviderError('VALIDATION') with a message fit for the tenant.
   */
  verifyAccount(account: string): Promise<void>;
  readonly authorization: Authorization;
  /** Throws ProviderError('INVALID_GRANT') when the grant is gone. Keeps the old refresh token if none is returned. */
  refresh(account: string, current: Credentials): Promise<Credentials>;

  // --- lifecycle ---
  subscribeWebhooks(ctx: ConnectionContext, callbackUrl: string): Promise<WebhookSubscription[]>;
  unsubscribeWebhooks(ctx: ConnectionContext, subscriptions: WebhookSubscription[]): Promise<void>;
  /** Revokes the grant at the provider when the tenant disconnects (best effort); absent when the provider has no revocation endpoint. */
  revokeGrant?(account: string, credentials: Credentials): Promise<void>;

  // --- push ---
  upsertProduct(ctx: ConnectionContext, product: PushProduct, remoteId: string | null): Promise<PushResult>;
  deleteProduct(ctx: ConnectionContext, remoteId: string): Promise<void>;
  /**
   * The remote product that already carries any of these SKUs, or null. Used before a
   * create when an earlier attempt may have created the product and died before
   * recording it, so a crash never produces a duplicate at the provider.
   */
  findRemoteProduct(ctx: ConnectionContext, skus: string[]): Promise<string | null>;
  /**
   * Many products in as few provider calls as its bulk path allows (facts.bulkPush sizes the
   * input: at most maxItemsPerOperation). `known` maps product id -> remote id for products
   * already linked. Per-product failures come back as values; a failure of the whole call
   * (401, 5xx, 429) is thrown as a ProviderError and applies to every product.
   * Absent: the provider is pushed one product per task.
   */
  bulkUpsert?(ctx: ConnectionContext, products: PushProduct[], known: ReadonlyMap<string, string>): Promise<BulkItemOutcome[]>;
  /**
   * A few products (a push task's chunk, up to 8) in one synchronous provider call where the
   * provider takes several at once, answering at once (Shopify: aliased productSet mutations in
   * one document; WooCommerce: products/batch). Same contract as bulkUpsert: `known` maps product
   * id -> remote id, per-product failures come back as values, a failure of the whole call is
   * thrown. Absent: the push task calls upsertProduct per product (Amazon's Listings Items API
   * takes one SKU per call).
   */
  upsertMany?(ctx: ConnectionContext, products: PushProduct[], known: ReadonlyMap<string, string>): Promise<BulkItemOutcome[]>;
  /** Dry run of upsertProduct where the provider offers one: validates without storing. */
  validateProduct?(ctx: ConnectionContext, product: PushProduct): Promise<PushValidation>;

  // --- inbound ---
  /**
   * Checks the provider's own webhook signature over the raw body. 'connection-secret'
   * providers need the connection's credentials and answer false without them.
   */
  verifyWebhook(rawBody: Buffer, headers: Record<string, string | string[] | undefined>, credentials?: Credentials): boolean;
  /** An unsigned liveness probe the provider sends when a subscription is created; answered 200, never stored. */
  isWebhookPing(rawBody: Buffer, headers: Record<string, string | string[] | undefined>): boolean;
  /** Which provider account a delivery is for (Shopify: X-Shopify-Shop-Domain). */
  webhookAccount(headers: Record<string, string | string[] | undefined>): string | null;
  normalizeWebhook(rawBody: Buffer, headers: Record<string, string | string[] | undefined>): InboundEvent;
  /**
   * For deliveries that batch events of several accounts (Xero's `events[]`, each naming its
   * organisation): one entry per event, each stored on its own. When present, ingestion uses it
   * instead of webhookAccount/normalizeWebhook; an empty list (Xero's intent-to-receive check)
   * is answered 200 and stores nothing. Call only after verifyWebhook. Throws
   * ProviderError('VALIDATION') for a body that does not match the provider's schema.
   */
  splitWebhook?(rawBody: Buffer): { account: string; inbound: InboundEvent }[];

  // --- background sync ---
  listProducts(ctx: ConnectionContext, cursor: string | null): Promise<Page<RemoteProductSummary>>;
  listOrders(ctx: ConnectionContext, updatedSince: string | null, cursor: string | null): Promise<Page<NormalizedOrder>>;
  /** Maps an inbound order payload (already normalized event data) into an order, or null if it is not one. */
  orderFromEvent(data: unknown): NormalizedOrder | null;
  /**
   * For providers whose order events name an order without carrying it (Amazon's ORDER_CHANGE has
   * no amounts): the provider's id of the order to read with fetchOrder, given the event's stored
   * body (what orderFromEvent gets), or null when it names none. When present, orderFromEvent is not used for order events: applying the event
   * queues a fetch (network) outside the outbox transaction.
   */
  orderIdFromEvent?(data: unknown): string | null;
  /** Reads one order in full; null when the provider does not know it or cannot price it yet. Throws ProviderError. */
  fetchOrder?(ctx: ConnectionContext, externalId: string): Promise<NormalizedOrder | null>;
}

/** A connector whose authorization kind is known statically (each provider's factory returns one). */
export type ConnectorWith<A extends Authorization> = Connector & { readonly authorization: A };
