// WooCommerce's environment variables (README configuration table) and their parsing.
import type { ProviderConfigSpec } from '../descriptor.ts';

export interface WooCommerceAppConfig {
  /** Shown to the merchant on the store's approval page; empty = WooCommerce is not offered. */
  appName: string;
  /**
   * Development only (refused when NODE_ENV=production): store URLs may be plain http on a
   * loopback host, for the local fake and `synq sandbox woocommerce`.
   */
  allowHttpLoopback: boolean;
}

export const wooCommerceConfig: ProviderConfigSpec<WooCommerceAppConfig> = {
  vars: [
    {
      vars: ['WOOCOMMERCE_APP_NAME'],
      meaning: "the app name merchants see on their store's approval page; set it to offer WooCommerce",
      default: 'unset (WooCommerce not offered)',
    },
    {
      vars: ['SYNQ_WOOCOMMERCE_ALLOW_HTTP_LOOPBACK'],
      meaning: 'development only (refused in production): store URLs may be plain `http` on a loopback host, for `synq sandbox woocommerce` and tests',
      default: '`false`',
    },
  ],
  parse(env) {
    const appName = (env.raw('WOOCOMMERCE_APP_NAME') ?? '').trim();
    if (appName.length > 100) env.problem('WOOCOMMERCE_APP_NAME must be at most 100 characters');
    const allowHttpLoopback = env.flag('SYNQ_WOOCOMMERCE_ALLOW_HTTP_LOOPBACK');
    if (allowHttpLoopback && env.production) {
      env.problem('SYNQ_WOOCOMMERCE_ALLOW_HTTP_LOOPBACK is a development flag and cannot be set when NODE_ENV=production');
    }
    return { appName, allowHttpLoopback };
  },
};
