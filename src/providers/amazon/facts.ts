// Amazon SP-API's facts as data: regions and their origins, the Listings Items paths,
// rate limits and token lifetimes. Behaviour lives in connector.ts and the files it imports.
import type { ProviderFacts } from '../types.ts';

export type AmazonRegion = 'na' | 'eu' | 'fe';

export interface AmazonRegionFacts {
  /** Where the seller consents (Seller Central of the region's main marketplace). */
  sellerCentral: string;
  /** The SP-API endpoint of the region. */
  spApi: string;
  /** Login with Amazon: one token endpoint for every region. */
  lwa: string;
  /** Marketplace used when AMAZON_MARKETPLACE_IDS is not set. */
  defaultMarketplaceId: string;
  /** Language tag of text attributes (item_name, product_description) in that marketplace. */
  defaultLanguageTag: string;
}

/** developer-docs.amazon.com/sp-api/docs/sp-api-endpoints and .../website-authorization-workflow. */
export const AMAZON_REGIONS: Record<AmazonRegion, AmazonRegionFacts> = {
  na: {
    sellerCentral: 'https://sellercentral.amazon.com',
    spApi: 'https://sellingpartnerapi-na.amazon.com',
    lwa: 'https://api.amazon.com',
    defaultMarketplaceId: 'ATVPDKIKX0DER', // amazon.com
    defaultLanguageTag: 'en_US',
  },
  eu: {
    sellerCentral: 'https://sellercentral-europe.amazon.com',
    spApi: 'https://sellingpartnerapi-eu.amazon.com',
    lwa: 'https://api.amazon.com',
    defaultMarketplaceId: 'A1F83G8C2ARO7P', // amazon.co.uk
    defaultLanguageTag: 'en_GB',
  },
  fe: {
    sellerCentral: 'https://sellercentral.amazon.co.jp',
    spApi: 'https://sellingpartnerapi-fe.amazon.com',
    lwa: 'https://api.amazon.com',
    defaultMarketplaceId: 'A1VC38T7YXB528', // amazon.co.jp
    defaultLanguageTag: 'ja_JP',
  },
};

/**
 * JSON_LISTINGS_FEED messages Amazon works through per second once a feed is IN_PROGRESS.
 * Amazon publishes no figure (feeds are "processed asynchronously"); this is the rate the fake
 * models, so the feed path has a floor the bench can compute and compare with the per-SKU path.
 */
export const AMAZON_FEED_MESSAGES_PER_SECOND = 200;
/** A JSON listings feed holds at most 25,000 messages (listings-feed-schema-v2.json, messages.maxItems). */
export const AMAZON_FEED_MAX_MESSAGES = 25_000;

export const AMAZON_FACTS: ProviderFacts = {
  id: 'amazon',
  displayName: 'Amazon',
  categories: ['commerce'],
  // The seller picks the account on Seller Central; the callback names it (selling_partner_id).
  accountPrompt: null,
  // SP-API has no OAuth scopes: the roles granted to the application decide what it may call.
  defaultScopes: '',
  supportsPkce: false,
  // LWA access tokens live 3600 s; we still trust each response's expires_in.
  accessTokenTtlSeconds: 3600,
  // An LWA refresh token stays valid until the seller revokes the authorization; refreshing never replaces it.
  refreshTokenRotates: false,
  // Listings Items 2021-08-01: 5 requests/s, burst 10 per operation and selling partner
  // (docs "Listings Items API rate limits"). The x-amzn-RateLimit-Limit header overrides the rate.
  rateLimit: { kind: 'requests', perSecond: 5, burst: 10 },
  // The consent callback's spapi_oauth_code is redeemable for 5 minutes.
  secretQueryParams: ['spapi_oauth_code'],
  // SP-API notifications reach Synq through an EventBridge API destination, not a subscription we create.
  webhookTopics: ['ORDER_CHANGE', 'LISTINGS_ITEM_STATUS_CHANGE', 'LISTINGS_ITEM_ISSUES_CHANGE'],
  // The API destination sends a header with a secret Synq generated for the connection.
  webhookSigning: 'connection-secret',
  // JSON_LISTINGS_FEED through the Feeds API 2021-06-30: one message per variant SKU. The feed's
  // own calls are few (createFeedDocument 0.5/s, createFeed 0.0083/s burst 15, getFeed 2/s), so
  // the floor is Amazon's processing. 10,000 products per feed leave room for variants under the
  // 25,000-message cap. Small batches go through Listings Items instead (see bulkFeed.ts).
  bulkPush: {
    path: 'JSON_LISTINGS_FEED',
    maxItemsPerCall: 10_000,
    maxItemsPerOperation: 10_000,
    operationsInFlight: 2,
    floor: { kind: 'items-per-second', perSecond: AMAZON_FEED_MESSAGES_PER_SECOND },
  },
};

/** The header the EventBridge API destination (API key authorization) sends with each notification. */
export const NOTIFICATION_SECRET_HEADER = 'x-synq-notification-secret';

export const LISTINGS_PATH = '/listings/2021-08-01/items';
/** An authorization code (spapi_oauth_code) is good for this long (website authorization workflow, step 4). */
export const OAUTH_CODE_TTL_SECONDS = 300;
/** Amazon seller ids: "A" + alphanumerics, 10-20 chars in practice (e.g. A3TH9S8BH6GOGM). */
export const SELLER_ID = /^A[0-9A-Z]{8,20}$/;
/** Seller SKUs are at most 40 characters. */
export const MAX_SKU_LENGTH = 40;
/** searchListingsItems pageSize maximum. */
export const SEARCH_PAGE_SIZE = 20;
