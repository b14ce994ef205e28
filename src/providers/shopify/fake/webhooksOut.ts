// Deliveries from the fake to subscribed callback URLs, signed like Shopify's.
import { createHmac, randomUUID } from 'node:crypto';
import type { FakeLineItem, FakeOrder, FakeStore } from './state.ts';

export interface DeliveryResult {
  subscriptionId: string;
  callbackUrl: string;
  status: number | null;
  error?: string;
}

/** "orders/create" -> "ORDERS_CREATE", the enum a subscription is stored under. */
export function topicEnum(topic: string): string {
  return topic.replace('/', '_').toUpperCase();
}

export async function sendWebhook(
  store: FakeStore,
  secret: string,
  apiVersion: string,
  shopDomain: string,
  topic: string,
  payload: unknown,
): Promise<DeliveryResult[]> {
  const shop = store.shop(shopDomain);
  const raw = JSON.stringify(payload);
  const hmac = createHmac('sha256', secret).update(raw).digest('base64');
  const subs = [...shop.webhooks.values()].filter((w) => w.topic === topicEnum(topic));
  return Promise.all(
    subs.map(async (sub): Promise<DeliveryResult> => {
      try {
        const res = await fetch(sub.callbackUrl, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-shopify-topic': topic,
            'x-shopify-hmac-sha256': hmac,
            'x-shopify-shop-domain': shop.domain,
            'x-shopify-webhook-id': randomUUID(),
            'x-shopify-event-id': randomUUID(),
            'x-shopify-api-version': apiVersion,
            'x-shopify-triggered-at': new Date().toISOString(),
          },
          body: raw,
          signal: AbortSignal.timeout(5000),
        });
        await res.body?.cancel();
        store.stats.webhooksSent += 1;
        return { subscriptionId: sub.id, callbackUrl: sub.callbackUrl, status: res.status };
      } catch (err) {
        store.stats.webhookFailures += 1;
        return { subscriptionId: sub.id, callbackUrl: sub.callbackUrl, status: null, error: err instanceof Error ? err.message : String(err) };
      }
    }),
  );
}

export interface OrderInput {
  name?: string;
  financialStatus?: string;
  currency?: string;
  totalPrice?: string;
  lineItems?: { sku?: string | null; title?: string; quantity?: number; price?: string }[];
}

/** Stores an order (defaults filled in, total summed in cents) and returns its REST webhook payload. */
export function storeOrder(store: FakeStore, shopDomain: string, input: OrderInput): { order: FakeOrder; payload: Record<string, unknown> } {
  const shop = store.shop(shopDomain);
  const numericId = store.nextNumericId();
  const now = new Date().toISOString();
  const lineItems: FakeLineItem[] = (input.lineItems ?? [{ sku: 'SKU-1', title: 'Item', quantity: 1, price: '10.00' }]).map((li) => ({
    id: store.gid('LineItem'),
    sku: li.sku ?? null,
    title: li.title ?? 'Item',
    quantity: li.quantity ?? 1,
    price: li.price ?? '0.00',
  }));
  const cents = lineItems.reduce((sum, li) => sum + Math.round(Number(li.price) * 100) * li.quantity, 0);
  const order: FakeOrder = {
    id: `gid://shopify/Order/${numericId}`,
    numericId,
    name: input.name ?? `#${1000 + shop.orders.size + 1}`,
    financialStatus: input.financialStatus ?? 'paid',
    currency: input.currency ?? 'USD',
    totalPrice: input.totalPrice ?? (cents / 100).toFixed(2),
    createdAt: now,
    updatedAt: now,
    lineItems,
  };
  shop.orders.set(order.id, order);
  return { order, payload: orderPayload(order) };
}

export function orderPayload(o: FakeOrder): Record<string, unknown> {
  return {
    id: o.numericId,
    admin_graphql_api_id: o.id,
    name: o.name,
    financial_status: o.financialStatus,
    currency: o.currency,
    total_price: o.totalPrice,
    created_at: o.createdAt,
    updated_at: o.updatedAt,
    line_items: o.lineItems.map((li) => ({
      id: Number(li.id.split('/').pop()),
      admin_graphql_api_id: li.id,
      sku: li.sku ?? '',
      title: li.title,
      quantity: li.quantity,
      price: li.price,
    })),
  };
}
