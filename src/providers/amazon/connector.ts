// The Amazon SP-API connector: wires facts, the LWA authorization, the throttled SP-API
// client, Listings Items push and EventBridge-forwarded notifications into the Connector
// interface. Quirks live in the files it imports.
import type { AmazonAppConfig } from './config.ts';
import type { ConnectorWith, OAuth2Authorization, PushValidation, ConnectionContext, PushProduct } from '../types.ts';
import { AMAZON_FACTS, SELLER_ID } from './facts.ts';
import { AmazonListings } from './listings.ts';
import { bulkUpsertAmazon } from './bulkFeed.ts';
import { createLwaAuthorization, refreshLwa } from './lwa.ts';
import { normalizeNotification, orderFromNotification, verifyNotificationSecret } from './notifications.ts';
import { AmazonOrders, orderIdOfEvent } from './orders.ts';
import { SpApiClient } from './spApi.ts';

export interface AmazonConnectorOptions {
  fetch?: typeof fetch;
  /** Per HTTP call. 30 s: a listings PUT is answered after synchronous validation. */
  timeoutMs?: number;
  /** Longest in-process wait for the per-seller bucket before answering RATE_LIMITED. */
  maxThrottleWaitMs?: number;
}

export type AmazonConnector = ConnectorWith<OAuth2Authorization> & {
  validateProduct(ctx: ConnectionContext, product: PushProduct): Promise<PushValidation>;
};

export function createAmazonConnector(cfg: AmazonAppConfig, opts: AmazonConnectorOptions = {}): AmazonConnector {
  const http = { fetch: opts.fetch ?? globalThis.fetch, timeoutMs: opts.timeoutMs ?? 30_000 };
  const api = new SpApiClient(cfg, { ...http, maxThrottleWaitMs: opts.maxThrottleWaitMs ?? 10_000 });
  const listings = new AmazonListings(cfg, api);
  const orders = new AmazonOrders(cfg, http, { maxThrottleWaitMs: opts.maxThrottleWaitMs ?? 10_000 });

  return {
    facts: AMAZON_FACTS,
    isConfigured: () => cfg.appId !== '' && cfg.clientId !== '' && cfg.clientSecret !== '',
    normalizeAccount: (input) => (SELLER_ID.test(input.trim()) ? input.trim() : null),
    // The account comes from Amazon's callback, never from the tenant: nothing to resolve.
    verifyAccount: async () => {},
    authorization: createLwaAuthorization(http, cfg),
    refresh: (_account, current) => refreshLwa(http, cfg, current),

    // Notifications are routed by an EventBridge destination the operator sets up in AWS;
    // there is nothing to subscribe to through SP-API from here.
    subscribeWebhooks: async () => [],
    unsubscribeWebhooks: async () => {},

    upsertProduct: (ctx, product, remoteId) => listings.upsert(ctx, product, remoteId),
    deleteProduct: (ctx, remoteId) => listings.delete(ctx, remoteId),
    findRemoteProduct: (ctx, skus) => listings.find(ctx, skus),
    bulkUpsert: (ctx, products, known) => bulkUpsertAmazon({ cfg, api, listings, ...http }, ctx, products, known),
    validateProduct: (ctx, product) => listings.validate(ctx, product),

    verifyWebhook: (_raw, headers, credentials) => verifyNotificationSecret(headers, credentials),
    isWebhookPing: () => false,
    // The URL names the connection and the secret is the connection's own: no header names the seller.
    webhookAccount: () => null,
    normalizeWebhook: (raw) => normalizeNotification(raw),

    listProducts: (ctx, cursor) => listings.list(ctx, cursor),
    // Reconciliation polls getOrders (LastUpdatedAfter, then NextToken); see orders.ts.
    listOrders: (ctx, updatedSince, cursor) => orders.list(ctx, updatedSince, cursor),
    orderFromEvent: orderFromNotification,
    // ORDER_CHANGE names the order; the worker reads it (getOrder + getOrderItems) outside the outbox transaction.
    orderIdFromEvent: orderIdOfEvent,
    fetchOrder: (ctx, orderId) => orders.fetch(ctx, orderId),
  };
}
