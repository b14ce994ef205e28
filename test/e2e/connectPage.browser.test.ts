// A real browser through the connect page: open auth_url, enter the shop,
// approve at (fake) Shopify, land on the tenant's redirect with a connection_id.
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startShopifyFake, type ShopifyFake } from '../../src/providers/shopify/fake/index.ts';
import { newTenant, startService, type TestService } from '../harness.ts';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  if (process.env.SYNQ_REQUIRE_BROWSER_TEST) throw new Error(`${CHROMIUM} is required in CI (apt-get install chromium)`);
  console.warn(`NOTICE: ${CHROMIUM} not found; the connect-page browser test is skipped (apt-get install chromium)`);
}

describe.skipIf(!haveChromium)('connect page in Chromium', () => {
  let fake: ShopifyFake;
  let svc: TestService;
  let landing: Server;
  let landingOrigin = '';
  let browser: Browser;

  beforeAll(async () => {
    landing = createServer((_req, res) => {
      res.setHeader('content-type', 'text/html');
      res.end('<!doctype html><title>Back in the app</title><p id="done">connected</p>');
    });
    await new Promise<void>((r) => landing.listen(0, '127.0.0.1', r));
    const addr = landing.address();
    landingOrigin = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    fake = await startShopifyFake({ clientId: 'browser-client', clientSecret: 'browser-secret-0123456789', autoApprove: false, log: () => {} });
    svc = await startService({
      env: {
        SHOPIFY_CLIENT_ID: 'browser-client',
        SHOPIFY_CLIENT_SECRET: 'browser-secret-0123456789',
        SYNQ_SHOPIFY_SHOP_URL_TEMPLATE: fake.shopUrlTemplate,
        SYNQ_CONNECT_REDIRECT_ALLOWLIST: landingOrigin,
      },
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await svc?.close();
    await fake?.close();
    await new Promise<void>((r) => (landing ? landing.close(() => r()) : r()));
  });

  it('enters the shop, approves, and lands on the redirect with a connection_id', async () => {
    const t = newTenant();
    const res = await svc.app.inject({
      method: 'POST',
      url: '/api/v1/integrations/auth-url',
      headers: await svc.headers(t),
      payload: { redirect_uri: `${landingOrigin}/after-connect` },
    });
    expect(res.statusCode).toBe(200);
    const page = await browser.newPage();
    await page.goto((res.json() as { auth_url: string }).auth_url);
    await page.fill('#account-shopify', 'browser-demo.myshopify.com');
    await page.click('#connect-shopify');
    await page.waitForSelector('#install');
    await page.click('#install');
    await page.waitForURL((u) => u.toString().startsWith(landingOrigin), { timeout: 20_000 });
    const landed = new URL(page.url());
    expect(landed.pathname).toBe('/after-connect');
    expect(landed.searchParams.get('connection_id')).toMatch(/^conn_[A-Za-z0-9]+$/);
    expect(landed.searchParams.get('provider')).toBe('shopify');
    expect(landed.searchParams.get('category')).toBe('commerce');

    const list = await svc.app.inject({ method: 'GET', url: '/api/v1/integrations/connections?status=all', headers: await svc.headers(t) });
    const conns = (list.json() as { connections: { connection_id: string; status: string }[] }).connections;
    expect(conns).toEqual([expect.objectContaining({ connection_id: landed.searchParams.get('connection_id'), status: 'PENDING' })]);
  });
});
