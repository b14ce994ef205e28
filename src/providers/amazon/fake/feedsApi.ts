// Feeds API 2021-06-30 in the fake, for JSON_LISTINGS_FEED: createFeedDocument → PUT of the
// document to the returned URL → createFeed → getFeed (IN_QUEUE → IN_PROGRESS → DONE | FATAL) →
// getFeedDocument of the processing report. Each operation has its own token bucket per seller
// with the published rates (429 QuotaExceeded beyond). The document is checked against
// listings-feed-schema-v2.json: a document that does not match as a whole is FATAL; a message that
// does not match, or whose attributes Amazon would refuse, gets ERROR issues in the report and is
// not applied. Amazon publishes no processing speed; the fake works through `messagesPerSecond`,
// one feed of a seller at a time (IN_QUEUE while an earlier one runs).
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { DEFAULT_CONTRACT_PATH } from './contract.ts';
import { attributeIssues } from './listingsApi.ts';
import { listingKey, newAsin, type FakeWorld, type HttpAnswer } from './state.ts';

export const FEEDS_PREFIX = '/feeds/2021-06-30';
export const FEED_SCHEMA_PATH = resolve(DEFAULT_CONTRACT_PATH, '..', 'listings-feed-schema-v2.json');

/** Feeds API 2021-06-30 usage plans (requests/s, burst) per operation and selling partner. */
export const FEED_RATES = {
  createFeedDocument: { perSecond: 0.5, burst: 15 },
  createFeed: { perSecond: 0.0083, burst: 15 },
  getFeed: { perSecond: 2, burst: 15 },
  getFeedDocument: { perSecond: 0.0222, burst: 10 },
} as const;
type FeedOperation = keyof typeof FEED_RATES;

interface FakeDocument {
  seller: string;
  contentType: string;
  content: string | null;
}
interface FakeFeed {
  id: string;
  seller: string;
  marketplaceId: string;
  documentId: string;
  messages: number;
  createdAt: number;
  /** A seller's feeds are processed one after another: this one starts then and ends at doneAt. */
  startAt: number;
  doneAt: number;
  status: 'IN_QUEUE' | 'IN_PROGRESS' | 'DONE' | 'FATAL';
  resultDocumentId: string | null;
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const errors = (status: number, code: string, message: string): HttpAnswer => ({ status, body: { errors: [{ code, message }] } });

export interface FeedsFakeOptions {
  messagesPerSecond: number;
  baseUrl: () => string;
}

export class FakeFeeds {
  readonly #documents = new Map<string, FakeDocument>();
  readonly #feeds = new Map<string, FakeFeed>();
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  /** Per seller: when its last queued feed is done. */
  readonly #busyUntil = new Map<string, number>();
  readonly #document: ValidateFunction | null;
  readonly #message: ValidateFunction | null;
  #nextFeedId = 50_000_000_001;
  /** Calls refused with 429 for exceeding an operation's published rate (the bench expects 0). */
  rateLimited = 0;

  constructor(
    private readonly world: FakeWorld,
    private readonly opts: FeedsFakeOptions,
    schemaPath: string | null = FEED_SCHEMA_PATH,
  ) {
    let schema: Json | null = null;
    try {
      schema = schemaPath === null ? null : (JSON.parse(readFileSync(schemaPath, 'utf8')) as Json);
    } catch {
      schema = null;
    }
    const ajv = new Ajv({ allErrors: false, strict: false });
    this.#document = schema ? ajv.compile(schema) : null;
    const messages = schema && isObj(schema.properties) && isObj(schema.properties.messages) ? schema.properties.messages.items : null;
    this.#message = isObj(messages) ? ajv.compile(messages) : null;
  }

  get validated(): boolean {
    return this.#document !== null;
  }

  #take(seller: string, op: FeedOperation, now: number): boolean {
    const rate = FEED_RATES[op];
    const key = `${seller} ${op}`;
    const b = this.#buckets.get(key) ?? { tokens: rate.burst, at: now };
    b.tokens = Math.min(rate.burst, b.tokens + ((now - b.at) / 1000) * rate.perSecond);
    b.at = now;
    this.#buckets.set(key, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  /** SP-API calls under /feeds/2021-06-30 (the seller is the access token's). */
  handle(seller: string, method: string, path: string, raw: string, now = Date.now()): HttpAnswer {
    const rest = path.slice(FEEDS_PREFIX.length);
    const op: FeedOperation | null =
      method === 'POST' && rest === '/documents' ? 'createFeedDocument'
      : method === 'POST' && rest === '/feeds' ? 'createFeed'
      : method === 'GET' && rest.startsWith('/feeds/') ? 'getFeed'
      : method === 'GET' && rest.startsWith('/documents/') ? 'getFeedDocument'
      : null;
    if (op === null) return errors(404, 'NotFound', 'Resource not found');
    if (!this.#take(seller, op, now)) {
      this.rateLimited += 1;
      return { ...errors(429, 'QuotaExceeded', 'You exceeded your quota for the requested resource.'), headers: { 'x-amzn-RateLimit-Limit': String(FEED_RATES[op].perSecond) } };
    }
    let body: Json = {};
    if (method === 'POST') {
      try {
        const parsed = JSON.parse(raw) as unknown;
        if (!isObj(parsed)) return errors(400, 'InvalidInput', 'Request body must be a JSON object');
        body = parsed;
      } catch {
        return errors(400, 'InvalidInput', 'Request body is not valid JSON');
      }
    }
    const headers = { 'x-amzn-RateLimit-Limit': String(FEED_RATES[op].perSecond) };
    if (op === 'createFeedDocument') {
      if (typeof body.contentType !== 'string' || body.contentType === '') return errors(400, 'InvalidInput', 'contentType is required');
      const id = `amzn1.tortuga.4.na.${randomUUID()}`;
      this.#documents.set(id, { seller, contentType: body.contentType, content: null });
      return { status: 201, headers, body: { feedDocumentId: id, url: `${this.opts.baseUrl()}/_feeds/documents/${encodeURIComponent(id)}` } };
    }
    if (op === 'createFeed') {
      const ids = body.marketplaceIds;
      if (body.feedType !== 'JSON_LISTINGS_FEED') return errors(400, 'InvalidInput', 'The fake accepts feedType JSON_LISTINGS_FEED only');
      if (!Array.isArray(ids) || ids.length === 0 || ids.some((m) => typeof m !== 'string')) return errors(400, 'InvalidInput', 'marketplaceIds is required');
      const doc = typeof body.inputFeedDocumentId === 'string' ? this.#documents.get(body.inputFeedDocumentId) : undefined;
      if (!doc || doc.seller !== seller || doc.content === null) return errors(400, 'InvalidInput', 'inputFeedDocumentId does not name an uploaded document');
      let messages = 0;
      try {
        const parsed = JSON.parse(doc.content) as unknown;
        messages = isObj(parsed) && Array.isArray(parsed.messages) ? parsed.messages.length : 0;
      } catch {
        messages = 0;
      }
      const id = String(this.#nextFeedId++);
      const startAt = Math.max(now, this.#busyUntil.get(seller) ?? 0);
      const doneAt = startAt + (messages / this.opts.messagesPerSecond) * 1000;
      this.#busyUntil.set(seller, doneAt);
      this.#feeds.set(id, { id, seller, marketplaceId: ids[0] as string, documentId: body.inputFeedDocumentId as string, messages, createdAt: now, startAt, doneAt, status: 'IN_QUEUE', resultDocumentId: null });
      return { status: 202, headers, body: { feedId: id } };
    }
    if (op === 'getFeed') {
      const feed = this.#feeds.get(decodeURIComponent(rest.slice('/feeds/'.length)));
      if (!feed || feed.seller !== seller) return errors(404, 'NotFound', 'Feed not found');
      this.#advance(feed, now);
      return {
        status: 200,
        headers,
        body: {
          feedId: feed.id,
          feedType: 'JSON_LISTINGS_FEED',
          marketplaceIds: [feed.marketplaceId],
          createdTime: new Date(feed.createdAt).toISOString(),
          processingStatus: feed.status,
          ...(feed.resultDocumentId ? { resultFeedDocumentId: feed.resultDocumentId, processingEndTime: new Date(now).toISOString() } : {}),
        },
      };
    }
    const id = decodeURIComponent(rest.slice('/documents/'.length));
    const doc = this.#documents.get(id);
    if (!doc || doc.seller !== seller) return errors(404, 'NotFound', 'Document not found');
    return { status: 200, headers, body: { feedDocumentId: id, url: `${this.opts.baseUrl()}/_feeds/documents/${encodeURIComponent(id)}` } };
  }

  /** The pre-signed document URL: PUT uploads (Content-Type must match createFeedDocument's), GET downloads. */
  document(method: string, id: string, contentType: string | undefined, raw: string): HttpAnswer {
    const doc = this.#documents.get(id);
    if (!doc) return { status: 404, body: '<Error><Code>NoSuchKey</Code></Error>' };
    if (method === 'PUT') {
      if (contentType !== doc.contentType) return { status: 403, body: '<Error><Code>SignatureDoesNotMatch</Code></Error>' };
      doc.content = raw;
      return { status: 200, body: '' };
    }
    if (method === 'GET' && doc.content !== null) return { status: 200, headers: { 'content-type': doc.contentType }, body: doc.content };
    return { status: 404, body: '<Error><Code>NoSuchKey</Code></Error>' };
  }

  #advance(feed: FakeFeed, now: number): void {
    if (feed.status === 'DONE' || feed.status === 'FATAL') return;
    if (now < feed.doneAt) {
      feed.status = now < feed.startAt ? 'IN_QUEUE' : 'IN_PROGRESS';
      return;
    }
    const report = this.#process(feed);
    const id = `amzn1.tortuga.4.na.${randomUUID()}`;
    this.#documents.set(id, { seller: feed.seller, contentType: 'application/json', content: JSON.stringify(report.body) });
    feed.resultDocumentId = id;
    feed.status = report.fatal ? 'FATAL' : 'DONE';
  }

  #process(feed: FakeFeed): { fatal: boolean; body: Json } {
    const header = { sellerId: feed.seller, version: '2.0', feedId: feed.id };
    const fatal = (message: string) => ({ fatal: true, body: { header, issues: [{ messageId: 0, code: '100001', severity: 'ERROR', message }], summary: { errors: 1, warnings: 0, messagesProcessed: 0, messagesAccepted: 0, messagesInvalid: 0 } } });
    let doc: unknown;
    try {
      doc = JSON.parse(this.#documents.get(feed.documentId)?.content ?? '');
    } catch {
      return fatal('The feed document is not valid JSON.');
    }
    if (!isObj(doc) || !Array.isArray(doc.messages) || !isObj(doc.header)) return fatal('The feed document has no header or messages.');
    if (doc.header.sellerId !== feed.seller) return fatal('header.sellerId does not match the selling partner.');
    const issues: Json[] = [];
    let accepted = 0;
    const seller = this.world.seller(feed.seller);
    for (const m of doc.messages as unknown[]) {
      const messageId = isObj(m) && typeof m.messageId === 'number' ? m.messageId : 0;
      if (this.#message && !this.#message(m)) {
        issues.push({ messageId, code: '4000001', severity: 'ERROR', message: `The message does not match the JSON listings feed schema: ${this.#message.errors?.[0]?.instancePath ?? ''} ${this.#message.errors?.[0]?.message ?? ''}`.trim() });
        continue;
      }
      const msg = m as Json;
      const found = attributeIssues(msg, feed.marketplaceId).filter((i) => i.severity === 'ERROR');
      if (found.length > 0) {
        for (const i of found) issues.push({ messageId, code: i.code, severity: i.severity, message: i.message, ...(i.attributeNames ? { attributeNames: i.attributeNames } : {}) });
        continue;
      }
      const sku = String(msg.sku);
      const key = listingKey(feed.marketplaceId, sku);
      if (msg.operationType === 'DELETE') seller.listings.delete(key);
      else {
        const nowIso = new Date().toISOString();
        const previous = seller.listings.get(key);
        seller.listings.set(key, {
          sku,
          marketplaceId: feed.marketplaceId,
          productType: String(msg.productType),
          requirements: typeof msg.requirements === 'string' ? msg.requirements : 'LISTING',
          attributes: (msg.attributes as Json | undefined) ?? {},
          asin: previous?.asin ?? newAsin(),
          createdDate: previous?.createdDate ?? nowIso,
          lastUpdatedDate: nowIso,
          pendingReads: 0,
          issues: [],
          status: ['BUYABLE', 'DISCOVERABLE'],
        });
      }
      accepted += 1;
    }
    const invalid = (doc.messages as unknown[]).length - accepted;
    return { fatal: false, body: { header, issues, summary: { errors: issues.length, warnings: 0, messagesProcessed: (doc.messages as unknown[]).length, messagesAccepted: accepted, messagesInvalid: invalid } } };
  }
}
