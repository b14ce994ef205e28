// The fake itself: the schema it derives from Finance.xsd, its query subset, the token
// endpoint's rotation and revocation (through the connector's own oauth functions).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revokeGrant, refreshCredentials } from '../oauth.ts';
import { startQuickBooksFake, type QuickBooksFake } from './index.ts';
import { parseQuery } from './api.ts';
import { DEFAULT_CONTRACT_DIR, loadContract } from './xsdSchema.ts';

const haveContracts = existsSync(join(DEFAULT_CONTRACT_DIR, 'Finance.xsd'));
if (!haveContracts) console.warn(`NOTICE: ${DEFAULT_CONTRACT_DIR} is missing: the QuickBooks XSD checks are skipped in this run`);

describe.skipIf(!haveContracts)('Item schema derived from Finance.xsd', () => {
  it('knows the Item elements, IntuitEntity base fields, ItemTypeEnum and ReferenceType', async () => {
    const contract = (await loadContract(DEFAULT_CONTRACT_DIR, ['Item']))!;
    expect(contract.unsupported).toEqual([]);
    const item = contract.entities.get('Item')!;
    for (const f of ['Id', 'SyncToken', 'sparse', 'Name', 'Sku', 'Type', 'UnitPrice', 'IncomeAccountRef', 'AssetAccountRef', 'QtyOnHand', 'InvStartDate', 'Active']) expect(item.fields.has(f), f).toBe(true);
    const ok = { Id: '1', SyncToken: '0', sparse: true, Name: 'A', Type: 'Inventory', UnitPrice: 1.5, QtyOnHand: 2, TrackQtyOnHand: true, InvStartDate: '2024-05-01', IncomeAccountRef: { value: '79', name: 'Sales' } };
    expect(item.validate(ok), JSON.stringify(item.validate.errors)).toBe(true);
    for (const bad of [{ Type: 'Gadget' }, { Colour: 'red' }, { UnitPrice: '1.00' }, { Active: 'yes' }, { InvStartDate: '01/05/2024' }, { IncomeAccountRef: { id: '1' } }, { IncomeAccountRef: { value: '1', extra: 1 } }]) {
      expect(item.validate({ Name: 'A', ...bad }), JSON.stringify(bad)).toBe(false);
    }
  });
});

describe('the fake query subset', () => {
  it('parses what the connector sends and refuses the rest', () => {
    expect(parseQuery("SELECT * FROM Item WHERE Sku = 'A\\'B' AND Active IN (true, false)")).toEqual({
      entity: 'Item',
      conditions: [
        { field: 'Sku', op: '=', values: ["A'B"] },
        { field: 'Active', op: 'IN', values: [true, false] },
      ],
      start: 1,
      max: 100,
    });
    expect(parseQuery('SELECT * FROM Item STARTPOSITION 101 MAXRESULTS 100')).toMatchObject({ start: 101, max: 100 });
    expect(typeof parseQuery('SELECT Name FROM Item')).toBe('string');
    expect(typeof parseQuery("SELECT * FROM Item WHERE Sku = 'x' OR 1=1")).toBe('string');
  });
});

describe('the fake token endpoint', () => {
  let fake: QuickBooksFake;
  const cfg = () => ({ clientId: 'c', clientSecret: 's', webhookVerifierToken: 'v', appCenterUrl: fake.url, oauthUrl: fake.url, revokeUrl: fake.url, apiUrl: fake.url, minorVersion: 75 });
  const http = { fetch: globalThis.fetch, timeoutMs: 10_000 };
  beforeAll(async () => {
    fake = await startQuickBooksFake({ clientId: 'c', clientSecret: 's', verifierToken: 'v', autoApprove: true, contractDir: null, log: () => {} });
  });
  afterAll(async () => fake?.close());

  async function grant(): Promise<{ accessToken: string; refreshToken: string }> {
    const res = await fetch(`${fake.url}/connect/oauth2?client_id=c&response_type=code&scope=com.intuit.quickbooks.accounting&redirect_uri=http://x.test/cb&state=s1`, { redirect: 'manual' });
    const code = new URL(res.headers.get('location')!).searchParams.get('code')!;
    const tok = await fetch(`${fake.url}/oauth2/v1/tokens/bearer`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from('c:s').toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: 'http://x.test/cb' }).toString(),
    });
    const body = (await tok.json()) as { access_token: string; refresh_token: string };
    return { accessToken: body.access_token, refreshToken: body.refresh_token };
  }

  it('rotates refresh tokens, answers invalid_grant for a replaced one, and revokes the whole grant', async () => {
    const first = await grant();
    const second = await refreshCredentials(http, cfg(), first);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    await expect(refreshCredentials(http, cfg(), first)).rejects.toMatchObject({ code: 'INVALID_GRANT', retryable: false });
    await revokeGrant(http, cfg(), second);
    await expect(refreshCredentials(http, cfg(), second)).rejects.toMatchObject({ code: 'INVALID_GRANT' });
    expect(fake.stats.revocations).toBe(1);
  });

  it('refuses a wrong client secret', async () => {
    await expect(refreshCredentials(http, { ...cfg(), clientSecret: 'wrong' }, { accessToken: 'a', refreshToken: 'r' })).rejects.toMatchObject({ code: 'VALIDATION' });
  });
});
