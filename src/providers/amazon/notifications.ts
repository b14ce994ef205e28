// SP-API notifications, forwarded by an EventBridge API destination to
// POST /unified/webhook/amazon/<connection_id>. Amazon signs nothing we can check, so the
// API destination's connection sends a secret header Synq generated for this connection
// (stored sealed in its credentials); it is compared in constant time before the body is
// looked at. Bodies are then checked against our own schemas of the three notification
// types (notificationSchemas.ts, tested against Amazon's published ones).
import { createHash, timingSafeEqual } from 'node:crypto';
import { compileValidator } from '../../lib/validate.ts';
import { isRecord } from '../transport.ts';
import { ProviderError, type Credentials, type InboundEvent, type NormalizedOrder } from '../types.ts';
import { NOTIFICATION_SECRET_HEADER } from './facts.ts';
import { ListingsItemIssuesChangeNotification, ListingsItemStatusChangeNotification, OrderChangeNotification } from './notificationSchemas.ts';

type Headers = Record<string, string | string[] | undefined>;

const checkOrderChange = compileValidator(OrderChangeNotification);
const checkStatusChange = compileValidator(ListingsItemStatusChangeNotification);
const checkIssuesChange = compileValidator(ListingsItemIssuesChangeNotification);

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

const matches = (given: string, expected: string | undefined) => expected !== undefined && expected.length >= 32 && timingSafeEqual(digest(given), digest(expected));

/**
 * Constant-time: both sides are hashed to 32 bytes first, so neither length nor content leaks.
 * After a rotation the previous secret is accepted until its grace period ends, so the tenant
 * can update the EventBridge connection without losing notifications in between.
 */
export function verifyNotificationSecret(headers: Headers, credentials: Credentials | undefined, now = Date.now()): boolean {
  const given = headers[NOTIFICATION_SECRET_HEADER];
  if (typeof given !== 'string' || given.length === 0 || given.length > 512) return false;
  const current = matches(given, credentials?.webhookSecret);
  const until = credentials?.previousWebhookSecretUntil === undefined ? Number.NaN : Date.parse(credentials.previousWebhookSecretUntil);
  // Both comparisons always run: which secret matched must not show in the timing.
  const previous = matches(given, credentials?.previousWebhookSecret);
  return current || (previous && now < until);
}

/** The SP-API notification inside an EventBridge event ({version, id, detail-type, source, detail}), or a bare one. */
export function unwrap(body: unknown): Record<string, unknown> | null {
  if (isRecord(body) && isRecord(body.detail) && typeof body['detail-type'] === 'string') return body.detail;
  return isRecord(body) && typeof body.NotificationType === 'string' ? body : null;
}

const fail = (type: string, problem: string) => new ProviderError('VALIDATION', `Notification does not match the ${type} schema: ${problem}`);

/** An EventBridge-forwarded (or bare) SP-API notification as an inbound event; ProviderError('VALIDATION') for anything else. */
export function normalizeNotification(rawBody: Buffer): InboundEvent {
  let body: unknown;
  try {
    body = JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw new ProviderError('VALIDATION', 'Notification body is not JSON');
  }
  const n = unwrap(body);
  if (n === null) throw new ProviderError('VALIDATION', 'Body is neither an EventBridge event with detail nor an SP-API notification');
  const type = typeof n.NotificationType === 'string' ? n.NotificationType.slice(0, 60) : '';
  switch (type) {
    case 'ORDER_CHANGE': {
      const r = checkOrderChange(n);
      if (!r.ok) throw fail(type, r.error);
      const o = r.value.Payload.OrderChangeNotification;
      return {
        event: 'order.updated',
        providerEventId: r.value.NotificationMetadata.NotificationId,
        data: { order_id: o.AmazonOrderId, seller_id: o.SellerId, status: o.Summary.OrderStatus, change_type: o.OrderChangeType, event_time: r.value.EventTime },
      };
    }
    case 'LISTINGS_ITEM_STATUS_CHANGE':
    case 'LISTINGS_ITEM_STATUS_CHANGED': {
      const r = checkStatusChange(n);
      if (!r.ok) throw fail('LISTINGS_ITEM_STATUS_CHANGE', r.error);
      const p = r.value.Payload;
      return {
        event: 'listing.status_changed',
        providerEventId: r.value.NotificationMetadata.NotificationId,
        data: { seller_id: p.SellerId, sku: p.Sku, marketplace_id: p.MarketplaceId ?? null, status: p.Status, event_time: r.value.EventTime },
      };
    }
    case 'LISTINGS_ITEM_ISSUES_CHANGE': {
      const r = checkIssuesChange(n);
      if (!r.ok) throw fail(type, r.error);
      const p = r.value.Payload;
      return {
        event: 'listing.issues_changed',
        providerEventId: r.value.NotificationMetadata.NotificationId,
        data: { seller_id: p.SellerId, sku: p.Sku, marketplace_id: p.MarketplaceId ?? null, severities: p.Severities, event_time: r.value.EventTime },
      };
    }
    default:
      throw new ProviderError('VALIDATION', `unsupported notification type "${type}"`);
  }
}

/**
 * ORDER_CHANGE names the order, its status and SKUs but no currency or amounts, so it never
 * becomes a stored order by itself: the connector's orderIdFromEvent names the order and the
 * worker reads it from the Orders API (orders.ts). Reaching this is a wiring bug.
 */
export function orderFromNotification(_data: unknown): NormalizedOrder | null {
  throw new ProviderError('VALIDATION', 'Amazon ORDER_CHANGE carries no amounts: the order is read from the Orders API (orderIdFromEvent), not mapped from the notification');
}
