// Push through Listings Items 2021-08-01: one listing per variant SKU and marketplace,
// created or fully replaced with PUT {productType, requirements, attributes}, removed with
// DELETE. ACCEPTED only means "queued for processing": the listing's issues and status are
// read back (includedData=issues,summaries) and summarised as the push target's detail.
import type { AmazonAppConfig } from './config.ts';
import { ProviderError, type ConnectionContext, type PushProduct, type PushResult, type PushValidation, type PushVariant, type RemoteProductSummary, type Page } from '../types.ts';
import { LISTINGS_PATH, MAX_SKU_LENGTH, SEARCH_PAGE_SIZE } from './facts.ts';
import type { SpApiClient } from './spApi.ts';

interface Issue {
  code: string;
  message: string;
  severity: 'ERROR' | 'WARNING' | 'INFO';
}
interface SubmissionResponse {
  sku: string;
  status: 'ACCEPTED' | 'INVALID' | 'VALID';
  submissionId: string;
  issues?: Issue[];
}
interface ListingItem {
  sku: string;
  summaries?: { marketplaceId: string; status?: string[]; lastUpdatedDate?: string }[];
  issues?: Issue[];
}

/** The product's remote id: its SKUs, each URI-encoded (a SKU may hold a comma), comma-separated. */
export const encodeSkus = (skus: string[]): string => skus.map(encodeURIComponent).join(',');
export const decodeSkus = (remoteId: string): string[] => remoteId.split(',').filter(Boolean).map(decodeURIComponent);

const itemPath = (seller: string, sku: string) => `${LISTINGS_PATH}/${encodeURIComponent(seller)}/${encodeURIComponent(sku)}`;

/** GTIN family by length: UPC-A 12, EAN-13 13, GTIN-14 14; anything else is not sent as an identifier. */
function identifierType(barcode: string): 'upc' | 'ean' | 'gtin' | null {
  if (!/^\d+$/.test(barcode)) return null;
  return barcode.length === 12 ? 'upc' : barcode.length === 13 ? 'ean' : barcode.length === 14 ? 'gtin' : null;
}

/**
 * The attributes of one variant in the shape product type definitions use: arrays of values,
 * each tagged with its marketplace (and language for text). Variants are standalone listings
 * whose item_name names the options; parent/child variation families are not built.
 */
export function listingAttributes(cfg: AmazonAppConfig, marketplaceId: string, product: PushProduct, v: PushVariant): Record<string, unknown> {
  const text = (value: string) => [{ value, language_tag: cfg.languageTag, marketplace_id: marketplaceId }];
  const options = Object.entries(v.optionValues).map(([k, val]) => `${k}: ${val}`).join(', ');
  const attributes: Record<string, unknown> = {
    item_name: text(options ? `${product.title} (${options})` : product.title),
    condition_type: [{ value: 'new_new', marketplace_id: marketplaceId }],
    purchasable_offer: [
      { marketplace_id: marketplaceId, currency: v.currency, our_price: [{ schedule: [{ value_with_tax: Number(v.price) }] }] },
    ],
  };
  if (product.brand) attributes.brand = text(product.brand);
  if (product.description) attributes.product_description = text(product.description);
  const idType = v.barcode ? identifierType(v.barcode) : null;
  if (v.barcode && idType) attributes.externally_assigned_product_identifier = [{ type: idType, value: v.barcode, marketplace_id: marketplaceId }];
  else attributes.supplier_declared_has_product_identifier_exemption = [{ value: true, marketplace_id: marketplaceId }];
  if (v.inventoryQuantity !== null) {
    // Archived/draft products stay listed but cannot be bought.
    const quantity = product.status === 'active' ? Math.max(0, v.inventoryQuantity) : 0;
    attributes.fulfillment_availability = [{ fulfillment_channel_code: 'DEFAULT', quantity }];
  }
  const image = product.images[0];
  if (image) attributes.main_product_image_locator = [{ media_location: image, marketplace_id: marketplaceId }];
  return attributes;
}

const describe = (sku: string, i: Issue) => `${sku} [${i.severity} ${i.code}] ${i.message}`;

function checkSkus(product: PushProduct): void {
  if (product.variants.length === 0) throw new ProviderError('VALIDATION', 'Amazon listings need at least one variant with a SKU');
  for (const v of product.variants) {
    if (v.sku === '' || v.sku.length > MAX_SKU_LENGTH) throw new ProviderError('VALIDATION', `Amazon SKUs are 1-${MAX_SKU_LENGTH} characters: "${v.sku.slice(0, 50)}"`);
  }
}

export class AmazonListings {
  constructor(
    private readonly cfg: AmazonAppConfig,
    private readonly api: SpApiClient,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  private put(ctx: ConnectionContext, marketplaceId: string, product: PushProduct, v: PushVariant, preview: boolean): Promise<SubmissionResponse> {
    return this.api.request<SubmissionResponse>(ctx, {
      what: preview ? 'listing validation preview' : 'listing put',
      method: 'PUT',
      path: itemPath(ctx.account, v.sku),
      query: { marketplaceIds: marketplaceId, includedData: 'issues', ...(preview ? { mode: 'VALIDATION_PREVIEW' } : {}) },
      body: { productType: this.cfg.productType, requirements: 'LISTING', attributes: listingAttributes(this.cfg, marketplaceId, product, v) },
    });
  }

  private async get(ctx: ConnectionContext, marketplaceId: string, sku: string, includedData: string): Promise<ListingItem | null> {
    try {
      return await this.api.request<ListingItem>(ctx, { what: 'listing get', method: 'GET', path: itemPath(ctx.account, sku), query: { marketplaceIds: marketplaceId, includedData } });
    } catch (err) {
      if (err instanceof ProviderError && err.code === 'NOT_FOUND') return null;
      throw err;
    }
  }

  async upsert(ctx: ConnectionContext, product: PushProduct, remoteId: string | null): Promise<PushResult> {
    checkSkus(product);
    const skus = product.variants.map((v) => v.sku);
    for (const marketplaceId of this.cfg.marketplaceIds) {
      for (const v of product.variants) {
        const res = await this.put(ctx, marketplaceId, product, v, false);
        if (res.status !== 'ACCEPTED') {
          const errors = (res.issues ?? []).filter((i) => i.severity === 'ERROR').map((i) => describe(v.sku, i));
          throw new ProviderError('VALIDATION', `Amazon refused listing ${v.sku}: ${errors.join('; ') || res.status}`.slice(0, 900));
        }
      }
    }
    // Variants removed since the last push leave listings behind: delete those.
    const stale = remoteId === null ? [] : decodeSkus(remoteId).filter((s) => !skus.includes(s));
    for (const sku of stale) await this.deleteSku(ctx, sku);
    const detail = await this.settle(ctx, skus);
    return { remoteId: encodeSkus(skus), variantIds: Object.fromEntries(skus.map((s) => [s, s])), detail };
  }

  /** Reads the listings back until each is live or has issues, within the configured polls. */
  private async settle(ctx: ConnectionContext, skus: string[]): Promise<string> {
    const pending = new Set(this.cfg.marketplaceIds.flatMap((m) => skus.map((s) => `${m}\u0000${s}`)));
    const problems: string[] = [];
    for (let attempt = 0; attempt < this.cfg.issuePollAttempts && pending.size > 0; attempt++) {
      if (attempt > 0) await this.sleep(this.cfg.issuePollMs);
      for (const key of [...pending]) {
        const [marketplaceId, sku] = key.split('\u0000') as [string, string];
        const item = await this.get(ctx, marketplaceId, sku, 'issues,summaries');
        if (item === null) continue; // not processed yet
        const errors = (item.issues ?? []).filter((i) => i.severity === 'ERROR');
        const status = item.summaries?.find((s) => s.marketplaceId === marketplaceId)?.status ?? [];
        if (errors.length > 0) {
          problems.push(...errors.map((i) => describe(sku, i)));
          pending.delete(key);
        } else if (status.includes('BUYABLE') || status.includes('DISCOVERABLE')) {
          pending.delete(key);
        }
      }
    }
    if (problems.length > 0) return `issues: ${problems.join('; ')}`.slice(0, 1000);
    return pending.size > 0 ? 'accepted' : 'live';
  }

  async validate(ctx: ConnectionContext, product: PushProduct): Promise<PushValidation> {
    checkSkus(product);
    const issues: PushValidation['issues'] = [];
    let valid = true;
    for (const marketplaceId of this.cfg.marketplaceIds) {
      for (const v of product.variants) {
        const res = await this.put(ctx, marketplaceId, product, v, true);
        if (res.status !== 'VALID') valid = false;
        for (const i of res.issues ?? []) issues.push({ sku: v.sku, code: i.code, severity: i.severity, message: i.message });
      }
    }
    return { valid, issues };
  }

  private async deleteSku(ctx: ConnectionContext, sku: string): Promise<void> {
    for (const marketplaceId of this.cfg.marketplaceIds) {
      try {
        await this.api.request(ctx, { what: 'listing delete', method: 'DELETE', path: itemPath(ctx.account, sku), query: { marketplaceIds: marketplaceId } });
      } catch (err) {
        // Deleting twice is success.
        if (!(err instanceof ProviderError && err.code === 'NOT_FOUND')) throw err;
      }
    }
  }

  async delete(ctx: ConnectionContext, remoteId: string): Promise<void> {
    for (const sku of decodeSkus(remoteId)) await this.deleteSku(ctx, sku);
  }

  async find(ctx: ConnectionContext, skus: string[]): Promise<string | null> {
    const marketplaceId = this.cfg.marketplaceIds[0];
    if (marketplaceId === undefined) return null;
    const found: string[] = [];
    for (const sku of skus) if ((await this.get(ctx, marketplaceId, sku, 'summaries')) !== null) found.push(sku);
    return found.length > 0 ? encodeSkus(found) : null;
  }

  async list(ctx: ConnectionContext, cursor: string | null): Promise<Page<RemoteProductSummary>> {
    const marketplaceId = this.cfg.marketplaceIds[0];
    if (marketplaceId === undefined) return { items: [], nextCursor: null };
    const res = await this.api.request<{ items?: ListingItem[]; pagination?: { nextToken?: string } }>(ctx, {
      what: 'listings search',
      method: 'GET',
      path: `${LISTINGS_PATH}/${encodeURIComponent(ctx.account)}`,
      query: { marketplaceIds: marketplaceId, includedData: 'summaries', pageSize: String(SEARCH_PAGE_SIZE), ...(cursor !== null ? { pageToken: cursor } : {}) },
    });
    const items = (res.items ?? []).map((i) => ({
      remoteId: encodeSkus([i.sku]),
      skus: [i.sku],
      updatedAt: i.summaries?.[0]?.lastUpdatedDate ?? new Date(0).toISOString(),
    }));
    return { items, nextCursor: res.pagination?.nextToken ?? null };
  }
}
