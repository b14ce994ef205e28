// Inbound webhook verification and normalization.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createShopifyConnector } from './connector.ts';

const connector = createShopifyConnector({ clientId: 'cid', clientSecret: 'app-secret', scopes: '', apiVersion: '2025-01', shopUrlTemplate: 'https://{shop}' });
const body = Buffer.from('{"id":820982911946154508,"email":"jon@example.com"}');
const sig = createHmac('sha256', 'app-secret').update(body).digest('base64');
const headers = (h: string | undefined, topic = 'orders/create'): Record<string, string | undefined> => ({
  'x-shopify-hmac-sha256': h,
  'x-shopify-topic': topic,
  'x-shopify-shop-domain': 'Shop-1.myshopify.com',
  'x-shopify-webhook-id': 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043',
});

describe('verifyWebhook', () => {
  it('accepts the correct base64 signature', () => expect(connector.verifyWebhook(body, headers(sig))).toBe(true));
  it('rejects truncated, upper-cased, garbage, missing and wrong-key signatures', () => {
    const wrongKey = createHmac('sha256', 'other-secret').update(body).digest('base64');
    for (const bad of [sig.slice(0, 20), sig.toUpperCase(), 'not base64 at all!', '', undefined, wrongKey]) {
      expect(connector.verifyWebhook(body, headers(bad))).toBe(false);
    }
  });
  it('rejects a tampered body', () => expect(connector.verifyWebhook(Buffer.from(body.toString().replace('jon', 'eve')), headers(sig))).toBe(false));
  it('finds the header whatever its case', () => expect(connector.verifyWebhook(body, { 'X-Shopify-Hmac-Sha256': sig })).toBe(true));
  it('rejects everything when no secret is configured', () => {
    const unconfigured = createShopifyConnector({ clientId: '', clientSecret: '', scopes: '', apiVersion: '2025-01', shopUrlTemplate: 'https://{shop}' });
    const emptySig = createHmac('sha256', '').update(body).digest('base64');
    expect(unconfigured.verifyWebhook(body, headers(emptySig))).toBe(false);
  });
});

describe('normalizeWebhook', () => {
  it('maps topics to events and keeps the delivery id', () => {
    const cases: [string, string][] = [
      ['orders/create', 'order.created'],
      ['orders/updated', 'order.updated'],
      ['products/update', 'product.updated'],
      ['products/delete', 'product.deleted'],
      ['inventory_levels/update', 'inventory.updated'],
      ['app/uninstalled', 'app.uninstalled'],
      ['customers/create', 'shopify.customers/create'],
    ];
    for (const [topic, event] of cases) {
      const e = connector.normalizeWebhook(body, headers(sig, topic));
      expect(e.event).toBe(event);
      expect(e.providerEventId).toBe('b54557e4-bdd9-4b37-8a5f-bf7d70bcd043');
    }
  });
  it('refuses topics that are not resource/action, prototype keys included (once a 500)', () => {
    for (const topic of ['__proto__', 'constructor', 'toString', 'orders', '/create', 'orders/create/x/y', 'ORDERS CREATE']) {
      expect(() => connector.normalizeWebhook(body, headers(sig, topic)), topic).toThrow(/X-Shopify-Topic/);
    }
    expect(connector.normalizeWebhook(body, headers(sig, '__proto__/constructor')).event).toBe('shopify.__proto__/constructor');
  });
  it('validates the shop domain header', () => {
    expect(connector.webhookAccount(headers(sig))).toBe('shop-1.myshopify.com');
    expect(connector.webhookAccount({ 'x-shopify-shop-domain': 'evil.com' })).toBeNull();
    expect(connector.webhookAccount({})).toBeNull();
  });
});

describe('orderFromEvent', () => {
  it('maps a REST order payload and refuses anything else', () => {
    const payload = {
      id: 450789469, admin_graphql_api_id: 'gid://shopify/Order/450789469', name: '#1001', financial_status: 'paid', currency: 'EUR',
      total_price: '409.94', created_at: '2025-01-10T10:00:00-05:00', updated_at: '2025-01-10T11:00:00-05:00',
      line_items: [{ sku: 'IPOD2008PINK', title: 'IPod Nano - 8gb', quantity: 1, price: '199.00' }, { sku: '', title: 'Gift wrap', quantity: 1, price: '5.00' }],
    };
    expect(connector.orderFromEvent(payload)).toEqual({
      externalId: 'gid://shopify/Order/450789469', name: '#1001', status: 'paid', currency: 'EUR', total: '409.94',
      createdAt: '2025-01-10T10:00:00-05:00', updatedAt: '2025-01-10T11:00:00-05:00',
      lineItems: [{ sku: 'IPOD2008PINK', title: 'IPod Nano - 8gb', quantity: 1, price: '199.00' }, { sku: null, title: 'Gift wrap', quantity: 1, price: '5.00' }],
    });
    const { admin_graphql_api_id: _ignored, ...noGid } = payload;
    expect(connector.orderFromEvent(noGid)?.externalId).toBe('gid://shopify/Order/450789469');
    expect(connector.orderFromEvent({ id: 1, title: 'a product' })).toBeNull();
    expect(connector.orderFromEvent(null)).toBeNull();
  });
});
