import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, type Config } from './config.ts';

const dataDir = () => mkdtempSync(join(tmpdir(), 'synq-cfg-'));
const settings = (c: Config, id: string) => c.providers.find((p) => p.module.id === id)?.settings;

describe('config', () => {
  it('development defaults generate secrets into the data dir and keep them across restarts', () => {
    const dir = dataDir();
    const a = loadConfig({ SYNQ_DATA_DIR: dir });
    const b = loadConfig({ SYNQ_DATA_DIR: dir });
    expect(a.port).toBe(8080);
    expect(a.host).toBe('127.0.0.1');
    expect(a.publicUrl).toBe('http://localhost:8080');
    expect(a.databaseUrl).toBeUndefined();
    expect(a.auth.mode).toBe('dev-secret');
    expect(a.webhookSecret.equals(b.webhookSecret)).toBe(true);
    expect(a.encryptionKeys[0]!.key.equals(b.encryptionKeys[0]!.key)).toBe(true);
    expect(settings(a, 'shopify')).toMatchObject({ apiVersion: '2025-01' });
  });

  it('production refuses to start without real secrets, listing every problem at once', () => {
    let err: unknown;
    try {
      loadConfig({ NODE_ENV: 'production', SYNQ_DATA_DIR: dataDir(), PORT: 'abc', SYNQ_CONNECT_REDIRECT_ALLOWLIST: 'not a url' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems.join('\n');
    for (const name of ['PORT', 'SYNQ_AUTH_JWKS_URL', 'SYNQ_WEBHOOK_SECRET', 'SYNQ_ENCRYPTION_KEYS', 'SYNQ_CONNECT_REDIRECT_ALLOWLIST']) {
      expect(problems).toContain(name);
    }
  });

  it('validates encryption keys, URLs and the Shopify template', () => {
    const bad = () =>
      loadConfig({
        SYNQ_DATA_DIR: dataDir(),
        SYNQ_ENCRYPTION_KEYS: 'k1:c2hvcnQ=',
        DATABASE_URL: 'mysql://x',
        SYNQ_SHOPIFY_SHOP_URL_TEMPLATE: 'https://example.com',
        SHOPIFY_CLIENT_ID: 'only-id',
      });
    expect(bad).toThrow(/DATABASE_URL[\s\S]*32 bytes[\s\S]*\{shop\}[\s\S]*SHOPIFY_CLIENT_ID/);
    const ok = loadConfig({
      SYNQ_DATA_DIR: dataDir(),
      SYNQ_ENCRYPTION_KEYS: `new:${Buffer.alloc(32, 1).toString('base64')},old:${Buffer.alloc(32, 2).toString('base64')}`,
      SYNQ_CONNECT_REDIRECT_ALLOWLIST: 'https://app.example.com, http://localhost:3000',
    });
    expect(ok.encryptionKeys.map((k) => k.kid)).toEqual(['new', 'old']);
    expect(ok.connectRedirectAllowlist).toEqual(['https://app.example.com', 'http://localhost:3000']);
  });

  it('WooCommerce: offered only with an app name; the http-loopback flag is development only', () => {
    expect(settings(loadConfig({ SYNQ_DATA_DIR: dataDir() }), 'woocommerce')).toEqual({ appName: '', allowHttpLoopback: false });
    expect(settings(loadConfig({ SYNQ_DATA_DIR: dataDir(), WOOCOMMERCE_APP_NAME: 'Synq', SYNQ_WOOCOMMERCE_ALLOW_HTTP_LOOPBACK: 'true' }), 'woocommerce')).toEqual({ appName: 'Synq', allowHttpLoopback: true });
    expect(() => loadConfig({ SYNQ_DATA_DIR: dataDir(), SYNQ_WOOCOMMERCE_ALLOW_HTTP_LOOPBACK: 'yes' })).toThrow(/SYNQ_WOOCOMMERCE_ALLOW_HTTP_LOOPBACK/);
    expect(() =>
      loadConfig({
        NODE_ENV: 'production',
        SYNQ_DATA_DIR: dataDir(),
        SYNQ_AUTH_SECRET: 'x'.repeat(32),
        SYNQ_WEBHOOK_SECRET: 'y'.repeat(32),
        SYNQ_ENCRYPTION_KEYS: `k:${Buffer.alloc(32, 1).toString('base64')}`,
        SYNQ_FEED_SIGNING_KEYS: `f:${Buffer.alloc(32, 2).toString('base64')}`,
        SYNQ_WOOCOMMERCE_ALLOW_HTTP_LOOPBACK: 'true',
      }),
    ).toThrow(/development flag/);
  });
});
