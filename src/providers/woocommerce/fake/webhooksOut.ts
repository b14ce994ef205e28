// Deliveries from the fake to webhook URLs, signed like WooCommerce's: base64 HMAC-SHA256
// of the body with the webhook's secret, a delivery id per delivery, and the unsigned
// "webhook_id=N" ping on creation. More than 5 consecutive failures disable the webhook
// (WooCommerce's woocommerce_max_webhook_delivery_failures default).
import { createHmac, randomUUID } from 'node:crypto';
import type { FakeStoreData, FakeWebhook, FakeWorld } from './state.ts';

export const MAX_DELIVERY_FAILURES = 5;

export interface DeliveryResult {
  webhookId: number;
  deliveryId: string;
  status: number | null;
  error?: string;
}

function record(world: FakeWorld, hook: FakeWebhook, ok: boolean): void {
  if (ok) {
    hook.failure_count = 0;
    world.stats.webhooksSent += 1;
    return;
  }
  world.stats.webhookFailures += 1;
  hook.failure_count += 1;
  if (hook.failure_count > MAX_DELIVERY_FAILURES) hook.status = 'disabled';
}

async function post(url: string, headers: Record<string, string>, body: string): Promise<{ status: number | null; error?: string }> {
  try {
    const res = await fetch(url, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(5000) });
    await res.body?.cancel();
    return { status: res.status };
  } catch (err) {
    return { status: null, error: err instanceof Error ? err.message : String(err) };
  }
}

export async function deliverPing(world: FakeWorld, hook: FakeWebhook): Promise<DeliveryResult> {
  world.stats.pings += 1;
  const r = await post(hook.delivery_url, { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'WooCommerce Hookshot (fake)' }, `webhook_id=${hook.id}`);
  record(world, hook, r.status !== null && r.status >= 200 && r.status < 300);
  return { webhookId: hook.id, deliveryId: '', ...r };
}

/** `deliveryId` repeats a delivery (a redelivery, as after a timeout) instead of minting a new id. */
export async function deliver(
  world: FakeWorld,
  store: FakeStoreData,
  storeUrl: string,
  topic: string,
  payload: unknown,
  opts: { deliveryId?: string } = {},
): Promise<DeliveryResult[]> {
  const hooks = [...store.webhooks.values()].filter((h) => h.status === 'active' && h.topic === topic);
  const body = JSON.stringify(payload);
  const [resource, event] = topic.split('.');
  return Promise.all(
    hooks.map(async (hook) => {
      const deliveryId = opts.deliveryId ?? randomUUID();
      const r = await post(
        hook.delivery_url,
        {
          'content-type': 'application/json',
          'user-agent': 'WooCommerce Hookshot (fake)',
          'x-wc-webhook-source': `${storeUrl}/`,
          'x-wc-webhook-topic': topic,
          'x-wc-webhook-resource': resource ?? '',
          'x-wc-webhook-event': event ?? '',
          'x-wc-webhook-signature': createHmac('sha256', hook.secret).update(body).digest('base64'),
          'x-wc-webhook-id': String(hook.id),
          'x-wc-webhook-delivery-id': deliveryId,
        },
        body,
      );
      record(world, hook, r.status !== null && r.status >= 200 && r.status < 300);
      return { webhookId: hook.id, deliveryId, ...r };
    }),
  );
}
