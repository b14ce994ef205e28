// Our notification schemas against Amazon's: the published schemas in
// ../shared/contracts/amazon accept every payload the fake builds, and our schemas accept
// Amazon's own samples (the schemas' examples and samples/). Skipped, with a notice, when
// ../shared is not there; the unit checks at the end always run.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { compileValidator } from '../../lib/validate.ts';
import { isRecord } from '../transport.ts';
import { ProviderError } from '../types.ts';
import { listingIssuesNotification, listingStatusNotification, orderChangeNotification } from './fake/notifications.ts';
import { ListingsItemIssuesChangeNotification, ListingsItemStatusChangeNotification, OrderChangeNotification } from './notificationSchemas.ts';
import { normalizeNotification } from './notifications.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const DIR = resolve(import.meta.dirname, '..', '..', '..', '..', 'shared', 'contracts', 'amazon');
const present = existsSync(join(DIR, 'OrderChangeNotification.json'));
if (!present) console.warn(`NOTICE: ${DIR} is missing: the Amazon notification contract checks are SKIPPED in this run`);

const TYPES = [
  { type: 'ORDER_CHANGE', file: 'OrderChangeNotification.json', ours: OrderChangeNotification },
  { type: 'LISTINGS_ITEM_STATUS_CHANGE', file: 'ListingsItemStatusChangeNotification.json', ours: ListingsItemStatusChangeNotification },
  { type: 'LISTINGS_ITEM_ISSUES_CHANGE', file: 'ListingsItemIssuesChangeNotification.json', ours: ListingsItemIssuesChangeNotification },
] as const;

function stripIds(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripIds);
  if (!isRecord(v)) return v;
  return Object.fromEntries(Object.entries(v).filter(([k]) => k !== '$id' && k !== '$schema').map(([k, x]) => [k, stripIds(x)]));
}

/** Amazon's published schema. One correction, the same our schema makes: the status schema's enum says LISTINGS_ITEM_STATUS_CHANGED, its own example and the API say LISTINGS_ITEM_STATUS_CHANGE. */
function official(file: string, type: string) {
  const raw = JSON.parse(readFileSync(join(DIR, file), 'utf8')) as Record<string, unknown>;
  const schema = stripIds(raw) as Record<string, unknown>;
  const props = schema.properties;
  if (isRecord(props) && isRecord(props.NotificationType) && Array.isArray(props.NotificationType.enum)) {
    props.NotificationType = { ...props.NotificationType, enum: [...new Set([...(props.NotificationType.enum as unknown[]), type])] };
  }
  const ajv = addFormats(new Ajv({ strict: false, allErrors: true }));
  return { validate: ajv.compile(schema), examples: Array.isArray(raw.examples) ? (raw.examples as unknown[]) : [] };
}

const fakePayloads: Record<(typeof TYPES)[number]['type'], unknown[]> = {
  ORDER_CHANGE: [orderChangeNotification({ sellerId: 'A2ZPJ4TLUOSWY8', orderId: '902-1111111-2222222' }), orderChangeNotification({ sellerId: 'A2ZPJ4TLUOSWY8', orderId: '1', status: 'Canceled', sku: 'X' })],
  LISTINGS_ITEM_STATUS_CHANGE: [listingStatusNotification({ sellerId: 'A2ZPJ4TLUOSWY8', sku: 'S-1' }), listingStatusNotification({ sellerId: 'A2ZPJ4TLUOSWY8', sku: 'S-2', status: ['DISCOVERABLE', 'DELETED'] })],
  LISTINGS_ITEM_ISSUES_CHANGE: [listingIssuesNotification({ sellerId: 'A2ZPJ4TLUOSWY8', sku: 'S-1' }), listingIssuesNotification({ sellerId: 'A2ZPJ4TLUOSWY8', sku: 'S-1', severities: ['NONE'] })],
};

describe.skipIf(!present)("Amazon's published notification schemas vs ours", () => {
  it.each(TYPES.map((t) => [t.type, t] as const))('%s: the published schema accepts every payload the fake builds', (_type, t) => {
    const { validate } = official(t.file, t.type);
    for (const payload of fakePayloads[t.type]) expect(validate(payload), JSON.stringify(validate.errors)).toBe(true);
  });

  it.each(TYPES.map((t) => [t.type, t] as const))("%s: our schema accepts Amazon's examples", (_type, t) => {
    const { examples, validate } = official(t.file, t.type);
    expect(examples.length).toBeGreaterThan(0);
    const ours = compileValidator(t.ours);
    for (const example of examples) {
      expect(validate(example), 'the published schema accepts its own example (after the documented correction)').toBe(true);
      expect(ours(example)).toMatchObject({ ok: true });
    }
  });

  it('our ORDER_CHANGE schema accepts the selling-partner-api-samples notification, and normalizes it', () => {
    const sample = readFileSync(join(DIR, 'samples', 'resources_notifications_ORDER_CHANGE_shipped.json'), 'utf8');
    expect(compileValidator(OrderChangeNotification)(JSON.parse(sample))).toMatchObject({ ok: true });
    expect(normalizeNotification(Buffer.from(JSON.stringify({ 'detail-type': 'ORDER_CHANGE', detail: JSON.parse(sample) })))).toMatchObject({
      event: 'order.updated',
      providerEventId: 'fb7a833f-bcb7-48b7-8f0b-10397b015af8',
      data: { order_id: '701-1588164-9632243', seller_id: 'A2ZPJ4TLUOSWY8', status: 'Shipped' },
    });
  });

  it('what our schema refuses, the published one refuses too (no stricter check on a required field Amazon sends)', () => {
    const { validate } = official('OrderChangeNotification.json', 'ORDER_CHANGE');
    const ours = compileValidator(OrderChangeNotification);
    const base = orderChangeNotification({ sellerId: 'A2ZPJ4TLUOSWY8', orderId: '1' });
    const broken: unknown[] = [
      { ...base, NotificationMetadata: { ...base.NotificationMetadata, NotificationId: undefined } },
      { ...base, Payload: {} },
      { ...base, Payload: { OrderChangeNotification: { ...base.Payload.OrderChangeNotification, Summary: { ...base.Payload.OrderChangeNotification.Summary, OrderItems: 'x' } } } },
    ].map((x) => JSON.parse(JSON.stringify(x)));
    for (const b of broken) {
      expect(validate(b)).toBe(false);
      expect(ours(b)).toMatchObject({ ok: false });
    }
  });
});

describe('normalizeNotification (no files read)', () => {
  const n = (v: unknown) => normalizeNotification(Buffer.from(JSON.stringify(v)));
  it('maps the three types from an EventBridge event or a bare notification', () => {
    expect(n({ 'detail-type': 'LISTINGS_ITEM_STATUS_CHANGE', detail: listingStatusNotification({ sellerId: 'A1', sku: 'S', notificationId: 'n1' }) })).toMatchObject({
      event: 'listing.status_changed',
      providerEventId: 'n1',
      data: { sku: 'S', status: ['BUYABLE'] },
    });
    expect(n(listingIssuesNotification({ sellerId: 'A1', sku: 'S' }))).toMatchObject({ event: 'listing.issues_changed', data: { severities: ['ERROR'] } });
    expect(n({ ...listingStatusNotification({ sellerId: 'A1', sku: 'S' }), NotificationType: 'LISTINGS_ITEM_STATUS_CHANGED' })).toMatchObject({ event: 'listing.status_changed' });
    // A value Amazon adds later is a token like the others, not a refusal.
    expect(n(orderChangeNotification({ sellerId: 'A1', orderId: 'O', status: 'PendingSomethingNew' }))).toMatchObject({ data: { status: 'PendingSomethingNew' } });
  });
  it('refuses other types, missing required fields, wrong types and non-JSON with VALIDATION', () => {
    const bad: unknown[] = [
      { ...orderChangeNotification({ sellerId: 'A1', orderId: 'O' }), NotificationType: 'FEED_PROCESSING_FINISHED' },
      { ...listingIssuesNotification({ sellerId: 'A1', sku: 'S' }), Payload: { SellerId: 'A1', Sku: 'S' } },
      { ...listingStatusNotification({ sellerId: 'A1', sku: 'S' }), EventTime: 'yesterday' },
      { ...listingStatusNotification({ sellerId: 'A1', sku: 'S' }), NotificationMetadata: { NotificationId: 'x' } },
      { detail: {} },
    ];
    for (const b of bad) expect(() => n(b), JSON.stringify(b).slice(0, 80)).toThrow(ProviderError);
    expect(() => normalizeNotification(Buffer.from('{nope'))).toThrow(/not JSON/);
  });
});
