// Shopify's environment variables (README configuration table) and their parsing.
import type { ProviderConfigSpec } from '../descriptor.ts';
import { SHOPIFY_FACTS } from './facts.ts';

export interface ShopifyAppConfig {
  clientId: string;
  clientSecret: string;
  scopes: string;
  apiVersion: string;
  shopUrlTemplate: string;
}

export const shopifyConfig: ProviderConfigSpec<ShopifyAppConfig> = {
  vars: [
    {
      vars: ['SHOPIFY_CLIENT_ID', 'SHOPIFY_CLIENT_SECRET', 'SHOPIFY_SCOPES', 'SHOPIFY_API_VERSION'],
      secrets: ['SHOPIFY_CLIENT_SECRET'],
      meaning: 'your Shopify app',
      default: `scopes \`${SHOPIFY_FACTS.defaultScopes}\`, version \`2025-01\``,
    },
    {
      vars: ['SYNQ_SHOPIFY_SHOP_URL_TEMPLATE'],
      meaning: 'where a shop lives; tests and the sandbox point it at the local fake',
      default: '`https://{shop}`',
    },
  ],
  parse(env) {
    const apiVersion = env.text('SHOPIFY_API_VERSION', '2025-01');
    if (!/^\d{4}-(01|04|07|10)$/.test(apiVersion)) env.problem(`SHOPIFY_API_VERSION must look like 2025-01, got "${apiVersion}"`);
    const shopUrlTemplate = env.text('SYNQ_SHOPIFY_SHOP_URL_TEMPLATE', 'https://{shop}');
    if (!shopUrlTemplate.includes('{shop}')) env.problem('SYNQ_SHOPIFY_SHOP_URL_TEMPLATE must contain {shop}');
    env.together(['SHOPIFY_CLIENT_ID', 'SHOPIFY_CLIENT_SECRET']);
    return {
      clientId: env.raw('SHOPIFY_CLIENT_ID') ?? '',
      clientSecret: env.raw('SHOPIFY_CLIENT_SECRET') ?? '',
      scopes: env.text('SHOPIFY_SCOPES', SHOPIFY_FACTS.defaultScopes),
      apiVersion,
      shopUrlTemplate,
    };
  },
};
