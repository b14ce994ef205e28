// SP-API notifications as Amazon sends them, for the fake's EventBridge forwarding and for
// tests: built from the documented shapes (the contract test checks Amazon's published
// schemas accept every one of them).
import { randomUUID } from 'node:crypto';

export interface NotificationCommon {
  sellerId: string;
  notificationId?: string;
  applicationId?: string;
  at?: Date;
}

function envelope<P extends Record<string, unknown>>(type: string, payload: P, c: NotificationCommon, eventTime: string) {
  const at = (c.at ?? new Date()).toISOString();
  return {
    NotificationVersion: '1.0',
    NotificationType: type,
    PayloadVersion: '1.0',
    EventTime: eventTime,
    Payload: payload,
    NotificationMetadata: {
      ApplicationId: c.applicationId ?? 'amzn1.sp.solution.fake-application',
      SubscriptionId: randomUUID(),
      PublishTime: at,
      NotificationId: c.notificationId ?? randomUUID(),
    },
  };
}

export function orderChangeNotification(c: NotificationCommon & { orderId: string; status?: string; sku?: string; marketplaceId?: string }) {
  const at = (c.at ?? new Date()).toISOString();
  return envelope(
    'ORDER_CHANGE',
    {
      OrderChangeNotification: {
        NotificationLevel: 'OrderLevel',
        SellerId: c.sellerId,
        AmazonOrderId: c.orderId,
        OrderChangeType: 'OrderStatusChange',
        OrderChangeTrigger: { TimeOfOrderChange: at, ChangeReason: 'Order Status Change' },
        Summary: {
          MarketplaceId: c.marketplaceId ?? 'ATVPDKIKX0DER',
          OrderStatus: c.status ?? 'Shipped',
          PurchaseDate: at,
          DestinationPostalCode: null,
          FulfillmentType: 'MFN',
          OrderType: 'StandardOrder',
          OrderPrograms: [],
          ShippingPrograms: [],
          OrderItems: [{ OrderItemId: `${Date.now()}`, SellerSKU: c.sku ?? 'SKU-1', SupplySourceId: null, Quantity: 1 }],
        },
      },
    },
    c,
    at,
  );
}

export function listingStatusNotification(c: NotificationCommon & { sku: string; status?: string[]; asin?: string; marketplaceId?: string }) {
  const at = (c.at ?? new Date()).toISOString();
  return envelope(
    'LISTINGS_ITEM_STATUS_CHANGE',
    { SellerId: c.sellerId, MarketplaceId: c.marketplaceId ?? 'ATVPDKIKX0DER', Asin: c.asin ?? 'B0TEST0001', Sku: c.sku, CreatedDate: at, Status: c.status ?? ['BUYABLE'] },
    c,
    at,
  );
}

export function listingIssuesNotification(c: NotificationCommon & { sku: string; severities?: string[]; marketplaceId?: string }) {
  const at = (c.at ?? new Date()).toISOString();
  return envelope(
    'LISTINGS_ITEM_ISSUES_CHANGE',
    { SellerId: c.sellerId, MarketplaceId: c.marketplaceId ?? 'ATVPDKIKX0DER', Sku: c.sku, Severities: c.severities ?? ['ERROR'] },
    c,
    at,
  );
}
