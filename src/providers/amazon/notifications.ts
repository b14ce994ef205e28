// SP-API notifications, forwarded by an EventBridge API destination to
// POST /unified/webhook/amazon/<connection_id>. Amazon signs nothing we can check, so the
// API destination's connection sends a secret header Synq generated for this connection
// (stored sealed in its credentials); it is compared in constant time before the body is
// looked at. Bodies are then checked against Amazon's published notification schemas.
import { createHash, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { isRecord } from '../transport.ts';
import { ProviderError, type Credentials, type InboundEvent, type NormalizedOrder } from '../types.ts';
import { NOTIFICATION_SECRET_HEADER } from './facts.ts';

type Headers = Record<string, string | string[] | undefined>;

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** Notification type -> schema file and the normalized event name. */
const TYPES: Record<string, { file: string; event: string }> = {
  ORDER_CHANGE: { file: 'OrderChangeNotification.json', event: 'order.updated' },
  LISTINGS_ITEM_STATUS_CHANGE: { file: 'ListingsItemStatusChangeNotification.json', event: 'listing.status_changed' },
  LISTINGS_ITEM_ISSUES_CHANGE: { file: 'ListingsItemIssuesChangeNotification.json', event: 'listing.issues_changed' },
};

function stripIds(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripIds);
  if (!isRecord(v)) return v;
  return Object.fromEntries(Object.entries(v).filter(([k]) => k !== '$id' && k !== 'examples').map(([k, x]) => [k, stripIds(x)]));
}

export interface NotificationSchemas {
  /** Where the schemas came from; null when the directory was missing (structural checks only). */
  source: string | null;
  validate(type: string, notification: unknown): string | null;
}

/**
 * Loads the three schemas. Correction applied: ListingsItemStatusChangeNotification.json's
 * NotificationType enum says "LISTINGS_ITEM_STATUS_CHANGED" while the Notifications API
 * delivers "LISTINGS_ITEM_STATUS_CHANGE"; both are accepted. `$id`s are dropped (the order
 * schema's nested "#/properties/…" ids would otherwise collide between compilations).
 */
export function loadNotificationSchemas(dir: string): NotificationSchemas {
  const files = Object.values(TYPES).map((t) => join(dir, t.file));
  if (!files.every((f) => existsSync(f))) {
    // Without the schemas only the envelope fields we read are checked (see structural()).
    return { source: null, validate: (type, n) => structural(type, n) };
  }
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  const compiled = new Map<string, ValidateFunction>();
  for (const [type, t] of Object.entries(TYPES)) {
    const schema = stripIds(JSON.parse(readFileSync(join(dir, t.file), 'utf8'))) as Record<string, unknown>;
    const props = schema.properties;
    if (isRecord(props) && isRecord(props.NotificationType) && Array.isArray(props.NotificationType.enum)) {
      props.NotificationType = { ...props.NotificationType, enum: [...new Set([...props.NotificationType.enum, type])] };
    }
    delete schema.$schema;
    compiled.set(type, ajv.compile(schema));
  }
  return {
    source: dir,
    validate(type, n) {
      const v = compiled.get(type);
      if (!v) return `unsupported notification type "${type.slice(0, 60)}"`;
      if (v(n)) return null;
      return (v.errors ?? []).slice(0, 3).map((e) => `${e.instancePath || '/'} ${e.message ?? 'invalid'}`).join('; ');
    },
  };
}

function structural(type: string, n: unknown): string | null {
  if (!(type in TYPES)) return `unsupported notification type "${type.slice(0, 60)}"`;
  if (!isRecord(n) || !isRecord(n.Payload) || !isRecord(n.NotificationMetadata)) return 'Payload and NotificationMetadata are required';
  return typeof n.NotificationMetadata.NotificationId === 'string' ? null : 'NotificationMetadata.NotificationId is required';
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** Constant-time: both sides are hashed to 32 bytes first, so neither length nor content leaks. */
export function verifyNotificationSecret(headers: Headers, credentials: Credentials | undefined): boolean {
  const expected = credentials?.webhookSecret;
  if (expected === undefined || expected.length < 32) return false;
  const given = headers[NOTIFICATION_SECRET_HEADER];
  if (typeof given !== 'string' || given.length === 0 || given.length > 512) return false;
  return timingSafeEqual(digest(given), digest(expected));
}

/** The SP-API notification inside an EventBridge event ({version, id, detail-type, source, detail}), or a bare one. */
export function unwrap(body: unknown): Record<string, unknown> | null {
  if (isRecord(body) && isRecord(body.detail) && typeof body['detail-type'] === 'string') return body.detail;
  return isRecord(body) && typeof body.NotificationType === 'string' ? body : null;
}

export function normalizeNotification(schemas: NotificationSchemas, rawBody: Buffer): InboundEvent {
  let body: unknown;
  try {
    body = JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw new ProviderError('VALIDATION', 'Notification body is not JSON');
  }
  const n = unwrap(body);
  if (n === null) throw new ProviderError('VALIDATION', 'Body is neither an EventBridge event with detail nor an SP-API notification');
  const rawType = typeof n.NotificationType === 'string' ? n.NotificationType : '';
  const type = rawType === 'LISTINGS_ITEM_STATUS_CHANGED' ? 'LISTINGS_ITEM_STATUS_CHANGE' : rawType;
  const problem = schemas.validate(type, n);
  if (problem !== null) throw new ProviderError('VALIDATION', `Notification does not match the ${type.slice(0, 60) || 'SP-API'} schema: ${problem}`);
  const t = TYPES[type]!;
  const meta = n.NotificationMetadata as Record<string, unknown>;
  const payload = n.Payload as Record<string, unknown>;
  const id = typeof meta.NotificationId === 'string' ? meta.NotificationId : null;
  if (type === 'ORDER_CHANGE') {
    const o = isRecord(payload.OrderChangeNotification) ? payload.OrderChangeNotification : {};
    const summary = isRecord(o.Summary) ? o.Summary : {};
    return {
      event: t.event,
      providerEventId: id,
      data: { order_id: o.AmazonOrderId, seller_id: o.SellerId, status: summary.OrderStatus ?? null, change_type: o.OrderChangeType ?? null, event_time: n.EventTime },
    };
  }
  return {
    event: t.event,
    providerEventId: id,
    data: {
      seller_id: payload.SellerId,
      sku: payload.Sku,
      marketplace_id: payload.MarketplaceId ?? null,
      ...(type === 'LISTINGS_ITEM_STATUS_CHANGE' ? { status: payload.Status } : { severities: payload.Severities }),
      event_time: n.EventTime,
    },
  };
}

/**
 * ORDER_CHANGE names the order, its status and SKUs but no currency or amounts, so it
 * cannot become a stored order by itself: the Orders API would be read for that, and its
 * contract is not among the published models Synq is tested against (see connector.ts listOrders).
 */
export function orderFromNotification(_data: unknown): NormalizedOrder | null {
  throw new ProviderError('VALIDATION', 'Amazon ORDER_CHANGE carries no amounts; the order is recorded as an event only (Orders API import not implemented)');
}
