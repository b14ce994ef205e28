// The provider table. Adding a provider is its folder (exporting one descriptor, see
// descriptor.ts) and one row here; configuration, connectors, webhook routes, the README's
// configuration rows and `synq sandbox` are all derived from this table.
import { amazonProvider } from './amazon/provider.ts';
import type { LoadedProvider, ProviderModule } from './descriptor.ts';
import { quickBooksProvider } from './quickbooks/provider.ts';
import { shopifyProvider } from './shopify/provider.ts';
import type { Connector } from './types.ts';
import { wooCommerceProvider } from './woocommerce/provider.ts';
import { xeroProvider } from './xero/provider.ts';

/** In the order tenants see them on the connect page. */
export const PROVIDERS: readonly ProviderModule[] = [shopifyProvider, wooCommerceProvider, xeroProvider, quickBooksProvider, amazonProvider];

export interface ProviderRegistry {
  get(id: string): Connector | undefined;
  /** Providers whose app credentials are configured, in table order. */
  configured(): Connector[];
  /** Every row of the table, in order (webhook routes are registered from these). */
  modules(): readonly ProviderModule[];
}

export function createProviderRegistry(loaded: readonly LoadedProvider[], overrides: Readonly<Record<string, Connector>> = {}): ProviderRegistry {
  const all = new Map<string, Connector>();
  for (const p of loaded) all.set(p.module.id, overrides[p.module.id] ?? p.createConnector());
  const modules = loaded.map((p) => p.module);
  return {
    get: (id) => all.get(id),
    configured: () => [...all.values()].filter((c) => c.isConfigured()),
    modules: () => modules,
  };
}
