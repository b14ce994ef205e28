// Inbound WooCommerce webhooks: X-WC-Webhook-Signature is the base64 HMAC-SHA256 of the
// raw body with the secret given when the webhook was created (ours, per connection);
// X-WC-Webhook-Delivery-ID identifies a delivery; a new webhook first sends an unsigned
// form-encoded "webhook_id=N" ping.
import { verifyHmacSha256 } from '../../lib/signatures.ts';
import { ProviderError, type Credentials, type InboundEvent } from '../types.ts';
import { header } from '../../lib/headers.ts';

type Headers = Record<string, string | string[] | undefined>;

const EVENTS: Record<string, string> = {
  'order.created': 'order.created',
  'order.updated': 'order.updated',
  'order.deleted': 'order.deleted',
  'product.created': 'product.created',
  'product.updated': 'product.updated',
  'product.deleted': 'product.deleted',
};

export function verifyWooWebhook(rawBody: Buffer, headers: Headers, credentials: Credentials | undefined): boolean {
  // No stored secret means reject, never "skip verification".
  return verifyHmacSha256(credentials?.webhookSecret, rawBody, header(headers, 'x-wc-webhook-signature'), 'base64');
}

/** The creation ping: no signature, a tiny form body naming the webhook. */
export function isWooPing(rawBody: Buffer, headers: Headers): boolean {
  return header(headers, 'x-wc-webhook-signature') === undefined && rawBody.length <= 64 && /^webhook_id=\d{1,20}$/.test(rawBody.toString('latin1').trim());
}

/** Call only after verifyWooWebhook: nothing is parsed before the signature checks out. */
export function normalizeWooWebhook(rawBody: Buffer, headers: Headers): InboundEvent {
  const topic = header(headers, 'x-wc-webhook-topic')?.trim().toLowerCase();
  if (!topic || !/^[a-z_]+\.[a-z_]+$/.test(topic)) throw new ProviderError('VALIDATION', 'Webhook has no valid X-WC-Webhook-Topic');
  let data: unknown;
  try {
    data = JSON.parse(rawBody.toString('utf8')) as unknown;
  } catch {
    throw new ProviderError('VALIDATION', 'Webhook body is not JSON');
  }
  return { event: Object.hasOwn(EVENTS, topic) ? EVENTS[topic]! : `woocommerce.${topic}`, providerEventId: header(headers, 'x-wc-webhook-delivery-id') ?? null, data };
}
