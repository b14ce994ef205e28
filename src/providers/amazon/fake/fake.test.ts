// The Amazon fake on its own: the consent page and its approve button, LWA code and
// refresh rules, the rate limit (burst, 429 + x-amzn-RateLimit-Limit), the model's
// sandbox fixtures for VALIDATION_PREVIEW, and a contract-less run counting requests
// as unvalidated.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAmazonFake, type AmazonFake } from './index.ts';

let fake: AmazonFake;
const REDIRECT = 'http://127.0.0.1:9/callback';
const SELLER = 'A1FAKESELLER01';

beforeAll(async () => {
  // A rate that refills ~never makes the burst observable without timing assumptions.
  fake = await startAmazonFake({ autoApprove: false, codeTtlSeconds: 300, rate: { perSecond: 0.001, burst: 3 }, log: () => {} });
  if (!fake.schemaValidated) console.warn('NOTICE: ../shared/contracts/amazon is missing: the Amazon fake unit test runs without the model');
});
afterAll(async () => fake?.close());

async function consent(sellerId: string): Promise<URL> {
  const q = new URLSearchParams({ application_id: fake.appId, state: 'state-123', redirect_uri: REDIRECT, version: 'beta' });
  const page = await fetch(`${fake.url}/apps/authorize/consent?${q}`);
  const html = await page.text();
  expect(page.status).toBe(200);
  expect(html).toContain('id="approve"');
  // What the approve button submits: the hidden fields plus the decision.
  const res = await fetch(`${fake.url}/apps/authorize/consent`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...Object.fromEntries(q), selling_partner_id: sellerId, decision: 'approve' }).toString(),
    redirect: 'manual',
  });
  expect(res.status).toBe(302);
  return new URL(res.headers.get('location')!);
}

const token = (form: Record<string, string>) =>
  fetch(`${fake.url}/auth/o2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: fake.clientId, client_secret: fake.clientSecret, ...form }).toString(),
  });

describe('Amazon fake', () => {
  it('refuses an unknown application and an unregistered redirect', async () => {
    expect((await fetch(`${fake.url}/apps/authorize/consent?application_id=nope&state=s&redirect_uri=${encodeURIComponent(REDIRECT)}`)).status).toBe(400);
    expect((await fetch(`${fake.url}/apps/authorize/consent?application_id=${fake.appId}&state=s&redirect_uri=javascript:alert(1)`)).status).toBe(400);
  });

  it('consents with the approve button, exchanges the code once, refreshes without rotating', async () => {
    const back = await consent(SELLER);
    expect(back.origin + back.pathname).toBe(REDIRECT);
    expect(back.searchParams.get('state')).toBe('state-123');
    expect(back.searchParams.get('selling_partner_id')).toBe(SELLER);
    const code = back.searchParams.get('spapi_oauth_code')!;

    expect((await token({ grant_type: 'authorization_code', code, client_secret: 'wrong' })).status).toBe(401);
    const first = await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT });
    const t = (await first.json()) as { access_token: string; refresh_token: string; expires_in: number; token_type: string };
    expect(first.status).toBe(200);
    expect(t).toMatchObject({ token_type: 'bearer', expires_in: 3600 });
    const replay = await token({ grant_type: 'authorization_code', code });
    expect(replay.status).toBe(400);
    expect(await replay.json()).toMatchObject({ error: 'invalid_grant' });

    const refreshed = (await (await token({ grant_type: 'refresh_token', refresh_token: t.refresh_token })).json()) as { access_token: string; refresh_token: string };
    expect(refreshed.refresh_token).toBe(t.refresh_token);
    expect(refreshed.access_token).not.toBe(t.access_token);

    fake.revoke(SELLER);
    const revoked = await token({ grant_type: 'refresh_token', refresh_token: t.refresh_token });
    expect(revoked.status).toBe(400);
    expect(await revoked.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('serves the model sandbox fixtures, then throttles past the burst with 429 and x-amzn-RateLimit-Limit', async () => {
    const seller = 'A1FAKESELLER02';
    const code = (await consent(seller)).searchParams.get('spapi_oauth_code')!;
    const { access_token } = (await (await token({ grant_type: 'authorization_code', code })).json()) as { access_token: string };
    const put = (sku: string) =>
      fetch(`${fake.url}/listings/2021-08-01/items/${seller}/${sku}?marketplaceIds=ATVPDKIKX0DER&includedData=identifiers,issues&mode=VALIDATION_PREVIEW`, {
        method: 'PUT',
        headers: { 'x-amz-access-token': access_token, 'content-type': 'application/json' },
        body: JSON.stringify({ productType: 'PRODUCT', requirements: 'LISTING', attributes: {} }),
      });
    const valid = await put('VALIDATION_VALID');
    expect(valid.headers.get('x-amzn-ratelimit-limit')).toBe('0.0');
    const validBody = (await valid.json()) as { status: string };
    const invalid = (await (await put('VALIDATION_INVALID')).json()) as { status: string; issues: { code: string }[] };
    if (fake.schemaValidated) {
      expect(validBody.status).toBe('VALID');
      expect(invalid.status).toBe('INVALID');
      expect(invalid.issues.map((i) => i.code)).toEqual(['90220', '90000900']);
    }
    const third = await put('OTHER-SKU');
    expect(third.status).toBe(200);
    expect(await third.json()).toMatchObject({ status: 'INVALID', issues: [{ code: '90220' }, { code: '90220' }] });
    const throttled = await put('OTHER-SKU');
    expect(throttled.status).toBe(429);
    expect(throttled.headers.has('x-amzn-ratelimit-limit')).toBe(true);
    expect(await throttled.json()).toMatchObject({ errors: [{ code: 'QuotaExceeded' }] });
    expect(fake.stats.rateLimited).toBe(1);
    expect(fake.stats.invalidResponses).toBe(0);
    if (fake.schemaValidated) expect(fake.stats.unvalidatedRequests).toBe(0);
  });

  it('refuses a spapi_oauth_code past its validity', async () => {
    // A negative validity makes every code already expired, without waiting 5 minutes.
    const strict = await startAmazonFake({ autoApprove: true, codeTtlSeconds: -1, log: () => {} });
    try {
      const q = new URLSearchParams({ application_id: strict.appId, state: 's', redirect_uri: REDIRECT });
      const code = new URL((await fetch(`${strict.url}/apps/authorize/consent?${q}`, { redirect: 'manual' })).headers.get('location')!).searchParams.get('spapi_oauth_code')!;
      const res = await fetch(`${strict.url}/auth/o2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'authorization_code', code, client_id: strict.clientId, client_secret: strict.clientSecret }).toString(),
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: 'invalid_grant' });
    } finally {
      await strict.close();
    }
  });

  it('counts requests as unvalidated when it runs without the model', async () => {
    const bare = await startAmazonFake({ contractPath: null, autoApprove: true, log: () => {} });
    try {
      expect(bare.schemaValidated).toBe(false);
      await fetch(`${bare.url}/listings/2021-08-01/items/A1FAKESELLER03/SKU?marketplaceIds=ATVPDKIKX0DER`);
      expect(bare.stats.unvalidatedRequests).toBe(1);
    } finally {
      await bare.close();
    }
  });
});
