// Inbound Shopify webhooks: signature, shop, and a normalized event name.
import { verifyHmacSha256 } from '../../lib/signatures.ts';
import { ProviderError, type InboundEvent } from '../types.ts';
import { normalizeShopDomain } from './facts.ts';
import { header } from '../../lib/headers.ts';

type Headers = Record<string, string | string[] | undefined>;

const EVENTS: Record<string, string> = {
  'orders/create': 'order.created',
  'orders/updated': 'order.updated',
  'products/update': 'product.updated',
  'products/delete': 'product.deleted',
  'inventory_levels/update': 'inventory.updated',
  'app/uninstalled': 'app.uninstalled',
};

/** Shopify signs the raw body with the app's client secret; the base64 digest is in X-Shopify-Hmac-Sha256. */
export function verifyShopifyWebhook(secret: string, rawBody: Buffer, headers: Headers): boolean {
  return verifyHmacSha256(secret, rawBody, header(headers, 'x-shopify-hmac-sha256'), 'base64');
}

export function webhookShop(headers: Headers): string | null {
  const raw = header(headers, 'x-shopify-shop-domain');
  return raw === undefined ? null : normalizeShopDomain(raw);
}

/** Call only after verifyShopifyWebhook: the body is parsed here, never before the signature checks out. */
export function normalizeShopifyWebhook(rawBody: Buffer, headers: Headers): InboundEvent {
  const topic = header(headers, 'x-shopify-topic')?.trim().toLowerCase();
  // Shopify topics are resource/action pairs (orders/create, app/uninstalled). Anything else is
  // refused, and the table lookup is own-keys only: a topic of "__proto__" once read
  // Object.prototype out of EVENTS and ended in a 500 (found by the full fuzz run).
  if (!topic || !/^[a-z0-9_-]{1,64}(\/[a-z0-9_-]{1,64}){1,2}$/.test(topic)) throw new ProviderError('VALIDATION', 'Webhook has no valid X-Shopify-Topic');
  let data: unknown;
  try {
    data = JSON.parse(rawBody.toString('utf8')) as unknown;
  } catch {
    throw new ProviderError('VALIDATION', 'Webhook body is not JSON');
  }
  return {
    event: Object.hasOwn(EVENTS, topic) ? EVENTS[topic]! : `shopify.${topic}`,
    providerEventId: header(headers, 'x-shopify-webhook-id') ?? null,
    data,
  };
}

/** WebhookSubscriptionTopic enum value -> the topic string Shopify puts in X-Shopify-Topic (ORDERS_CREATE -> orders/create). */
export function topicHeaderFor(enumTopic: string): string {
  const lower = enumTopic.toLowerCase();
  const known = Object.keys(EVENTS).find((t) => t.replace('/', '_') === lower);
  return known ?? lower.replace('_', '/');
}
