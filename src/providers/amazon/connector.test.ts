// Unit tests of the Amazon connector's pure parts: the consent URL and callback checks,
// the per-seller token bucket, the notification secret check, attribute mapping and the
// remote id encoding.
import { describe, expect, it } from 'vitest';
import { loadProviderSettings } from '../../config.ts';
import { amazonProvider } from './provider.ts';
import { ProviderError, type Credentials, type PushProduct } from '../types.ts';
import { decodeSkus, encodeSkus, listingAttributes } from './listings.ts';
import { buildConsentUrl, parseConsentCallback } from './lwa.ts';
import { unwrap, verifyNotificationSecret } from './notifications.ts';
import { SellerBuckets } from './spApi.ts';

const cfg = loadProviderSettings(amazonProvider, {
  AMAZON_APP_ID: 'amzn1.sp.solution.test',
  AMAZON_CLIENT_ID: 'client',
  AMAZON_CLIENT_SECRET: 'secret',
  AMAZON_REGION: 'eu',
  AMAZON_APP_BETA: 'true',
});

describe('Amazon authorization', () => {
  it('builds the regional consent URL with version=beta for draft apps', () => {
    const u = new URL(buildConsentUrl(cfg, { account: '', state: 'st', redirectUri: 'https://synq.example/cb' }));
    expect(u.origin + u.pathname).toBe('https://sellercentral-europe.amazon.com/apps/authorize/consent');
    expect(Object.fromEntries(u.searchParams)).toEqual({ application_id: 'amzn1.sp.solution.test', state: 'st', redirect_uri: 'https://synq.example/cb', version: 'beta' });
    expect(cfg.spApiUrl).toBe('https://sellingpartnerapi-eu.amazon.com');
    expect(cfg.marketplaceIds).toEqual(['A1F83G8C2ARO7P']);
  });

  it('checks the callback parameters before anything reaches LWA', () => {
    expect(parseConsentCallback({ state: 's', selling_partner_id: 'A3TH9S8BH6GOGM', spapi_oauth_code: 'ANabc' })).toEqual({ state: 's', code: 'ANabc', account: 'A3TH9S8BH6GOGM' });
    for (const q of [
      { state: 's', selling_partner_id: 'not-a-seller', spapi_oauth_code: 'c' },
      { state: 's', selling_partner_id: 'A3TH9S8BH6GOGM' },
      { selling_partner_id: 'A3TH9S8BH6GOGM', spapi_oauth_code: 'c' },
      { state: 's', selling_partner_id: 'A3TH9S8BH6GOGM', spapi_oauth_code: 'a b' },
    ]) expect(() => parseConsentCallback(q)).toThrow(ProviderError);
  });
});

describe('SellerBuckets', () => {
  it('lets a burst of 10 through, then spaces requests at the announced rate', () => {
    const b = new SellerBuckets();
    const t0 = 1_000_000;
    for (let i = 0; i < 10; i++) expect(b.reserve('A1', t0)).toBe(0);
    expect(b.reserve('A1', t0)).toBe(200); // 5/s
    expect(b.reserve('B1', t0)).toBe(0); // another seller has its own bucket
    b.observe('A1', 2);
    expect(b.reserve('A1', t0)).toBe(1000); // two owed at 2/s
    expect(b.drain('A1', t0)).toBe(500);
  });
});

describe('notification secret', () => {
  const creds: Credentials = { accessToken: 'a', webhookSecret: 's'.repeat(43) };
  it('accepts only the exact secret, and nothing when none is stored', () => {
    expect(verifyNotificationSecret({ 'x-synq-notification-secret': 's'.repeat(43) }, creds)).toBe(true);
    expect(verifyNotificationSecret({ 'x-synq-notification-secret': 's'.repeat(42) }, creds)).toBe(false);
    expect(verifyNotificationSecret({ 'x-synq-notification-secret': ['s'.repeat(43)] }, creds)).toBe(false);
    expect(verifyNotificationSecret({}, creds)).toBe(false);
    expect(verifyNotificationSecret({ 'x-synq-notification-secret': '' }, { accessToken: 'a' })).toBe(false);
    expect(verifyNotificationSecret({ 'x-synq-notification-secret': 's'.repeat(43) }, undefined)).toBe(false);
  });
  it('accepts the secret before a rotation until its grace period ends, and never a short one', () => {
    const now = Date.parse('2026-05-01T12:00:00Z');
    const creds: Credentials = { accessToken: 'a', webhookSecret: 'n'.repeat(43), previousWebhookSecret: 'o'.repeat(43), previousWebhookSecretUntil: '2026-05-02T12:00:00Z' };
    const h = (v: string) => ({ 'x-synq-notification-secret': v });
    expect(verifyNotificationSecret(h('n'.repeat(43)), creds, now)).toBe(true);
    expect(verifyNotificationSecret(h('o'.repeat(43)), creds, now)).toBe(true);
    expect(verifyNotificationSecret(h('o'.repeat(43)), creds, Date.parse('2026-05-02T12:00:01Z'))).toBe(false);
    expect(verifyNotificationSecret(h('o'.repeat(43)), { ...creds, previousWebhookSecretUntil: 'garbage' }, now)).toBe(false);
    expect(verifyNotificationSecret(h('x'), { ...creds, previousWebhookSecret: 'x' }, now)).toBe(false);
  });
  it('unwraps an EventBridge event, or takes a bare notification', () => {
    expect(unwrap({ 'detail-type': 'ORDER_CHANGE', detail: { NotificationType: 'ORDER_CHANGE' } })).toEqual({ NotificationType: 'ORDER_CHANGE' });
    expect(unwrap({ NotificationType: 'X' })).toEqual({ NotificationType: 'X' });
    expect(unwrap([1])).toBeNull();
  });
});

describe('listing attributes', () => {
  const product: PushProduct = {
    id: 'p',
    title: 'Tee',
    description: null,
    brand: null,
    category: null,
    handle: null,
    status: 'draft',
    images: ['https://img.example/1.jpg'],
    variants: [{ sku: 'T,1', barcode: '4006381333931', price: '10.10', currency: 'EUR', optionValues: {}, inventoryQuantity: 9 }],
  };
  it('maps to the product type attribute shape', () => {
    const a = listingAttributes(cfg, 'A1PA6795UKMFR9', product, product.variants[0]!);
    expect(a).toEqual({
      item_name: [{ value: 'Tee', language_tag: 'en_GB', marketplace_id: 'A1PA6795UKMFR9' }],
      condition_type: [{ value: 'new_new', marketplace_id: 'A1PA6795UKMFR9' }],
      purchasable_offer: [{ marketplace_id: 'A1PA6795UKMFR9', currency: 'EUR', our_price: [{ schedule: [{ value_with_tax: 10.1 }] }] }],
      externally_assigned_product_identifier: [{ type: 'ean', value: '4006381333931', marketplace_id: 'A1PA6795UKMFR9' }],
      // A draft product is listed with nothing to sell.
      fulfillment_availability: [{ fulfillment_channel_code: 'DEFAULT', quantity: 0 }],
      main_product_image_locator: [{ media_location: 'https://img.example/1.jpg', marketplace_id: 'A1PA6795UKMFR9' }],
    });
  });
  it('encodes SKUs (commas included) into the remote id and back', () => {
    expect(encodeSkus(['T,1', 'T-2'])).toBe('T%2C1,T-2');
    expect(decodeSkus(encodeSkus(['T,1', 'T-2']))).toEqual(['T,1', 'T-2']);
  });
});
