// Provider id -> connector. Adding a provider is one folder and one row here.
import type { Config } from '../config.ts';
import { createShopifyConnector } from './shopify/connector.ts';
import { createWooCommerceConnector } from './woocommerce/connector.ts';
import { createXeroConnector } from './xero/connector.ts';
import { createQuickBooksConnector } from './quickbooks/connector.ts';
import { createAmazonConnector } from './amazon/connector.ts';
import type { Connector, ProviderId } from './types.ts';

const FACTORIES: Record<ProviderId, (config: Config) => Connector> = {
  shopify: (config) => createShopifyConnector(config.shopify),
  woocommerce: (config) => createWooCommerceConnector(config.woocommerce),
  xero: (config) => createXeroConnector(config.xero),
  quickbooks: (config) => createQuickBooksConnector(config.quickbooks),
  amazon: (config) => createAmazonConnector(config.amazon),
};

export interface ProviderRegistry {
  get(id: string): Connector | undefined;
  /** Providers whose app credentials are configured, in a stable order. */
  configured(): Connector[];
}

export function createProviderRegistry(config: Config, overrides: Partial<Record<ProviderId, Connector>> = {}): ProviderRegistry {
  const all = new Map<string, Connector>();
  for (const id of Object.keys(FACTORIES) as ProviderId[]) all.set(id, overrides[id] ?? FACTORIES[id](config));
  return {
    get: (id) => all.get(id),
    configured: () => [...all.values()].filter((c) => c.isConfigured()),
  };
}
