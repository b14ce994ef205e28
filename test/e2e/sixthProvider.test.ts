// A sixth provider needs its folder and one table row, nothing else: TinyShop
// (test/tinyshop/, defined outside src/) is added to the provider table handed to
// loadConfig, and without any other change gets its configuration variables (parsed and
// reported with everyone else's), `synq sandbox tinyshop`, its place on the connect page,
// the whole authorization flow, pushes, and its webhook route into the outbox and orders.
import { createHmac, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envReport, providerConfigTable } from '../../src/cli/env.ts';
import { sandboxCommand, sandboxUsage } from '../../src/cli/sandbox.ts';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { PROVIDERS } from '../../src/providers/registry.ts';
import { newTenant, startService, type TestService, type TestTenant } from '../harness.ts';
import { tinyShopProvider } from '../tinyshop/provider.ts';
import { connectionFromSuccessPage, connectPageUrl, pushAndSettle, waitFor } from './flow.ts';

const TABLE = [...PROVIDERS, tinyShopProvider];
let svc: TestService;
let sandboxEnv: Record<string, string>;
let stopSandbox: () => void;
let sandboxExit: Promise<number>;
const printed: string[] = [];

beforeAll(async () => {
  const stop = new Promise<void>((resolve) => (stopSandbox = resolve));
  sandboxExit = sandboxCommand(['tinyshop', '--port', '0'], { providers: TABLE, wait: () => stop, out: (t) => printed.push(t), err: (t) => printed.push(t) });
  await waitFor(async () => printed.length > 0, 10_000, 20);
  const start = /Start Synq with:\n {2}(.*) npm start/.exec(printed[0]!);
  sandboxEnv = Object.fromEntries([...(start?.[1] ?? '').matchAll(/([A-Z0-9_]+)='([^']*)'/g)].map((m) => [m[1]!, m[2]!]));
  svc = await startService({ providers: TABLE, env: sandboxEnv, worker: true });
});
afterAll(async () => {
  await svc?.close();
  stopSandbox?.();
  expect(await sandboxExit).toBe(0);
});

async function connect(t: TestTenant, shop: string): Promise<string> {
  const res = await svc.app.inject({ method: 'POST', url: '/api/v1/integrations/auth-url', headers: await svc.headers(t), payload: { provider: 'tinyshop', shop } });
  expect(res.statusCode, res.body).toBe(200);
  const authorize = new URL((res.json() as { auth_url: string }).auth_url);
  expect(authorize.origin).toBe(sandboxEnv.SYNQ_TINYSHOP_URL);
  expect(authorize.searchParams.get('redirect_uri')).toBe(`${svc.url}/api/v1/integrations/oauth/tinyshop/callback`);
  const approved = await fetch(authorize, { redirect: 'manual' });
  expect(approved.status).toBe(302);
  const { connectionId } = await connectionFromSuccessPage(approved.headers.get('location')!);
  const saved = await svc.app.inject({ method: 'POST', url: '/api/v1/integrations/callback', headers: await svc.headers(t), payload: { connection_id: connectionId } });
  expect(saved.statusCode, saved.body).toBe(201);
  expect(saved.json()).toMatchObject({ status: 'ACTIVE', provider: 'tinyshop', category: 'commerce' });
  return connectionId;
}

describe('a sixth provider from one folder and one table row', () => {
  it('declares its variables: parsed at start-up, problems listed with everyone else’s, in `synq env` and the README table', () => {
    const dir = mkdtempSync(join(tmpdir(), 'synq-six-'));
    let err: unknown;
    try {
      loadConfig({ SYNQ_DATA_DIR: dir, PORT: 'abc', TINYSHOP_CLIENT_ID: 'only-id', SYNQ_TINYSHOP_URL: 'ftp://tiny.example' }, TABLE);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems.join('\n');
    expect(problems).toMatch(/PORT/);
    expect(problems).toContain('TINYSHOP_CLIENT_ID and TINYSHOP_CLIENT_SECRET must be set together');
    expect(problems).toContain('SYNQ_TINYSHOP_URL must use https: or http:');
    // Without the row, nothing reads these variables.
    expect(() => loadConfig({ SYNQ_DATA_DIR: dir, TINYSHOP_CLIENT_ID: 'only-id', SYNQ_TINYSHOP_URL: 'ftp://x' })).not.toThrow();

    const report = envReport({ TINYSHOP_CLIENT_ID: 'cid', TINYSHOP_CLIENT_SECRET: 'hush-hush-secret' }, TABLE);
    expect(report).toContain('tinyshop (TinyShop): offered');
    expect(report).toContain('TINYSHOP_CLIENT_SECRET = set (secret)');
    expect(report).not.toContain('hush-hush-secret');
    expect(providerConfigTable(TABLE)).toContain('| `SYNQ_TINYSHOP_URL` | TinyShop: ');
  });

  it('gets `synq sandbox tinyshop`, which prints exactly the variables TinyShop declares', () => {
    expect(printed[0]).toMatch(/^fake TinyShop listening on http:\/\/127\.0\.0\.1:\d+/);
    expect(Object.keys(sandboxEnv).sort()).toEqual(tinyShopProvider.envVars.flatMap((r) => r.vars).sort());
    expect(sandboxUsage(TABLE)).toContain('synq sandbox tinyshop [--port 8099]');
  });

  it('is offered on the connect page and connects through auth-url, consent and callback to ACTIVE', async () => {
    const t = newTenant();
    const page = await (await fetch(await connectPageUrl(svc, t))).text();
    expect(page).toContain('TinyShop');
    await connect(t, `shop-${randomUUID().slice(0, 8)}`);
  });

  it('receives pushes like any other provider', async () => {
    const t = newTenant();
    await connect(t, `push-${randomUUID().slice(0, 8)}`);
    const created = await svc.app.inject({
      method: 'POST',
      url: '/api/v1/pim/products',
      headers: await svc.headers(t),
      payload: { title: 'Tiny Tee', variants: [{ sku: 'TINY-1', price: '9.00', currency: 'EUR' }] },
    });
    expect(created.statusCode, created.body).toBe(201);
    const id = (created.json() as { id: string }).id;
    const up = await pushAndSettle(svc, t, id, 'UPSERT');
    expect(up.targets).toEqual([expect.objectContaining({ provider: 'tinyshop', status: 'succeeded', remote_id: expect.any(String) })]);
    const down = await pushAndSettle(svc, t, id, 'DELETE');
    expect(down.targets).toEqual([expect.objectContaining({ provider: 'tinyshop', status: 'succeeded' })]);
  });

  it('gets POST /unified/webhook/tinyshop: verified by its connector, stored, processed into an order', async () => {
    const t = newTenant();
    const shop = `hook-${randomUUID().slice(0, 8)}`;
    await connect(t, shop);
    const openapi = await svc.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(Object.keys(openapi.json().paths as object)).toContain('/unified/webhook/tinyshop');

    const body = JSON.stringify({ id: `T-${randomUUID().slice(0, 8)}`, total: '12.50', at: '2026-01-02T03:04:05Z' });
    const sig = createHmac('sha256', sandboxEnv.TINYSHOP_CLIENT_SECRET!).update(body).digest('base64');
    const send = (hmac: string) =>
      svc.app.inject({
        method: 'POST',
        url: '/unified/webhook/tinyshop',
        headers: { 'content-type': 'application/json', 'x-tinyshop-hmac': hmac, 'x-tinyshop-shop': shop, 'x-tinyshop-delivery': randomUUID() },
        payload: body,
      });
    expect((await send(createHmac('sha256', 'wrong').update(body).digest('base64'))).statusCode).toBe(401);
    const ok = await send(sig);
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ status: 'accepted', event_ids: [expect.stringMatching(/^evt_/)] });
    const orders = await waitFor(async () => {
      const res = await svc.app.inject({ method: 'GET', url: '/api/v1/oms/orders', headers: await svc.headers(t) });
      const list = (res.json() as { orders: { external_id: string; total: string }[] }).orders;
      return list.length > 0 ? list : null;
    });
    expect(orders[0]).toMatchObject({ external_id: JSON.parse(body).id, total: '12.50' });
  });
});
