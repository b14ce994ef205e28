// The fake Feeds API refuses what Amazon refuses: a call beyond an operation's published burst
// (429), an upload whose Content-Type differs from the document's, a document whose header names
// another seller (FATAL), and a message that does not match listings-feed-schema-v2.json (an
// ERROR issue for that message only, the others applied).
import { describe, expect, it } from 'vitest';
import { FakeFeeds, FEED_RATES } from './feedsApi.ts';
import { FakeWorld } from './state.ts';
import { haveContracts } from '../../../../test/contracts.ts';

const SELLER = 'A1FEEDSELLER01';
const CT = 'application/json; charset=UTF-8';

function feeds() {
  return new FakeFeeds(new FakeWorld(), { messagesPerSecond: 1_000_000, baseUrl: () => 'http://fake.invalid' });
}

/** Creates a document with `content`, creates the feed, and reads the processing report. */
function run(f: FakeFeeds, content: string, now: number) {
  const doc = f.handle(SELLER, 'POST', '/feeds/2021-06-30/documents', JSON.stringify({ contentType: CT }), now).body as { feedDocumentId: string };
  expect(f.document('PUT', doc.feedDocumentId, CT, content).status).toBe(200);
  const feed = f.handle(SELLER, 'POST', '/feeds/2021-06-30/feeds', JSON.stringify({ feedType: 'JSON_LISTINGS_FEED', marketplaceIds: ['ATVPDKIKX0DER'], inputFeedDocumentId: doc.feedDocumentId }), now);
  expect(feed.status).toBe(202);
  const status = f.handle(SELLER, 'GET', `/feeds/2021-06-30/feeds/${(feed.body as { feedId: string }).feedId}`, '', now + 1000).body as { processingStatus: string; resultFeedDocumentId: string };
  const report = JSON.parse(String(f.document('GET', status.resultFeedDocumentId, undefined, '').body)) as { issues: { messageId: number; severity: string }[]; summary: { messagesAccepted: number } };
  return { status: status.processingStatus, report };
}

const offer = { purchasable_offer: [{ marketplace_id: 'ATVPDKIKX0DER', currency: 'USD', our_price: [{ schedule: [{ value_with_tax: 5 }] }] }] };
const attributes = { item_name: [{ value: 'Mug', marketplace_id: 'ATVPDKIKX0DER' }], condition_type: [{ value: 'new_new', marketplace_id: 'ATVPDKIKX0DER' }], ...offer };

describe('Amazon fake Feeds API', () => {
  it('answers 429 beyond createFeed’s burst of 15 and counts it', () => {
    const f = feeds();
    const now = Date.now();
    const doc = f.handle(SELLER, 'POST', '/feeds/2021-06-30/documents', JSON.stringify({ contentType: CT }), now).body as { feedDocumentId: string };
    f.document('PUT', doc.feedDocumentId, CT, JSON.stringify({ header: { sellerId: SELLER, version: '2.0' }, messages: [] }));
    const create = () => f.handle(SELLER, 'POST', '/feeds/2021-06-30/feeds', JSON.stringify({ feedType: 'JSON_LISTINGS_FEED', marketplaceIds: ['ATVPDKIKX0DER'], inputFeedDocumentId: doc.feedDocumentId }), now);
    const statuses = Array.from({ length: FEED_RATES.createFeed.burst + 1 }, () => create().status);
    expect(statuses.slice(0, FEED_RATES.createFeed.burst).every((s) => s === 202)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
    expect(f.rateLimited).toBe(1);
  });

  it('refuses an upload with another Content-Type', () => {
    const f = feeds();
    const doc = f.handle(SELLER, 'POST', '/feeds/2021-06-30/documents', JSON.stringify({ contentType: CT }), Date.now()).body as { feedDocumentId: string };
    expect(f.document('PUT', doc.feedDocumentId, 'text/plain', '{}').status).toBe(403);
  });

  it('is FATAL for a header naming another seller', () => {
    expect(run(feeds(), JSON.stringify({ header: { sellerId: 'AOTHER', version: '2.0' }, messages: [{ messageId: 1, sku: 'X', operationType: 'DELETE' }] }), Date.now()).status).toBe('FATAL');
  });

  it.skipIf(!haveContracts('amazon'))('fails only the message that does not match the schema', () => {
    const messages = [
      { messageId: 1, sku: 'OK-1', operationType: 'UPDATE', productType: 'PRODUCT', requirements: 'LISTING', attributes },
      { messageId: 2, sku: 'BAD-1', operationType: 'UPSERT', productType: 'PRODUCT', attributes },
    ];
    const { status, report } = run(feeds(), JSON.stringify({ header: { sellerId: SELLER, version: '2.0' }, messages }), Date.now());
    expect(status).toBe('DONE');
    expect(report.issues).toEqual([expect.objectContaining({ messageId: 2, severity: 'ERROR' })]);
    expect(report.summary.messagesAccepted).toBe(1);
  });

  it('processes one feed of a seller at a time', () => {
    const f = new FakeFeeds(new FakeWorld(), { messagesPerSecond: 1, baseUrl: () => 'http://fake.invalid' });
    const t0 = Date.now();
    const doc = f.handle(SELLER, 'POST', '/feeds/2021-06-30/documents', JSON.stringify({ contentType: CT }), t0).body as { feedDocumentId: string };
    const messages = [1, 2].map((messageId) => ({ messageId, sku: `S-${messageId}`, operationType: 'DELETE' }));
    f.document('PUT', doc.feedDocumentId, CT, JSON.stringify({ header: { sellerId: SELLER, version: '2.0' }, messages }));
    const create = () => (f.handle(SELLER, 'POST', '/feeds/2021-06-30/feeds', JSON.stringify({ feedType: 'JSON_LISTINGS_FEED', marketplaceIds: ['ATVPDKIKX0DER'], inputFeedDocumentId: doc.feedDocumentId }), t0).body as { feedId: string }).feedId;
    const [a, b] = [create(), create()];
    const state = (id: string, at: number) => (f.handle(SELLER, 'GET', `/feeds/2021-06-30/feeds/${id}`, '', at).body as { processingStatus: string }).processingStatus;
    expect([state(a, t0 + 1000), state(b, t0 + 1000)]).toEqual(['IN_PROGRESS', 'IN_QUEUE']);
    expect([state(a, t0 + 2000), state(b, t0 + 3000), state(b, t0 + 4000)]).toEqual(['DONE', 'IN_PROGRESS', 'DONE']);
  });
});
