// Xero's pieces against the published contracts in ../shared/contracts/xero: the Items Synq
// builds validate against POST /Items's body schema, the connector's restated WebhookEvent
// schema accepts the contract's own examples, and signatures verify over the raw bytes only.
import { createHmac } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ProviderError, type PushProduct } from '../types.ts';
import { DEFAULT_CONTRACT_DIR, loadXeroContract } from './fake/contract.ts';
import { fromMsDate, parseRemoteId, toXeroItems } from './items.ts';
import { parseCallback } from './oauth.ts';
import { splitXeroWebhook, verifyXeroWebhook } from './webhooks.ts';

const haveContracts = existsSync(resolve(DEFAULT_CONTRACT_DIR, 'xero_accounting.yaml'));
if (!haveContracts) console.warn(`NOTICE: ${DEFAULT_CONTRACT_DIR} is missing: Xero contract checks are SKIPPED in this run`);

const product = (over: Partial<PushProduct> = {}): PushProduct => ({
  id: 'p1',
  title: 'A very long product title that goes on and on beyond fifty characters',
  description: 'Desc',
  brand: null,
  category: null,
  handle: null,
  status: 'active',
  images: [],
  variants: [
    { sku: 'SKU-S', barcode: null, price: '12.3456', currency: 'USD', optionValues: { Size: 'S' }, inventoryQuantity: null },
    { sku: 'SKU-M', barcode: null, price: '13', currency: 'USD', optionValues: { Size: 'M' }, inventoryQuantity: 3 },
  ],
  ...over,
});

describe('Xero items', () => {
  it('maps variants to Items within the contract limits', () => {
    const items = toXeroItems(product());
    expect(items).toHaveLength(2);
    expect(items[0]).toMatchObject({ Code: 'SKU-S', IsSold: true, SalesDetails: { UnitPrice: 12.3456 }, Description: 'Desc' });
    for (const i of items) expect([...i.Name].length).toBeLessThanOrEqual(50);
    expect(toXeroItems(product({ status: 'archived' }))[0]).not.toHaveProperty('Description');
  });

  it('refuses a SKU longer than the 30-character item code as a permanent VALIDATION error', () => {
    const long = product({ variants: [{ sku: 'S'.repeat(31), barcode: null, price: '1', currency: 'USD', optionValues: {}, inventoryQuantity: null }] });
    expect(() => toXeroItems(long)).toThrow(ProviderError);
    try {
      toXeroItems(long);
    } catch (err) {
      expect(err).toMatchObject({ code: 'VALIDATION', retryable: false });
    }
  });

  it('reads remote ids and Xero dates', () => {
    expect(() => parseRemoteId('not-an-id')).toThrow(ProviderError);
    expect(parseRemoteId('8487e8d7-5fb3-4f02-b949-dec8f1e38182,c8c54d65-f3f2-452d-926e-bf450b12fb07')).toHaveLength(2);
    expect(fromMsDate('/Date(1573755038314+0000)/')).toBe('2019-11-14T18:10:38.314Z');
  });

  it.skipIf(!haveContracts)('builds a POST /Items body the contract accepts', () => {
    const op = loadXeroContract()!.operations.get('POST /Items')!;
    expect(op.body!({ Items: toXeroItems(product()) }), JSON.stringify(op.body!.errors)).toBe(true);
  });
});

describe('Xero webhooks', () => {
  const key = 'webhook-key-0123456789';
  const sign = (body: string) => createHmac('sha256', key).update(body).digest('base64');

  it('verifies x-xero-signature over the raw bytes and rejects without a key', () => {
    const body = Buffer.from('{"events":[],"firstEventSequence":0,"lastEventSequence":0,"entropy":"X"}');
    expect(verifyXeroWebhook(key, body, { 'x-xero-signature': sign(body.toString()) })).toBe(true);
    expect(verifyXeroWebhook(key, Buffer.from(`${body.toString()} `), { 'x-xero-signature': sign(body.toString()) })).toBe(false);
    expect(verifyXeroWebhook('', body, { 'x-xero-signature': sign(body.toString()) })).toBe(false);
    expect(splitXeroWebhook(body)).toEqual([]);
  });

  it.skipIf(!haveContracts)("accepts the contract's own example events and names them accounting.*", () => {
    const doc = parseYaml(readFileSync(resolve(DEFAULT_CONTRACT_DIR, 'xero-webhooks.yaml'), 'utf8')) as {
      components: { responses: { '200WebhookDataReceivedOk': { content: { 'application/json': { schema: { example: unknown } } } } } };
      webhooks: { creditNotes: { post: { requestBody: { content: { 'application/json': { examples: { creditNoteCreate: { value: unknown } } } } } } } };
    };
    const contact = doc.components.responses['200WebhookDataReceivedOk'].content['application/json'].schema.example;
    const credit = doc.webhooks.creditNotes.post.requestBody.content['application/json'].examples.creditNoteCreate.value;
    const [c] = splitXeroWebhook(Buffer.from(JSON.stringify(contact)));
    expect(c).toMatchObject({ account: 'c2cc9b6e-9458-4c7d-93cc-f02b81b0594f', inbound: { event: 'accounting.contact.updated' } });
    const [n] = splitXeroWebhook(Buffer.from(JSON.stringify(credit)));
    expect(n?.inbound.event).toBe('accounting.creditnote.created');
    expect(n?.inbound.providerEventId).toBe('aef86862-2015-4b6b-88bc-d89032cecc50:55d84274-a3da-4829-a7c0-0cab601b95cc:2025-12-02T00:44:09.923');
    // And the contract (with the fake's documented overlays) agrees with both.
    const check = loadXeroContract()!.webhookEvent;
    expect(check(contact)).toBe(true);
  });

  it('refuses a payload that does not match WebhookEvent', () => {
    expect(() => splitXeroWebhook(Buffer.from('{"events":[{"tenantId":"x"}],"firstEventSequence":1,"lastEventSequence":1,"entropy":"E"}'))).toThrow(ProviderError);
    expect(() => splitXeroWebhook(Buffer.from('nope'))).toThrow(ProviderError);
  });
});

describe('Xero callback', () => {
  it('needs code and state, and turns a denial into VALIDATION', () => {
    expect(parseCallback({ code: 'c', state: 's', scope: 'x', session_state: 'y' })).toEqual({ code: 'c', state: 's', account: '' });
    expect(() => parseCallback({ state: 's' })).toThrow(ProviderError);
    expect(() => parseCallback({ error: 'access_denied', state: 's' })).toThrow(/access_denied/);
  });
});
