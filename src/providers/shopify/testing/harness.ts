// Test helpers shared by the Shopify tests: a connector wired to a fake, a
// completed OAuth install, and an in-memory ConnectionContext that refreshes
// the way the real one does (on expiry and once after a 401).
import type { ShopifyAppConfig } from '../config.ts';
import type { ConnectionContext, Connector, Credentials, PushProduct } from '../../types.ts';
import { createShopifyConnector, type ShopifyConnector, type ShopifyConnectorOptions } from '../connector.ts';
import type { ShopifyFake } from '../fake/index.ts';

export const CLIENT_ID = 'synq-test-client';
export const CLIENT_SECRET = 'test-secret-0123456789abcdef';
export const REDIRECT_URI = 'http://127.0.0.1:9/oauth/callback';

export function appConfig(fake: ShopifyFake): ShopifyAppConfig {
  return { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, scopes: 'read_products,write_products,read_orders', apiVersion: '2025-01', shopUrlTemplate: fake.shopUrlTemplate };
}

export function connectorFor(fake: ShopifyFake, opts: ShopifyConnectorOptions = {}): ShopifyConnector {
  return createShopifyConnector(appConfig(fake), { timeoutMs: 2000, ...opts });
}

/** authorize URL -> fake authorize (auto-approve) -> 302 -> parseCallback -> exchangeCode. */
export async function install(connector: ShopifyConnector, shop: string, state = 'state-123'): Promise<Credentials> {
  const authorizeUrl = connector.authorization.buildAuthorizeUrl({ account: shop, state, redirectUri: REDIRECT_URI });
  const res = await fetch(authorizeUrl, { redirect: 'manual' });
  if (res.status !== 302) throw new Error(`authorize answered ${res.status}`);
  const location = new URL(res.headers.get('location') ?? '');
  const query = Object.fromEntries(location.searchParams);
  const cb = connector.authorization.parseCallback(query);
  if (cb.state !== state) throw new Error('state mismatch');
  return connector.authorization.exchangeCode(cb.account, cb.code, REDIRECT_URI);
}

export interface TestContext {
  ctx: ConnectionContext;
  creds: () => Credentials;
  invalidations: () => number;
}

export function contextFor(connector: Connector, shop: string, initial: Credentials): TestContext {
  let creds = initial;
  let invalidations = 0;
  const refresh = async () => {
    creds = await connector.refresh(shop, creds);
    return creds.accessToken;
  };
  return {
    ctx: {
      connectionId: 'conn_test',
      account: shop,
      accessToken: async () =>
        creds.accessExpiresAt !== undefined && Date.parse(creds.accessExpiresAt) <= Date.now() ? refresh() : creds.accessToken,
      invalidateToken: async (rejected) => {
        invalidations += 1;
        return rejected === creds.accessToken ? refresh() : creds.accessToken;
      },
      credentials: async () => creds,
    },
    creds: () => creds,
    invalidations: () => invalidations,
  };
}

export function tee(overrides: Partial<PushProduct> = {}): PushProduct {
  return {
    id: 'prod_1',
    title: 'Organic tee',
    description: 'Soft cotton.\n\nMade <well>.',
    brand: 'Acme',
    category: 'Shirts',
    handle: 'organic-tee',
    status: 'active',
    images: [],
    variants: [
      { sku: 'TEE-S', barcode: '0001', price: '19.99', currency: 'USD', optionValues: { Size: 'S' }, inventoryQuantity: 5 },
      { sku: 'TEE-M', barcode: null, price: '19.99', currency: 'USD', optionValues: { Size: 'M' }, inventoryQuantity: null },
    ],
    ...overrides,
  };
}
