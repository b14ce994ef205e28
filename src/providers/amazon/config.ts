// Amazon SP-API's environment variables (README configuration table) and their parsing.
// Origins, the default marketplace and the language follow AMAZON_REGION unless set.
import type { ProviderConfigSpec } from '../descriptor.ts';
import { AMAZON_REGIONS, type AmazonRegion } from './facts.ts';

export interface AmazonAppConfig {
  /** The SP-API application id (amzn1.sp.solution…); empty = Amazon is not offered. */
  appId: string;
  /** LWA client identifier and secret of the application. */
  clientId: string;
  clientSecret: string;
  region: AmazonRegion;
  sellerCentralUrl: string;
  spApiUrl: string;
  lwaUrl: string;
  marketplaceIds: string[];
  /** Adds version=beta to the consent URL: required while the application is in draft. */
  beta: boolean;
  /** The Amazon product type listings are submitted as. */
  productType: string;
  languageTag: string;
  /** After ACCEPTED, how often and how many times the listing's issues are read. */
  issuePollMs: number;
  issuePollAttempts: number;
}

export const amazonConfig: ProviderConfigSpec<AmazonAppConfig> = {
  vars: [
    {
      vars: ['AMAZON_APP_ID', 'AMAZON_CLIENT_ID', 'AMAZON_CLIENT_SECRET'],
      secrets: ['AMAZON_CLIENT_SECRET'],
      meaning: 'your SP-API application (OAuth redirect URI `<SYNQ_PUBLIC_URL>/api/v1/integrations/oauth/amazon/callback`) and its LWA credentials; set all three to offer Amazon',
      default: 'unset (Amazon not offered)',
    },
    {
      vars: ['AMAZON_REGION', 'AMAZON_MARKETPLACE_IDS'],
      meaning: 'SP-API region (`na`, `eu`, `fe`: picks Seller Central, the SP-API endpoint and the default marketplace) and the marketplaces listings are pushed to',
      default: "`na`, the region's main marketplace (`ATVPDKIKX0DER`, `A1F83G8C2ARO7P`, `A1VC38T7YXB528`)",
    },
    {
      vars: ['AMAZON_APP_BETA', 'AMAZON_PRODUCT_TYPE', 'AMAZON_LANGUAGE_TAG'],
      meaning: '`version=beta` on the consent URL (draft applications); the product type listings are submitted as; language of text attributes',
      default: "`false`, `PRODUCT`, the region's (`en_US`, `en_GB`, `ja_JP`)",
    },
    {
      vars: ['SYNQ_AMAZON_SELLER_CENTRAL_URL', 'SYNQ_AMAZON_LWA_URL', 'SYNQ_AMAZON_SP_API_URL'],
      meaning: "Amazon's origins (consent page; `/auth/o2/token`; SP-API); tests and `synq sandbox amazon` point them at the local fake",
      default: "the region's (`https://sellercentral.amazon.com`, `https://api.amazon.com`, `https://sellingpartnerapi-na.amazon.com` for `na`)",
    },
    {
      vars: ['SYNQ_AMAZON_ISSUE_POLL_MS'],
      meaning: "after a listing is `ACCEPTED`, the pause between reads of its issues (5 reads at most)",
      default: '`2000`',
    },
  ],
  parse(env) {
    const regionRaw = env.text('AMAZON_REGION', 'na').toLowerCase();
    const region: AmazonRegion = regionRaw === 'eu' || regionRaw === 'fe' ? regionRaw : 'na';
    if (regionRaw !== region) env.problem(`AMAZON_REGION must be na, eu or fe, got "${regionRaw}"`);
    const facts = AMAZON_REGIONS[region];
    const protocols = ['https:', 'http:'];
    const marketplaceIds = env
      .text('AMAZON_MARKETPLACE_IDS', facts.defaultMarketplaceId)
      .split(',')
      .map((m) => m.trim())
      .filter(Boolean);
    if (marketplaceIds.some((m) => !/^[A-Z0-9]{10,20}$/.test(m))) env.problem('AMAZON_MARKETPLACE_IDS must be comma-separated marketplace ids such as ATVPDKIKX0DER');
    const beta = env.raw('AMAZON_APP_BETA');
    env.together(['AMAZON_APP_ID', 'AMAZON_CLIENT_ID', 'AMAZON_CLIENT_SECRET']);
    return {
      appId: (env.raw('AMAZON_APP_ID') ?? '').trim(),
      clientId: env.raw('AMAZON_CLIENT_ID') ?? '',
      clientSecret: env.raw('AMAZON_CLIENT_SECRET') ?? '',
      region,
      sellerCentralUrl: env.origin('SYNQ_AMAZON_SELLER_CENTRAL_URL', facts.sellerCentral, protocols),
      spApiUrl: env.origin('SYNQ_AMAZON_SP_API_URL', facts.spApi, protocols),
      lwaUrl: env.origin('SYNQ_AMAZON_LWA_URL', facts.lwa, protocols),
      marketplaceIds,
      beta: beta === 'true' || beta === '1',
      productType: env.text('AMAZON_PRODUCT_TYPE', 'PRODUCT'),
      languageTag: env.text('AMAZON_LANGUAGE_TAG', facts.defaultLanguageTag),
      issuePollMs: env.int('SYNQ_AMAZON_ISSUE_POLL_MS', 2000, 0, 60_000),
      // 5 reads 2 s apart: Amazon usually publishes issues within seconds of ACCEPTED; later
      // changes arrive as LISTINGS_ITEM_ISSUES_CHANGE notifications.
      issuePollAttempts: 5,
    };
  },
};
