// Orders through the Orders API v0: one order read in full (getOrder, then getOrderItems page
// by page) when an ORDER_CHANGE notification names it, and reconciliation by polling getOrders
// with LastUpdatedAfter, page by page with NextToken. ORDER_CHANGE carries the status and the
// SKUs but no currency or amounts, so the notification only names the order to read.
// Each operation has its own usage plan, so each gets its own per-seller bucket (ordersModel.ts).
import type { AmazonAppConfig } from './config.ts';
import { compileValidator } from '../../lib/validate.ts';
import { isRecord } from '../transport.ts';
import { ProviderError, type ConnectionContext, type NormalizedOrder, type Page } from '../types.ts';
import {
  GetOrderItemsResponse,
  GetOrderResponse,
  GetOrdersResponse,
  MAX_RESULTS_PER_PAGE,
  ORDERS_PATH,
  ORDERS_RATE_LIMITS,
  type AmazonOrder,
  type AmazonOrderItem,
  type AmazonOrderStatus,
  type OrdersOperation,
} from './ordersModel.ts';
import { unwrap } from './notifications.ts';
import { formatScaled, scaled, unitPrice } from './orderAmounts.ts';
import { SpApiClient, type SpApiDeps } from './spApi.ts';

const checkOrders = compileValidator(GetOrdersResponse);
const checkOrder = compileValidator(GetOrderResponse);
const checkItems = compileValidator(GetOrderItemsResponse);

/**
 * Synq's order statuses are lower-case words shared across providers (Shopify's financial
 * status, WooCommerce's order status). Unshipped means "payment authorized, ready to ship",
 * the point at which the other providers say paid.
 */
export const ORDER_STATUS: Record<AmazonOrderStatus, string> = {
  PendingAvailability: 'pending',
  Pending: 'pending',
  Unshipped: 'paid',
  PartiallyShipped: 'partially_shipped',
  Shipped: 'shipped',
  InvoiceUnconfirmed: 'shipped',
  Canceled: 'cancelled',
  Unfulfillable: 'unfulfillable',
};

/** An order read this far back when reconciliation has no cursor yet (Amazon keeps orders for years; 60 days matches syncConnection's first import). */
const FIRST_IMPORT_WINDOW_MS = 60 * 24 * 3600 * 1000;
/** A getOrderItems loop ends here even if Amazon keeps sending NextToken: far beyond any real basket. */
const MAX_ITEM_PAGES = 50;

/** The sum of the line amounts when OrderTotal is missing, if every priced line names one currency. */
function itemsTotal(items: AmazonOrderItem[]): { currency: string; amount: string } | null {
  const priced = items.filter((i) => i.ItemPrice?.Amount !== undefined && i.ItemPrice.CurrencyCode !== undefined);
  const currency = priced[0]?.ItemPrice?.CurrencyCode;
  if (currency === undefined || priced.some((i) => i.ItemPrice?.CurrencyCode !== currency)) return null;
  let sum = 0n;
  for (const i of priced) {
    const units = scaled(i.ItemPrice?.Amount ?? '');
    if (units === null) return null;
    sum += units;
  }
  return { currency, amount: formatScaled(sum) };
}

/** Pending orders carry no amounts anywhere (OrderTotal and ItemPrice come with payment authorization). */
const unpriced = (o: AmazonOrder) => o.OrderTotal === undefined && (o.OrderStatus === 'Pending' || o.OrderStatus === 'PendingAvailability');

/**
 * The order as Synq stores it, or null while Amazon has not priced it: a Pending order has no
 * OrderTotal and its items no ItemPrice, so there is no currency or amount to store. The
 * ORDER_CHANGE that moves it to Unshipped (and the next reconciliation) brings it in.
 */
export function toNormalizedOrder(order: AmazonOrder, items: AmazonOrderItem[]): NormalizedOrder | null {
  const total =
    order.OrderTotal?.Amount !== undefined && order.OrderTotal.CurrencyCode !== undefined
      ? { currency: order.OrderTotal.CurrencyCode, amount: order.OrderTotal.Amount }
      : itemsTotal(items);
  if (total === null) return null;
  return {
    externalId: order.AmazonOrderId,
    // The id sellers see in Seller Central; SellerOrderId is the seller's own when they set one.
    name: order.SellerOrderId ?? order.AmazonOrderId,
    status: ORDER_STATUS[order.OrderStatus],
    currency: total.currency,
    total: total.amount,
    createdAt: order.PurchaseDate,
    updatedAt: order.LastUpdateDate,
    lineItems: items.map((i) => ({
      sku: i.SellerSKU === undefined || i.SellerSKU === '' ? null : i.SellerSKU,
      title: i.Title ?? i.ASIN,
      quantity: i.QuantityOrdered,
      // A line Amazon has not priced (a canceled item of a shipped order) is stored at 0; checkOrder refuses anything unparseable.
      price: i.ItemPrice?.Amount === undefined ? '0' : (unitPrice(i.ItemPrice.Amount, i.QuantityOrdered) ?? i.ItemPrice.Amount),
    })),
  };
}

/**
 * The order an ORDER_CHANGE names, read from the stored body (the EventBridge event, or a bare
 * notification), which ingress already checked against the ORDER_CHANGE schema; null otherwise.
 */
export function orderIdOfEvent(body: unknown): string | null {
  const n = unwrap(body);
  if (n === null || n.NotificationType !== 'ORDER_CHANGE' || !isRecord(n.Payload)) return null;
  const change = n.Payload.OrderChangeNotification;
  const id = isRecord(change) ? change.AmazonOrderId : undefined;
  return typeof id === 'string' && id.length > 0 && id.length <= 64 ? id : null;
}

export interface OrdersHttp {
  fetch: typeof fetch;
  timeoutMs: number;
}

export class AmazonOrders {
  private readonly clients: Record<OrdersOperation, SpApiClient>;
  constructor(
    private readonly cfg: AmazonAppConfig,
    http: OrdersHttp,
    opts: { maxThrottleWaitMs: number },
  ) {
    const client = (op: OrdersOperation, maxThrottleWaitMs: number): SpApiClient => {
      const deps: SpApiDeps = { ...http, maxThrottleWaitMs, limits: ORDERS_RATE_LIMITS[op] };
      return new SpApiClient(cfg, deps);
    };
    this.clients = {
      // After its burst of 20, getOrders allows one page a minute: a reconciliation waits for it
      // in-process (61 s) rather than failing the job and starting over from the saved cursor.
      getOrders: client('getOrders', Math.max(opts.maxThrottleWaitMs, 61_000)),
      getOrder: client('getOrder', opts.maxThrottleWaitMs),
      getOrderItems: client('getOrderItems', opts.maxThrottleWaitMs),
    };
  }

  private async call<T>(op: OrdersOperation, ctx: ConnectionContext, path: string, query: Record<string, string | undefined>, check: (v: unknown) => { ok: true; value: T } | { ok: false; error: string }): Promise<T> {
    const body = await this.clients[op].request<unknown>(ctx, { what: op, method: 'GET', path, query });
    const r = check(body);
    if (!r.ok) throw new ProviderError('PROTOCOL', `Amazon ${op} answered outside the Orders API model: ${r.error}`);
    return r.value;
  }

  private async items(ctx: ConnectionContext, orderId: string): Promise<AmazonOrderItem[]> {
    const path = `${ORDERS_PATH}/${encodeURIComponent(orderId)}/orderItems`;
    const out: AmazonOrderItem[] = [];
    let next: string | undefined;
    for (let page = 0; page < MAX_ITEM_PAGES; page++) {
      const res = await this.call('getOrderItems', ctx, path, { NextToken: next }, checkItems);
      out.push(...(res.payload?.OrderItems ?? []));
      next = res.payload?.NextToken || undefined;
      if (next === undefined) break;
    }
    return out;
  }

  /** One order with all its items; null when Amazon does not know it (404) or has not priced it yet. */
  async fetch(ctx: ConnectionContext, orderId: string): Promise<NormalizedOrder | null> {
    let res: GetOrderResponse;
    try {
      res = await this.call('getOrder', ctx, `${ORDERS_PATH}/${encodeURIComponent(orderId)}`, {}, checkOrder);
    } catch (err) {
      if (err instanceof ProviderError && err.code === 'NOT_FOUND') return null;
      throw err;
    }
    if (res.payload === undefined) throw new ProviderError('PROTOCOL', 'Amazon getOrder answered without a payload');
    if (unpriced(res.payload)) return null;
    return toNormalizedOrder(res.payload, await this.items(ctx, orderId));
  }

  /**
   * One getOrders page of orders updated since `updatedSince`, each with its items. Orders
   * Amazon has not priced yet are left out (see toNormalizedOrder). The cursor is Amazon's
   * NextToken; with it, Amazon ignores the other criteria but still requires MarketplaceIds.
   */
  async list(ctx: ConnectionContext, updatedSince: string | null, cursor: string | null): Promise<Page<NormalizedOrder>> {
    const since = updatedSince ?? new Date(Date.now() - FIRST_IMPORT_WINDOW_MS).toISOString();
    const query: Record<string, string | undefined> = { MarketplaceIds: this.cfg.marketplaceIds.join(',') };
    if (cursor !== null) query.NextToken = cursor;
    else {
      query.LastUpdatedAfter = new Date(since).toISOString();
      // The most Amazon allows: fewer getOrders calls, which are the scarce ones (one a minute).
      query.MaxResultsPerPage = String(MAX_RESULTS_PER_PAGE);
    }
    const res = await this.call('getOrders', ctx, ORDERS_PATH, query, checkOrders);
    if (res.payload === undefined) throw new ProviderError('PROTOCOL', 'Amazon getOrders answered without a payload');
    const items: NormalizedOrder[] = [];
    for (const o of res.payload.Orders) {
      if (unpriced(o)) continue;
      const mapped = toNormalizedOrder(o, await this.items(ctx, o.AmazonOrderId));
      if (mapped !== null) items.push(mapped);
    }
    return { items, nextCursor: res.payload.NextToken || null };
  }
}
