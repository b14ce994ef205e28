// Many products to Amazon: a JSON_LISTINGS_FEED through the Feeds API 2021-06-30
// (createFeedDocument → PUT of the document to its pre-signed URL → createFeed → getFeed until
// DONE → getFeedDocument → the processing report), one UPDATE message per variant SKU and
// marketplace, plus DELETE messages for SKUs a product no longer has. The document follows
// contracts/amazon/listings-feed-schema-v2.json. Report issues of severity ERROR fail the product
// whose message they name.
// A feed has a fixed cost of a few seconds before Amazon works through it; Listings Items calls
// (5/s, burst 10) finish a handful of SKUs sooner, so small batches take the per-SKU path.
import { inOrder, itemError } from '../../domain/pushOutcome.ts';
import { ProviderError, type BulkItemOutcome, type ConnectionContext, type PushProduct, type PushResult } from '../types.ts';
import type { AmazonAppConfig } from './config.ts';
import { AMAZON_FACTS, AMAZON_FEED_MAX_MESSAGES, AMAZON_FEED_MESSAGES_PER_SECOND } from './facts.ts';
import { decodeSkus, encodeSkus, listingAttributes, type AmazonListings } from './listings.ts';
import type { SpApiClient } from './spApi.ts';

const FEEDS = '/feeds/2021-06-30';
const CONTENT_TYPE = 'application/json; charset=UTF-8';
/** Seconds a feed costs before Amazon processes anything: document, upload, createFeed, polls. */
const FEED_FIXED_SECONDS = 3;

/**
 * Which path is faster for `skus` listing writes: Listings Items takes (skus − burst)/rate
 * seconds (10 burst, then 5/s), a feed its fixed cost plus skus / processing rate. Equal at ~23.
 */
export function chooseAmazonPath(skus: number): 'listings-items' | 'feed' {
  const rate = AMAZON_FACTS.rateLimit.kind === 'requests' ? AMAZON_FACTS.rateLimit : { perSecond: 5, burst: 10 };
  const perSku = Math.max(0, skus - rate.burst) / rate.perSecond;
  const feed = FEED_FIXED_SECONDS + skus / AMAZON_FEED_MESSAGES_PER_SECOND;
  return perSku <= feed ? 'listings-items' : 'feed';
}

interface ReportIssue {
  messageId?: number;
  code?: string;
  severity?: string;
  message?: string;
}

export interface FeedDeps {
  cfg: AmazonAppConfig;
  api: SpApiClient;
  listings: AmazonListings;
  fetch: typeof fetch;
  timeoutMs: number;
  sleep?: (ms: number) => Promise<void>;
}

async function perSku(deps: FeedDeps, ctx: ConnectionContext, products: readonly PushProduct[], known: ReadonlyMap<string, string>): Promise<BulkItemOutcome[]> {
  const out: BulkItemOutcome[] = [];
  for (const p of products) {
    try {
      out.push({ productId: p.id, ok: true, result: await deps.listings.upsert(ctx, p, known.get(p.id) ?? null) });
    } catch (err) {
      if (!(err instanceof ProviderError)) throw err;
      // A whole-call failure (429, 5xx) stops the run: the rest would fail the same way.
      if (err.retryable) return [...out, ...products.slice(out.length).map((q) => ({ productId: q.id, ok: false as const, error: err }))];
      out.push({ productId: p.id, ok: false, error: err });
    }
  }
  return out;
}

async function upload(deps: FeedDeps, url: string, document: string): Promise<void> {
  let res: Response;
  try {
    res = await deps.fetch(url, { method: 'PUT', headers: { 'content-type': CONTENT_TYPE }, body: document, redirect: 'error', signal: AbortSignal.timeout(deps.timeoutMs) });
  } catch (err) {
    throw new ProviderError('UNAVAILABLE', `Amazon feed document upload failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  await res.arrayBuffer().catch(() => null);
  if (res.status >= 500) throw new ProviderError('UNAVAILABLE', `Amazon feed document upload answered HTTP ${res.status}`, { status: res.status });
  if (res.status < 200 || res.status >= 300) throw new ProviderError('PROTOCOL', `Amazon feed document upload refused (HTTP ${res.status})`, { status: res.status });
}

export async function bulkUpsertAmazon(deps: FeedDeps, ctx: ConnectionContext, products: readonly PushProduct[], known: ReadonlyMap<string, string>): Promise<BulkItemOutcome[]> {
  const skuCount = products.reduce((n, p) => n + p.variants.length, 0) * deps.cfg.marketplaceIds.length;
  if (chooseAmazonPath(skuCount) === 'listings-items' || skuCount > AMAZON_FEED_MAX_MESSAGES) {
    // (More messages than one feed holds only happens with many marketplaces × variants; the
    // task's chunk of 10,000 products keeps single-variant catalogs far below it.)
    return perSku(deps, ctx, products, known);
  }
  const owner = new Map<number, string>();
  const messages: Record<string, unknown>[] = [];
  const answers = new Map<string, { ok: true; result: PushResult } | { ok: false; error: ProviderError }>();
  for (const marketplaceId of deps.cfg.marketplaceIds) {
    for (const p of products) {
      const skus = p.variants.map((v) => v.sku);
      if (skus.length === 0) {
        answers.set(p.id, { ok: false, error: new ProviderError('VALIDATION', 'Amazon listings need at least one variant with a SKU') });
        continue;
      }
      for (const v of p.variants) {
        owner.set(messages.length + 1, p.id);
        messages.push({ messageId: messages.length + 1, sku: v.sku, operationType: 'UPDATE', productType: deps.cfg.productType, requirements: 'LISTING', attributes: listingAttributes(deps.cfg, marketplaceId, p, v) });
      }
      const remote = known.get(p.id);
      for (const stale of remote ? decodeSkus(remote).filter((s) => !skus.includes(s)) : []) {
        owner.set(messages.length + 1, p.id);
        messages.push({ messageId: messages.length + 1, sku: stale, operationType: 'DELETE' });
      }
    }
  }
  // One feed per marketplace would be Amazon's advice for many marketplaces; Synq's connections
  // carry one marketplace in practice, so one feed names the first and the messages carry theirs.
  const document = JSON.stringify({ header: { sellerId: ctx.account, version: '2.0', issueLocale: deps.cfg.languageTag }, messages });
  const created = await deps.api.request<{ feedDocumentId: string; url: string }>(ctx, { what: 'createFeedDocument', method: 'POST', path: `${FEEDS}/documents`, body: { contentType: CONTENT_TYPE }, ownUsagePlan: true });
  await upload(deps, created.url, document);
  const feed = await deps.api.request<{ feedId: string }>(ctx, {
    what: 'createFeed',
    method: 'POST',
    path: `${FEEDS}/feeds`,
    body: { feedType: 'JSON_LISTINGS_FEED', marketplaceIds: deps.cfg.marketplaceIds, inputFeedDocumentId: created.feedDocumentId },
    ownUsagePlan: true,
  });
  const sleep = deps.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  // First look when Amazon should be done, then once a second (getFeed: 2/s, burst 15). Not
  // earlier: processing starts no sooner than createFeed answered, so a look at 0.95× found the
  // feed IN_PROGRESS nearly every time and the next came a full second later. Bench, 1k products,
  // old and new alternated twice (3 runs each, load ~5): 1.31× and 1.33× the 5 s floor at 0.95×,
  // 1.16× and 1.25× at 1.0×.
  const expectedMs = (messages.length / AMAZON_FEED_MESSAGES_PER_SECOND) * 1000;
  const deadline = Date.now() + 120_000 + 3 * expectedMs;
  await sleep(Math.max(500, expectedMs));
  let status: { processingStatus: string; resultFeedDocumentId?: string };
  for (;;) {
    status = await deps.api.request(ctx, { what: 'getFeed', method: 'GET', path: `${FEEDS}/feeds/${encodeURIComponent(feed.feedId)}`, ownUsagePlan: true });
    if (['DONE', 'FATAL', 'CANCELLED'].includes(status.processingStatus)) break;
    if (Date.now() > deadline) throw new ProviderError('TIMEOUT', `Amazon feed ${feed.feedId} still ${status.processingStatus} at the deadline`);
    // getFeed allows 2/s per seller: a queued feed is asked every 2 s, the running one every second,
    // so two feeds in flight stay at 1.5/s.
    await sleep(status.processingStatus === 'IN_QUEUE' ? 2000 : 1000);
  }
  if (status.processingStatus === 'CANCELLED' || !status.resultFeedDocumentId) throw new ProviderError('UNAVAILABLE', `Amazon feed ${feed.feedId} ended ${status.processingStatus} without a report`);
  const doc = await deps.api.request<{ url: string }>(ctx, { what: 'getFeedDocument', method: 'GET', path: `${FEEDS}/documents/${encodeURIComponent(status.resultFeedDocumentId)}`, ownUsagePlan: true });
  const res = await deps.fetch(doc.url, { redirect: 'error', signal: AbortSignal.timeout(deps.timeoutMs) });
  if (res.status < 200 || res.status >= 300) throw new ProviderError('UNAVAILABLE', `Amazon processing report download answered HTTP ${res.status}`);
  const report = (await res.json()) as { issues?: ReportIssue[] };
  if (status.processingStatus === 'FATAL') {
    throw new ProviderError('VALIDATION', `Amazon refused the whole feed: ${(report.issues ?? []).map((i) => i.message).join('; ').slice(0, 500)}`);
  }
  const failed = new Map<string, ReportIssue[]>();
  for (const issue of report.issues ?? []) {
    const productId = issue.messageId !== undefined ? owner.get(issue.messageId) : undefined;
    if (productId === undefined || issue.severity !== 'ERROR') continue;
    failed.set(productId, [...(failed.get(productId) ?? []), issue]);
  }
  for (const p of products) {
    if (answers.has(p.id)) continue;
    const issues = failed.get(p.id);
    if (issues) answers.set(p.id, { ok: false, error: itemError('Amazon', { code: issues[0]!.code ?? 'ERROR', message: issues.map((i) => i.message ?? '').join('; ') }) });
    else {
      const skus = p.variants.map((v) => v.sku);
      // Accepted by the feed; the listing's own issues arrive later (LISTINGS_ITEM_ISSUES_CHANGE).
      answers.set(p.id, { ok: true, result: { remoteId: encodeSkus(skus), variantIds: Object.fromEntries(skus.map((s) => [s, s])), detail: 'accepted' } });
    }
  }
  return inOrder(products.map((p) => p.id), answers, 'Amazon');
}
