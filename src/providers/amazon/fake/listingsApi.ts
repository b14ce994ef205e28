// The fake's Listings Items 2021-08-01 endpoints. Every request is matched to an operation
// of the published model and its parameters and body validated (contract.ts) before the
// access token, injected failures and the rate limit (5/s, burst 10 per seller and
// operation, 429 + x-amzn-RateLimit-Limit) are looked at. A PUT is checked against a few
// product-type rules written by hand (the model says only "attributes: object"; the
// per-product-type JSON Schemas come from the Product Type Definitions API, not in
// ../shared): INVALID with issues, ACCEPTED, or VALID/INVALID under VALIDATION_PREVIEW.
// ACCEPTED submissions settle asynchronously: the first `processingReads` GETs show no
// status yet, then the listing is BUYABLE or carries the issues queued for it.
import { randomUUID } from 'node:crypto';
import { describeErrors, matchOperation, type ListingsContract, type Operation } from './contract.ts';
import { listingKey, newAsin, submissionId, type FakeIssue, type FakeListing, type FakeSeller, type FakeWorld, type HttpAnswer } from './state.ts';

export interface ListingsFakeOptions {
  processingReads: number;
  rate: { perSecond: number; burst: number };
}

export interface ListingsDeps {
  world: FakeWorld;
  contract: ListingsContract | null;
  opts: ListingsFakeOptions;
  log: (line: string) => void;
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const errorList = (status: number, code: string, message: string, details?: string): HttpAnswer => ({
  status,
  body: { errors: [{ code, message, ...(details !== undefined ? { details } : {}) }] },
});

const CONDITIONS = new Set(['new_new', 'new_open_box', 'new_oem', 'refurbished_refurbished', 'used_like_new', 'used_very_good', 'used_good', 'used_acceptable', 'collectible_like_new', 'collectible_very_good', 'collectible_good', 'collectible_acceptable', 'club_club']);
const REQUIRED: Record<string, string[]> = {
  LISTING: ['item_name', 'condition_type'],
  LISTING_PRODUCT_ONLY: ['item_name'],
  LISTING_OFFER_ONLY: ['condition_type'],
};

const missing = (name: string): FakeIssue => ({ code: '90220', message: `'${name}' is required but not supplied.`, severity: 'ERROR', attributeNames: [name], categories: ['MISSING_ATTRIBUTE'] });
const invalid = (name: string, why: string): FakeIssue => ({ code: '90000900', message: `The attribute '${name}' is invalid: ${why}.`, severity: 'ERROR', attributeNames: [name], categories: ['INVALID_ATTRIBUTE'] });

/** The hand-written stand-in for a product type definition: shapes of the attributes Synq sends. */
export function attributeIssues(body: Json, marketplaceId: string): FakeIssue[] {
  const attrs = isObj(body.attributes) ? body.attributes : {};
  const requirements = typeof body.requirements === 'string' ? body.requirements : 'LISTING';
  const issues: FakeIssue[] = (REQUIRED[requirements] ?? []).filter((n) => attrs[n] === undefined).map(missing);
  for (const [name, value] of Object.entries(attrs)) {
    if (!Array.isArray(value) || value.length === 0 || !value.every(isObj)) {
      issues.push(invalid(name, 'expected a non-empty array of objects'));
      continue;
    }
    for (const v of value as Json[]) {
      if (v.marketplace_id !== undefined && v.marketplace_id !== marketplaceId) issues.push(invalid(name, `marketplace_id ${String(v.marketplace_id)} is not the requested marketplace`));
      if ((name === 'item_name' || name === 'brand') && (typeof v.value !== 'string' || v.value.length === 0 || v.value.length > 200)) issues.push(invalid(name, 'value must be 1-200 characters'));
      if (name === 'condition_type' && !CONDITIONS.has(String(v.value))) issues.push(invalid(name, 'unknown condition'));
      if (name === 'fulfillment_availability' && (!Number.isInteger(v.quantity) || (v.quantity as number) < 0)) issues.push(invalid(name, 'quantity must be an integer >= 0'));
      if (name === 'purchasable_offer') {
        const schedule = Array.isArray(v.our_price) && isObj(v.our_price[0]) && Array.isArray(v.our_price[0].schedule) ? v.our_price[0].schedule : [];
        const price = isObj(schedule[0]) ? schedule[0].value_with_tax : undefined;
        if (typeof v.currency !== 'string' || !/^[A-Z]{3}$/.test(v.currency)) issues.push(invalid(name, 'currency must be an ISO 4217 code'));
        if (typeof price !== 'number' || !(price > 0)) issues.push(invalid(name, 'our_price.schedule.value_with_tax must be a number > 0'));
      }
    }
  }
  return issues;
}

function text(attrs: Json, name: string): string | undefined {
  const first = Array.isArray(attrs[name]) ? (attrs[name] as unknown[])[0] : undefined;
  return isObj(first) && typeof first.value === 'string' ? first.value : undefined;
}

/** Settles an ACCEPTED submission once its processing reads are used up. */
function settle(seller: FakeSeller, l: FakeListing): void {
  if (l.pendingReads > 0) {
    l.pendingReads--;
    return;
  }
  if (l.status.length > 0 || l.issues.length > 0) return;
  const queued = seller.queuedIssues.get(l.sku);
  if (queued) {
    seller.queuedIssues.delete(l.sku);
    l.issues = queued;
  }
  if (l.issues.some((i) => i.severity === 'ERROR')) return; // suppressed: neither buyable nor discoverable
  const fa = Array.isArray(l.attributes.fulfillment_availability) ? (l.attributes.fulfillment_availability as Json[])[0] : undefined;
  const quantity = isObj(fa) && typeof fa.quantity === 'number' ? fa.quantity : 0;
  l.status = quantity > 0 ? ['BUYABLE', 'DISCOVERABLE'] : ['DISCOVERABLE'];
}

function itemJson(l: FakeListing, included: string[]): Json {
  const out: Json = { sku: l.sku };
  if (included.includes('summaries')) {
    const condition = Array.isArray(l.attributes.condition_type) && isObj(l.attributes.condition_type[0]) ? String(l.attributes.condition_type[0].value) : undefined;
    out.summaries = [
      {
        marketplaceId: l.marketplaceId,
        asin: l.asin,
        productType: l.productType,
        ...(condition !== undefined && condition !== 'undefined' ? { conditionType: condition } : {}),
        status: l.status,
        itemName: text(l.attributes, 'item_name') ?? l.sku,
        createdDate: l.createdDate,
        lastUpdatedDate: l.lastUpdatedDate,
      },
    ];
  }
  if (included.includes('attributes')) out.attributes = l.attributes;
  if (included.includes('issues')) out.issues = l.issues;
  return out;
}

/** One request from the bucket `key` (seller and operation); false when it is empty. The Orders API fake shares it. */
export function take(world: FakeWorld, key: string, rate: ListingsFakeOptions['rate'], now = Date.now()): boolean {
  const b = world.buckets.get(key) ?? { tokens: rate.burst, at: now };
  b.tokens = Math.min(rate.burst, b.tokens + ((now - b.at) / 1000) * rate.perSecond);
  b.at = now;
  world.buckets.set(key, b);
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

function dispatch(deps: ListingsDeps, op: Operation | null, method: string, params: Json, body: Json | null): HttpAnswer {
  const { world } = deps;
  const seller = world.seller(String(params.sellerId));
  const marketplaceIds = Array.isArray(params.marketplaceIds) ? (params.marketplaceIds as string[]) : [];
  const marketplaceId = marketplaceIds[0] ?? '';
  const sku = typeof params.sku === 'string' ? params.sku : null;
  const included = Array.isArray(params.includedData) ? (params.includedData as string[]) : null;
  if (sku === null && method === 'GET') {
    const all = [...seller.listings.values()].filter((l) => l.marketplaceId === marketplaceId).sort((a, b) => (a.sku < b.sku ? -1 : 1));
    const size = typeof params.pageSize === 'number' ? params.pageSize : 10;
    const offset = typeof params.pageToken === 'string' ? Number(Buffer.from(params.pageToken, 'base64url').toString('utf8')) || 0 : 0;
    const page = all.slice(offset, offset + size);
    for (const l of page) settle(seller, l);
    const next = offset + size < all.length ? Buffer.from(String(offset + size)).toString('base64url') : undefined;
    return { status: 200, body: { numberOfResults: all.length, items: page.map((l) => itemJson(l, included ?? ['summaries'])), ...(next ? { pagination: { nextToken: next } } : {}) } };
  }
  if (sku === null) return errorList(404, 'NOT_FOUND', 'Resource not found');
  const key = listingKey(marketplaceId, sku);
  if (method === 'GET') {
    const l = seller.listings.get(key);
    if (!l) return errorList(404, 'NOT_FOUND', `SKU '${sku}' not found in marketplace ${marketplaceId}`);
    settle(seller, l);
    return { status: 200, body: itemJson(l, included ?? ['summaries']) };
  }
  if (method === 'DELETE') {
    seller.listings.delete(key);
    return { status: 200, body: { sku, status: 'ACCEPTED', submissionId: submissionId(), issues: [] } };
  }
  // PUT
  const b = body ?? {};
  const preview = params.mode === 'VALIDATION_PREVIEW';
  const fixture = preview ? op?.fixtures.find((f) => f.when.sku === sku && f.when.mode === 'VALIDATION_PREVIEW') : undefined;
  if (fixture) return { status: 200, body: fixture.response };
  const issues = attributeIssues(b, marketplaceId);
  const ok = !issues.some((i) => i.severity === 'ERROR');
  const identifiers = included?.includes('identifiers') ? { identifiers: ok ? [{ marketplaceId, asin: seller.listings.get(key)?.asin ?? newAsin() }] : [] } : {};
  if (preview) return { status: 200, body: { sku, status: ok ? 'VALID' : 'INVALID', submissionId: submissionId(), issues, ...identifiers } };
  if (!ok) return { status: 200, body: { sku, status: 'INVALID', submissionId: submissionId(), issues } };
  const now = new Date().toISOString();
  const previous = seller.listings.get(key);
  seller.listings.set(key, {
    sku,
    marketplaceId,
    productType: String(b.productType),
    requirements: typeof b.requirements === 'string' ? b.requirements : 'LISTING',
    attributes: b.attributes as Json,
    asin: previous?.asin ?? newAsin(),
    createdDate: previous?.createdDate ?? now,
    lastUpdatedDate: now,
    pendingReads: deps.opts.processingReads,
    issues: [],
    status: [],
  });
  return { status: 200, body: { sku, status: 'ACCEPTED', submissionId: submissionId(), issues: [] } };
}

export function handleListings(deps: ListingsDeps, method: string, url: URL, token: string | undefined, raw: string): HttpAnswer {
  const { world, contract } = deps;
  const rateHeader = { 'x-amzn-RateLimit-Limit': deps.opts.rate.perSecond.toFixed(1), 'x-amzn-RequestId': randomUUID() };
  const withHeaders = (a: HttpAnswer): HttpAnswer => ({ ...a, headers: { ...rateHeader, ...a.headers } });
  let op: Operation | null = null;
  let params: Json;
  // The rate limit is per seller and operation (path template), as at Amazon; without the
  // model the template is rebuilt from the path so one SKU does not get its own bucket.
  let template = url.pathname;
  let body: Json | null = null;
  if (raw.trim() !== '') {
    try {
      const parsed = JSON.parse(raw) as unknown;
      body = isObj(parsed) ? parsed : null;
      if (body === null) return withHeaders(errorList(400, 'InvalidInput', 'Request body must be a JSON object'));
    } catch {
      return withHeaders(errorList(400, 'InvalidInput', 'Request body is not valid JSON'));
    }
  }
  if (contract) {
    const matched = matchOperation(contract, method, url.pathname, url.searchParams);
    if (!matched) {
      world.stats.invalidRequests++;
      return withHeaders(errorList(404, 'NOT_FOUND', 'Resource not found'));
    }
    op = matched.op;
    params = matched.params;
    template = op.template;
    if (!op.params(params)) {
      world.stats.invalidRequests++;
      return withHeaders(errorList(400, 'InvalidInput', 'Invalid request parameters', describeErrors(op.params)));
    }
    if (op.body && !op.body(body)) {
      world.stats.invalidRequests++;
      return withHeaders(errorList(400, 'InvalidInput', 'Invalid request body', describeErrors(op.body)));
    }
    world.stats.validatedRequests++;
  } else {
    world.stats.unvalidatedRequests++;
    const parts = url.pathname.split('/').slice(4).map(decodeURIComponent);
    params = { sellerId: parts[0], ...(parts[1] !== undefined ? { sku: parts[1] } : {}) };
    template = `/listings/2021-08-01/items/{sellerId}${parts[1] !== undefined ? '/{sku}' : ''}`;
    for (const [k, v] of url.searchParams) params[k] = k === 'marketplaceIds' || k === 'includedData' ? v.split(',') : v;
  }
  const sellerId = String(params.sellerId);
  const grant = token === undefined ? undefined : world.accessTokens.get(token);
  if (!grant || grant.expiresAt <= Date.now() || grant.seller !== sellerId) {
    return withHeaders(errorList(403, 'Unauthorized', 'Access to requested resource is denied.', grant && grant.expiresAt <= Date.now() ? 'The access token you provided has expired.' : ''));
  }
  const failure = world.takeFailure(sellerId);
  if (failure?.kind === 'http429' || !take(world, `${sellerId} ${method} ${template}`, deps.opts.rate)) {
    world.stats.rateLimited++;
    return withHeaders(errorList(429, 'QuotaExceeded', 'You exceeded your quota for the requested resource.'));
  }
  if (failure) return withHeaders(errorList(failure.kind === 'http500' ? 500 : 503, 'InternalFailure', 'We encountered an internal error. Please try again.'));
  const answer = dispatch(deps, op, method, params, body);
  const check = op?.responses.get(answer.status);
  if (check && !check(answer.body)) {
    world.stats.invalidResponses++;
    deps.log(`!!! amazon fake: response ${method} ${op?.template} ${answer.status} does not match the model: ${describeErrors(check)}`);
  }
  return withHeaders(answer);
}
