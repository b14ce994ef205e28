// TinyShop's variables: what a sixth provider's config.ts looks like.
import type { ProviderConfigSpec } from '../../src/providers/descriptor.ts';

export interface TinyShopConfig {
  clientId: string;
  clientSecret: string;
  /** Where TinyShop lives (its consent page, token endpoint and API). */
  url: string;
}

export const tinyShopConfig: ProviderConfigSpec<TinyShopConfig> = {
  vars: [
    { vars: ['TINYSHOP_CLIENT_ID', 'TINYSHOP_CLIENT_SECRET'], secrets: ['TINYSHOP_CLIENT_SECRET'], meaning: 'your TinyShop app; set both to offer TinyShop', default: 'unset' },
    { vars: ['SYNQ_TINYSHOP_URL'], meaning: "TinyShop's origin; the sandbox points it at the local fake", default: '`https://tinyshop.example`' },
  ],
  parse(env) {
    env.together(['TINYSHOP_CLIENT_ID', 'TINYSHOP_CLIENT_SECRET']);
    return {
      clientId: env.raw('TINYSHOP_CLIENT_ID') ?? '',
      clientSecret: env.raw('TINYSHOP_CLIENT_SECRET') ?? '',
      url: env.origin('SYNQ_TINYSHOP_URL', 'https://tinyshop.example', env.production ? ['https:'] : ['https:', 'http:']),
    };
  },
};
