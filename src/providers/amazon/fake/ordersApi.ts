// The fake's Orders API v0: getOrders, getOrder and getOrderItems served from an in-memory
// order book per seller. Requests are checked against Synq's hand-derived schemas
// (../ordersModel.ts) plus the rules a JSON Schema cannot say (CreatedAfter or LastUpdatedAfter
// unless NextToken; not both; no date in the future; NextToken issued by this fake for this
// seller), then the access token, injected failures and the per-seller, per-operation usage
// plans (429 + x-amzn-RateLimit-Limit). Every answer is checked against the same schemas
// before it leaves; a mismatch is counted in stats.invalidResponses (tests expect 0).
// What the real service does that this does not: the other getOrders filters (OrderStatuses,
// FulfillmentChannels, …) are refused instead of applied, as Synq never sends them.
import { randomBytes, randomUUID } from 'node:crypto';
import { compileValidator } from '../../../lib/validate.ts';
import { lineAmount, formatScaled, scaled } from '../orderAmounts.ts';
import {
  AMAZON_ORDER_ID,
  GetOrderItemsQuery,
  GetOrderItemsResponse,
  GetOrderResponse,
  GetOrdersQuery,
  GetOrdersResponse,
  MAX_RESULTS_PER_PAGE,
  ORDERS_PATH,
  ORDERS_RATE_LIMITS,
  type AmazonOrder,
  type AmazonOrderItem,
  type AmazonOrderStatus,
  type OrdersOperation,
} from '../ordersModel.ts';
import { take } from './listingsApi.ts';
import type { FakeWorld, HttpAnswer } from './state.ts';

const checkQuery = compileValidator(GetOrdersQuery);
const checkItemsQuery = compileValidator(GetOrderItemsQuery);
const RESPONSE_CHECKS: Record<OrdersOperation, (v: unknown) => { ok: boolean; error?: string }> = {
  getOrders: compileValidator(GetOrdersResponse),
  getOrder: compileValidator(GetOrderResponse),
  getOrderItems: compileValidator(GetOrderItemsResponse),
};

export interface FakeOrder {
  order: AmazonOrder & Record<string, unknown>;
  items: AmazonOrderItem[];
}

export interface NewFakeOrder {
  orderId?: string;
  status?: AmazonOrderStatus;
  marketplaceId?: string;
  currency?: string;
  purchaseDate?: string;
  lastUpdateDate?: string;
  /** unitPrice as a decimal string; ItemPrice is unit × quantity, as Amazon reports it. */
  items: { sku: string; title?: string; quantity: number; unitPrice: string }[];
}

export interface OrdersFakeOptions {
  /** Orders per getOrders page at most (the request's MaxResultsPerPage may ask for fewer). */
  pageSize: number;
  /** Items per getOrderItems page. */
  itemsPageSize: number;
  rates: Record<OrdersOperation, { perSecond: number; burst: number }>;
}

export const DEFAULT_ORDERS_OPTIONS: OrdersFakeOptions = { pageSize: MAX_RESULTS_PER_PAGE, itemsPageSize: 30, rates: ORDERS_RATE_LIMITS };

const digits = (n: number) => [...randomBytes(n)].map((b) => String(b % 10)).join('');
const errorList = (status: number, code: string, message: string): HttpAnswer => ({ status, body: { errors: [{ code, message }] } });

/** Every seller's orders and the NextTokens handed out (the usage-plan buckets live in FakeWorld, beside the Listings ones). */
export class FakeOrderBook {
  readonly bySeller = new Map<string, Map<string, FakeOrder>>();
  private readonly nextTokens = new Map<string, { seller: string; ids: string[] }>();

  orders(seller: string): Map<string, FakeOrder> {
    let m = this.bySeller.get(seller);
    if (!m) {
      m = new Map();
      this.bySeller.set(seller, m);
    }
    return m;
  }

  /** Places an order as a buyer would; Pending orders carry no amounts, like Amazon's. */
  put(seller: string, o: NewFakeOrder): FakeOrder {
    const status = o.status ?? 'Unshipped';
    const currency = o.currency ?? 'USD';
    const priced = status !== 'Pending' && status !== 'PendingAvailability';
    const now = new Date().toISOString();
    let total = 0n;
    const items: AmazonOrderItem[] = o.items.map((i, n) => {
      const line = lineAmount(i.unitPrice, i.quantity);
      if (line === null) throw new Error(`fake order: bad unit price ${i.unitPrice}`);
      total += scaled(line) ?? 0n;
      return {
        ASIN: `B0${digits(8)}`,
        OrderItemId: `${digits(13)}${n}`,
        SellerSKU: i.sku,
        Title: i.title ?? i.sku,
        QuantityOrdered: i.quantity,
        QuantityShipped: status === 'Shipped' ? i.quantity : 0,
        ...(priced ? { ItemPrice: { CurrencyCode: currency, Amount: line } } : {}),
      };
    });
    const order: FakeOrder['order'] = {
      AmazonOrderId: o.orderId ?? `${digits(3)}-${digits(7)}-${digits(7)}`,
      PurchaseDate: o.purchaseDate ?? now,
      LastUpdateDate: o.lastUpdateDate ?? o.purchaseDate ?? now,
      OrderStatus: status,
      FulfillmentChannel: 'MFN',
      MarketplaceId: o.marketplaceId ?? 'ATVPDKIKX0DER',
      ...(priced ? { OrderTotal: { CurrencyCode: currency, Amount: formatScaled(total) } } : {}),
    };
    const fake = { order, items };
    this.orders(seller).set(order.AmazonOrderId, fake);
    return fake;
  }

  /** A status change at Amazon: LastUpdateDate moves on (payment authorized adds the amounts). */
  update(seller: string, orderId: string, status: AmazonOrderStatus, at = new Date().toISOString()): FakeOrder {
    const f = this.orders(seller).get(orderId);
    if (!f) throw new Error(`fake order ${orderId} not found`);
    f.order.OrderStatus = status;
    f.order.LastUpdateDate = at;
    return f;
  }

  issueToken(seller: string, ids: string[]): string {
    const token = randomBytes(18).toString('base64url');
    this.nextTokens.set(token, { seller, ids });
    return token;
  }

  redeemToken(seller: string, token: string): string[] | null {
    const t = this.nextTokens.get(token);
    return t && t.seller === seller ? t.ids : null;
  }

  reset(): void {
    this.bySeller.clear();
    this.nextTokens.clear();
  }
}

export interface OrdersDeps {
  world: FakeWorld;
  book: FakeOrderBook;
  opts: OrdersFakeOptions;
  log: (line: string) => void;
}

/** Query string → the shape GetOrdersQuery describes: the csv array split, integers read as numbers. */
function queryObject(url: URL): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of url.searchParams) {
    if (k === 'MarketplaceIds') out[k] = v.split(',');
    else if (k === 'MaxResultsPerPage' && /^\d{1,4}$/.test(v)) out[k] = Number(v);
    else out[k] = v;
  }
  return out;
}

/** getOrders' cross-parameter rules, beside the schema. */
function ordersRuleError(q: GetOrdersQuery, now: number): string | null {
  if (q.NextToken !== undefined) return null;
  if (q.CreatedAfter === undefined && q.LastUpdatedAfter === undefined) return 'Either CreatedAfter or LastUpdatedAfter is required. Both cannot be empty.';
  if (q.CreatedAfter !== undefined && q.LastUpdatedAfter !== undefined) return 'CreatedAfter and LastUpdatedAfter cannot both be specified.';
  const at = Date.parse(q.LastUpdatedAfter ?? q.CreatedAfter ?? '');
  if (at > now) return `${q.LastUpdatedAfter !== undefined ? 'LastUpdatedAfter' : 'CreatedAfter'} cannot be in the future.`;
  return null;
}

type Route = { op: OrdersOperation; orderId: string | null };

function routeOf(path: string): Route | null {
  if (path === ORDERS_PATH) return { op: 'getOrders', orderId: null };
  const m = /^\/orders\/v0\/orders\/([^/]+)(\/orderItems)?$/.exec(path);
  if (!m) return null;
  return { op: m[2] ? 'getOrderItems' : 'getOrder', orderId: decodeURIComponent(m[1] ?? '') };
}

function dispatch(deps: OrdersDeps, seller: string, route: Route, q: Record<string, unknown>): HttpAnswer {
  const { book, opts } = deps;
  const orders = book.orders(seller);
  if (route.op === 'getOrders') {
    const query = q as GetOrdersQuery;
    let ids: string[];
    if (query.NextToken !== undefined) {
      const rest = book.redeemToken(seller, query.NextToken);
      if (rest === null) return errorList(400, 'InvalidInput', 'Invalid NextToken');
      ids = rest;
    } else {
      const markets = new Set(query.MarketplaceIds);
      const byCreated = query.CreatedAfter !== undefined;
      const since = Date.parse(query.LastUpdatedAfter ?? query.CreatedAfter ?? '');
      ids = [...orders.values()]
        .filter((f) => markets.has(String(f.order.MarketplaceId)) && Date.parse(byCreated ? f.order.PurchaseDate : f.order.LastUpdateDate) >= since)
        .sort((a, b) => Date.parse(a.order.LastUpdateDate) - Date.parse(b.order.LastUpdateDate))
        .map((f) => f.order.AmazonOrderId);
    }
    const size = Math.min(opts.pageSize, query.MaxResultsPerPage ?? MAX_RESULTS_PER_PAGE);
    const page = ids.slice(0, size).flatMap((id) => {
      const f = orders.get(id);
      return f ? [f.order] : [];
    });
    const rest = ids.slice(size);
    return { status: 200, body: { payload: { Orders: page, ...(rest.length > 0 ? { NextToken: book.issueToken(seller, rest) } : {}) } } };
  }
  const orderId = route.orderId ?? '';
  if (!AMAZON_ORDER_ID.test(orderId)) return errorList(400, 'InvalidInput', 'Invalid Amazon order ID; expected the 3-7-7 format');
  const f = orders.get(orderId);
  if (!f) return errorList(404, 'NotFound', `Order ${orderId} not found`);
  if (route.op === 'getOrder') return { status: 200, body: { payload: f.order } };
  const token = typeof q.NextToken === 'string' ? q.NextToken : undefined;
  const offset = token === undefined ? 0 : Number(Buffer.from(token, 'base64url').toString('utf8').split(':')[1]);
  if (token !== undefined && (!Buffer.from(token, 'base64url').toString('utf8').startsWith(`${orderId}:`) || !Number.isInteger(offset) || offset <= 0)) {
    return errorList(400, 'InvalidInput', 'Invalid NextToken');
  }
  const page = f.items.slice(offset, offset + opts.itemsPageSize);
  const next = offset + opts.itemsPageSize < f.items.length ? Buffer.from(`${orderId}:${offset + opts.itemsPageSize}`).toString('base64url') : undefined;
  return { status: 200, body: { payload: { AmazonOrderId: orderId, OrderItems: page, ...(next ? { NextToken: next } : {}) } } };
}

/** Answers /orders/v0/… ; anything else under /orders/ is a 404 like Amazon's. */
export function handleOrders(deps: OrdersDeps, method: string, url: URL, token: string | undefined): HttpAnswer {
  const { world, book, opts } = deps;
  const route = method === 'GET' ? routeOf(url.pathname) : null;
  if (route === null) return errorList(404, 'NotFound', 'Resource not found');
  const rate = opts.rates[route.op];
  const headers = { 'x-amzn-RateLimit-Limit': String(rate.perSecond), 'x-amzn-RequestId': randomUUID() };
  const withHeaders = (a: HttpAnswer): HttpAnswer => ({ ...a, headers: { ...headers, ...a.headers } });

  const q = queryObject(url);
  const checked = route.op === 'getOrders' ? checkQuery(q) : route.op === 'getOrderItems' ? checkItemsQuery(q) : Object.keys(q).length === 0 ? { ok: true as const } : { ok: false as const, error: 'getOrder takes no query parameters' };
  const problem = !checked.ok ? checked.error : route.op === 'getOrders' ? ordersRuleError(q as GetOrdersQuery, Date.now()) : null;
  if (problem !== null) {
    world.stats.invalidRequests++;
    deps.log(`amazon fake: ${route.op} refused: ${problem}`);
    return withHeaders(errorList(400, 'InvalidInput', problem));
  }
  world.stats.validatedRequests++;

  const grant = token === undefined ? undefined : world.accessTokens.get(token);
  if (!grant || grant.expiresAt <= Date.now() || world.seller(grant.seller).revoked) return withHeaders(errorList(403, 'Unauthorized', 'Access to requested resource is denied.'));
  const failure = world.takeFailure(grant.seller);
  if (failure?.kind === 'http429' || !take(world, `${grant.seller} ${route.op}`, rate)) {
    world.stats.rateLimited++;
    return withHeaders(errorList(429, 'QuotaExceeded', 'You exceeded your quota for the requested resource.'));
  }
  if (failure) return withHeaders(errorList(failure.kind === 'http500' ? 500 : 503, 'InternalFailure', 'We encountered an internal error. Please try again.'));

  const answer = dispatch(deps, grant.seller, route, q);
  const valid = RESPONSE_CHECKS[route.op](answer.body);
  if (!valid.ok) {
    world.stats.invalidResponses++;
    deps.log(`amazon fake: BUG: ${route.op} answer does not match the Orders API schema: ${valid.error ?? ''}`);
  }
  return withHeaders(answer);
}
