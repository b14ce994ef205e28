// The Orders API v0 as Synq uses it: request parameters, the response fields we read and the
// operations' rate limits, as data.
//
// HAND-DERIVED, not loaded: the Orders API model is not among the contracts in
// ../shared/contracts (MANIFEST.tsv), so these schemas were written by hand (the pattern the
// issue allows for QuickBooks' Finance.xsd) after reading Amazon's published Swagger 2.0 model
// amzn/selling-partner-api-models, models/orders-api-model/ordersV0.json at commit
// 7c7d355dab8c4c490880ec0e527d20b813760022 (Apache-2.0). Only the parameters Synq sends and the
// fields it reads are declared; everything else the model allows passes (additional
// properties are not refused, as the model does not refuse them either). Field names, the
// required lists (Order: AmazonOrderId, LastUpdateDate, OrderStatus, PurchaseDate; OrderItem:
// ASIN, OrderItemId, QuantityOrdered; OrdersList: Orders; OrderItemsList: AmazonOrderId,
// OrderItems), the OrderStatus enum and Money{CurrencyCode, Amount: string} follow the model.
// The fake (fake/ordersApi.ts) validates its requests and answers with these schemas and the
// tests check it never produced an answer outside them.
import { Type, type Static } from '@sinclair/typebox';

/** MarketplaceIds: required, an array of at most 50 (maxItems in the model), sent comma-separated. */
export const MAX_MARKETPLACE_IDS = 50;
/** MaxResultsPerPage: "Value must be 1 - 100. Default 100." */
export const MAX_RESULTS_PER_PAGE = 100;

/**
 * Per operation and selling partner. The model at the commit above prints a placeholder usage
 * plan (1 request/s, burst 1) for every operation; these are the values of Amazon's rate-limit
 * documentation ("Orders API rate limits"), which the x-amzn-RateLimit-Limit header of each
 * answer then overrides for the rate. getOrders at 0.0167/s is one page a minute after a burst of 20.
 */
export const ORDERS_RATE_LIMITS = {
  getOrders: { perSecond: 0.0167, burst: 20 },
  getOrder: { perSecond: 0.5, burst: 30 },
  getOrderItems: { perSecond: 0.5, burst: 30 },
} as const;
export type OrdersOperation = keyof typeof ORDERS_RATE_LIMITS;

export const ORDERS_PATH = '/orders/v0/orders';

/** ISO 8601 date-time as the model's examples write it ("2017-01-20T19:49:35Z", fractions allowed). */
const IsoDateTime = Type.String({ format: 'date-time', maxLength: 40 });

/**
 * The getOrders query Synq sends, after the comma-separated array has been split (the fake
 * does that). The model also requires CreatedAfter or LastUpdatedAfter unless NextToken is
 * given; a JSON Schema cannot say that alone, so the fake checks it beside this schema.
 */
export const GetOrdersQuery = Type.Object(
  {
    MarketplaceIds: Type.Array(Type.String({ minLength: 1, maxLength: 40 }), { minItems: 1, maxItems: MAX_MARKETPLACE_IDS }),
    CreatedAfter: Type.Optional(IsoDateTime),
    LastUpdatedAfter: Type.Optional(IsoDateTime),
    MaxResultsPerPage: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_RESULTS_PER_PAGE })),
    NextToken: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
  },
  // The fake refuses any other parameter: Synq never sends one, so a typo must fail a test.
  { additionalProperties: false },
);
export type GetOrdersQuery = Static<typeof GetOrdersQuery>;

/** getOrderItems takes NextToken only (besides the orderId in the path). */
export const GetOrderItemsQuery = Type.Object({ NextToken: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })) }, { additionalProperties: false });

/** Money: both fields optional in the model; Amount is a decimal *string*, never a number. */
export const Money = Type.Object({
  CurrencyCode: Type.Optional(Type.String()),
  Amount: Type.Optional(Type.String()),
});
export type Money = Static<typeof Money>;

export const ORDER_STATUSES = ['Pending', 'Unshipped', 'PartiallyShipped', 'Shipped', 'Canceled', 'Unfulfillable', 'InvoiceUnconfirmed', 'PendingAvailability'] as const;
export type AmazonOrderStatus = (typeof ORDER_STATUSES)[number];

export const AmazonOrder = Type.Object({
  AmazonOrderId: Type.String(),
  SellerOrderId: Type.Optional(Type.String()),
  PurchaseDate: Type.String(),
  LastUpdateDate: Type.String(),
  OrderStatus: Type.Union(ORDER_STATUSES.map((s) => Type.Literal(s))),
  // Absent while an order is Pending (payment not authorized) and on some canceled orders.
  OrderTotal: Type.Optional(Money),
  MarketplaceId: Type.Optional(Type.String()),
});
export type AmazonOrder = Static<typeof AmazonOrder>;

export const AmazonOrderItem = Type.Object({
  ASIN: Type.String(),
  OrderItemId: Type.String(),
  SellerSKU: Type.Optional(Type.String()),
  Title: Type.Optional(Type.String()),
  QuantityOrdered: Type.Integer(),
  // "equal to the selling price of the item multiplied by the quantity ordered"; absent while Pending.
  ItemPrice: Type.Optional(Money),
});
export type AmazonOrderItem = Static<typeof AmazonOrderItem>;

const ErrorList = Type.Array(Type.Object({ code: Type.String(), message: Type.String(), details: Type.Optional(Type.String()) }));

/** GetOrdersResponse: {payload: OrdersList} or {errors}. */
export const GetOrdersResponse = Type.Object({
  payload: Type.Optional(
    Type.Object({
      Orders: Type.Array(AmazonOrder),
      NextToken: Type.Optional(Type.String()),
      LastUpdatedBefore: Type.Optional(Type.String()),
      CreatedBefore: Type.Optional(Type.String()),
    }),
  ),
  errors: Type.Optional(ErrorList),
});
export type GetOrdersResponse = Static<typeof GetOrdersResponse>;

/** GetOrderResponse: {payload: Order} or {errors}. */
export const GetOrderResponse = Type.Object({ payload: Type.Optional(AmazonOrder), errors: Type.Optional(ErrorList) });
export type GetOrderResponse = Static<typeof GetOrderResponse>;

/** GetOrderItemsResponse: {payload: OrderItemsList} or {errors}. */
export const GetOrderItemsResponse = Type.Object({
  payload: Type.Optional(Type.Object({ AmazonOrderId: Type.String(), OrderItems: Type.Array(AmazonOrderItem), NextToken: Type.Optional(Type.String()) })),
  errors: Type.Optional(ErrorList),
});
export type GetOrderItemsResponse = Static<typeof GetOrderItemsResponse>;

/** Amazon order ids are 3-7-7 digits ("902-3159896-1390916"). */
export const AMAZON_ORDER_ID = /^\d{3}-\d{7}-\d{7}$/;
