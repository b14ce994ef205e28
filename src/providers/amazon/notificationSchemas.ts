// The SP-API notifications Synq accepts, as our own schemas, written by hand from Amazon's
// documented notification shapes (Notifications API "Notification type values" and the
// published JSON schemas of ORDER_CHANGE, LISTINGS_ITEM_STATUS_CHANGE and
// LISTINGS_ITEM_ISSUES_CHANGE). Nothing is read from disk at run time; a contract test
// (notificationSchemas.test.ts) checks these against Amazon's published schemas and samples.
//
// Choices, each deliberate:
// - Every field Amazon marks required is required here, with its type; fields Synq reads are
//   bounded. Unknown fields are allowed: Amazon adds fields to payload versions over time.
// - Enumerations (OrderStatus, Status, Severities, …) are checked as tokens, not against
//   today's lists: EventBridge does not redeliver a notification answered 4xx, so refusing a
//   new value (OrderStatus gained PendingAvailability) would lose the notification for good.
// - LISTINGS_ITEM_STATUS_CHANGE: the published schema's enum says LISTINGS_ITEM_STATUS_CHANGED
//   while its own example and the Notifications API say LISTINGS_ITEM_STATUS_CHANGE; both pass.
import { Type, type Static, type TSchema } from '@sinclair/typebox';

const Text = (maxLength: number) => Type.String({ minLength: 1, maxLength });
const Token = Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_]{0,63}$' });
const DateTime = Type.String({ format: 'date-time', maxLength: 64 });
const NullableText = (maxLength: number) => Type.Union([Type.String({ maxLength }), Type.Null()]);

const NotificationMetadata = Type.Object({
  ApplicationId: Text(200),
  SubscriptionId: Text(200),
  PublishTime: Text(64),
  NotificationId: Text(255),
});

const envelope = <N extends TSchema, P extends TSchema, E extends TSchema>(type: N, payload: P, eventTime: E) =>
  Type.Object({
    NotificationVersion: Text(20),
    NotificationType: type,
    PayloadVersion: Text(20),
    EventTime: eventTime,
    Payload: payload,
    NotificationMetadata,
  });

const OrderItem = Type.Object({
  OrderItemId: Text(100),
  SellerSKU: Text(200),
  SupplySourceId: NullableText(200),
  Quantity: Type.Integer({ minimum: 0 }),
  OrderItemStatus: Type.Optional(Token),
  QuantityShipped: Type.Optional(Type.Integer({ minimum: 0 })),
});

export const OrderChangeNotification = envelope(
  Type.Literal('ORDER_CHANGE'),
  Type.Object({
    OrderChangeNotification: Type.Object({
      NotificationLevel: Token,
      SellerId: Text(64),
      AmazonOrderId: Text(64),
      OrderChangeType: Token,
      OrderChangeTrigger: Type.Object({ TimeOfOrderChange: NullableText(64), ChangeReason: Type.String({ maxLength: 500 }) }),
      Summary: Type.Object({
        MarketplaceId: Text(64),
        OrderStatus: Token,
        PurchaseDate: NullableText(64),
        DestinationPostalCode: NullableText(64),
        FulfillmentType: Token,
        OrderType: Token,
        OrderItems: Type.Array(OrderItem, { maxItems: 1000 }),
      }),
    }),
  }),
  // The published ORDER_CHANGE schema types EventTime as a plain string (no date-time format).
  Text(64),
);

const listingPayload = {
  SellerId: Text(64),
  MarketplaceId: Type.Optional(Text(64)),
  Asin: Type.Optional(Text(20)),
  Sku: Text(200),
};

export const ListingsItemStatusChangeNotification = envelope(
  Type.Union([Type.Literal('LISTINGS_ITEM_STATUS_CHANGE'), Type.Literal('LISTINGS_ITEM_STATUS_CHANGED')]),
  Type.Object({ ...listingPayload, CreatedDate: Type.Optional(DateTime), Status: Type.Array(Token, { maxItems: 20 }) }),
  DateTime,
);

export const ListingsItemIssuesChangeNotification = envelope(
  Type.Literal('LISTINGS_ITEM_ISSUES_CHANGE'),
  Type.Object({ ...listingPayload, Severities: Type.Array(Token, { maxItems: 20 }), EnforcementActions: Type.Optional(Type.Array(Token, { maxItems: 20 })) }),
  DateTime,
);

export type OrderChangeNotification = Static<typeof OrderChangeNotification>;
export type ListingsItemStatusChangeNotification = Static<typeof ListingsItemStatusChangeNotification>;
export type ListingsItemIssuesChangeNotification = Static<typeof ListingsItemIssuesChangeNotification>;
