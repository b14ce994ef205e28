// Order rules that do not depend on HTTP or SQL: which events carry orders, the
// shape a 'unified' order must have, the checks every order passes before it is
// stored (whatever provider mapped it), and the JSON we hand out.
import { Type, type Static } from '@sinclair/typebox';
import { compileValidator, type Validated } from '../lib/validate.ts';
import type { NormalizedOrder } from '../providers/types.ts';
import { normalizePrice } from './product.ts';

/** Events whose data is an order to upsert. */
export const ORDER_EVENTS: ReadonlySet<string> = new Set(['order.created', 'order.updated', 'accounting.order.created', 'accounting.order.updated']);
export const UNINSTALL_EVENT = 'app.uninstalled';

export interface OrderLineItem {
  sku: string | null;
  title: string;
  quantity: number;
  /** Exact decimal string. */
  price: string;
}

/** A checked order, ready to upsert. */
export interface OrderInput {
  externalId: string;
  name: string | null;
  status: string;
  currency: string;
  total: string;
  lineItems: OrderLineItem[];
  externalCreatedAt: Date | null;
  externalUpdatedAt: Date;
}

export interface Order {
  id: string;
  /** Public conn_… id. */
  connectionId: string;
  externalId: string;
  name: string | null;
  status: string;
  currency: string;
  total: string;
  lineItems: OrderLineItem[];
  externalCreatedAt: Date | null;
  externalUpdatedAt: Date;
  createdAt: Date;
  updatedAt: Date;
}

/** Bounds one order row's JSON; far above any real basket. */
const MAX_LINE_ITEMS = 5000;

const Price = Type.Union([Type.String({ maxLength: 32 }), Type.Number()]);
const ExternalId = Type.Union([Type.String({ minLength: 1, maxLength: 255 }), Type.Integer({ minimum: 0 })]);

/** `data` of a unified order.created / order.updated event. */
export const UnifiedOrder = Type.Object({
  id: Type.Optional(ExternalId),
  external_id: Type.Optional(ExternalId),
  name: Type.Optional(Type.Union([Type.String({ maxLength: 255 }), Type.Null()])),
  status: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  currency: Type.String({ pattern: '^[A-Z]{3}$' }),
  total: Price,
  created_at: Type.Optional(Type.Union([Type.String({ format: 'date-time' }), Type.Null()])),
  updated_at: Type.String({ format: 'date-time' }),
  line_items: Type.Optional(
    Type.Array(
      Type.Object({
        sku: Type.Optional(Type.Union([Type.String({ maxLength: 255 }), Type.Null()])),
        title: Type.String({ maxLength: 1000 }),
        quantity: Type.Integer({ minimum: 0, maximum: 1_000_000_000 }),
        price: Price,
      }),
      { maxItems: MAX_LINE_ITEMS },
    ),
  ),
});
export type UnifiedOrder = Static<typeof UnifiedOrder>;

const checkUnified = compileValidator(UnifiedOrder);

/** What a mapper produced, before the shared checks (createdAt may be unknown for unified orders). */
export type OrderCandidate = Omit<NormalizedOrder, 'createdAt'> & { createdAt: string | null };

export function unifiedOrderCandidate(data: unknown): Validated<OrderCandidate> {
  const r = checkUnified(data);
  if (!r.ok) return { ok: false, error: `order ${r.error}` };
  const o = r.value;
  const externalId = o.external_id ?? o.id;
  if (externalId === undefined) return { ok: false, error: 'order needs an id or external_id' };
  // Numbers become their shortest round-trip text (89.99 -> "89.99"); checkOrder then validates every amount.
  const lineItems = (o.line_items ?? []).map((li) => ({
    sku: li.sku === undefined || li.sku === '' ? null : li.sku,
    title: li.title,
    quantity: li.quantity,
    price: String(li.price),
  }));
  return {
    ok: true,
    value: {
      externalId: String(externalId),
      name: o.name ?? null,
      status: o.status ?? 'unknown',
      currency: o.currency,
      total: String(o.total),
      createdAt: o.created_at ?? null,
      updatedAt: o.updated_at,
      lineItems,
    },
  };
}

const CURRENCY = /^[A-Z]{3}$/;

function timestamp(value: string): Date | null {
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

/**
 * The checks every order passes before it is stored, whichever mapper produced it:
 * connectors map provider payloads but do not all validate amounts the way we store them.
 */
export function checkOrder(c: OrderCandidate): Validated<OrderInput> {
  // PostgreSQL text and jsonb cannot hold U+0000; JSON can ("\u0000"). Caught here it is a bad
  // payload (failed once); caught by the database it would be a crash, retried until it gives up.
  const texts = [c.externalId, c.name ?? '', c.status, ...c.lineItems.flatMap((li) => [li.title, li.sku ?? ''])];
  if (texts.some((t) => t.includes('\u0000'))) return { ok: false, error: 'order text contains a NUL character' };
  if (c.externalId === '' || c.externalId.length > 255) return { ok: false, error: 'order external id must be 1-255 characters' };
  if (!CURRENCY.test(c.currency)) return { ok: false, error: 'order currency must be an ISO 4217 code' };
  const total = normalizePrice(c.total);
  if (total === null) return { ok: false, error: 'order total must be a non-negative decimal with at most 4 decimals' };
  const externalUpdatedAt = timestamp(c.updatedAt);
  if (externalUpdatedAt === null) return { ok: false, error: 'order updated_at is not a timestamp' };
  const externalCreatedAt = c.createdAt === null ? null : timestamp(c.createdAt);
  if (c.createdAt !== null && externalCreatedAt === null) return { ok: false, error: 'order created_at is not a timestamp' };
  if (c.lineItems.length > MAX_LINE_ITEMS) return { ok: false, error: `order has more than ${MAX_LINE_ITEMS} line items` };
  const lineItems: OrderLineItem[] = [];
  for (const [i, li] of c.lineItems.entries()) {
    const price = normalizePrice(li.price);
    if (price === null) return { ok: false, error: `order line_items[${i}].price must be a non-negative decimal with at most 4 decimals` };
    if (!Number.isInteger(li.quantity) || li.quantity < 0) return { ok: false, error: `order line_items[${i}].quantity must be a non-negative integer` };
    if (li.title.length > 1000 || (li.sku !== null && li.sku.length > 255)) return { ok: false, error: `order line_items[${i}] has an over-long title or sku` };
    lineItems.push({ sku: li.sku, title: li.title, quantity: li.quantity, price });
  }
  return {
    ok: true,
    value: {
      externalId: c.externalId,
      name: c.name,
      status: c.status.slice(0, 64) || 'unknown',
      currency: c.currency,
      total,
      lineItems,
      externalCreatedAt,
      externalUpdatedAt,
    },
  };
}

export interface OrderJson {
  id: string;
  connection_id: string;
  external_id: string;
  name: string | null;
  status: string;
  currency: string;
  total: string;
  line_items: OrderLineItem[];
  external_created_at: string | null;
  external_updated_at: string;
  created_at: string;
  updated_at: string;
}

export function orderToJson(o: Order): OrderJson {
  return {
    id: o.id,
    connection_id: o.connectionId,
    external_id: o.externalId,
    name: o.name,
    status: o.status,
    currency: o.currency,
    total: o.total,
    line_items: o.lineItems,
    external_created_at: o.externalCreatedAt ? o.externalCreatedAt.toISOString() : null,
    external_updated_at: o.externalUpdatedAt.toISOString(),
    created_at: o.createdAt.toISOString(),
    updated_at: o.updatedAt.toISOString(),
  };
}
