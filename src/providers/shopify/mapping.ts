// Pure translations between Synq's shapes and Shopify's: no I/O here, so each
// rule can be tested on its own.
import { ProviderError, type NormalizedOrder, type PushProduct } from '../types.ts';
import { isRecord } from './http.ts';

/** Shopify's own limit: at most 3 options per product. */
const MAX_OPTIONS = 3;

/** What Shopify itself shows for a product without options: one option "Title" with the value "Default Title". */
export const DEFAULT_OPTION = { name: 'Title', value: 'Default Title' } as const;

const STATUS: Record<PushProduct['status'], string> = { active: 'ACTIVE', draft: 'DRAFT', archived: 'ARCHIVED' };

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/**
 * Catalog descriptions are plain text. They are escaped and split into paragraphs rather than passed
 * as HTML: tenant-supplied markup would otherwise be published verbatim on a storefront.
 */
export function descriptionToHtml(text: string): string {
  return text
    .split(/\r?\n\s*\r?\n/)
    .map((p) => p.trim())
    .filter((p) => p !== '')
    .map((p) => `<p>${escapeHtml(p).replace(/\r?\n/g, '<br>')}</p>`)
    .join('');
}

/** Option names in first-seen order across variants. */
function optionNames(product: PushProduct): string[] {
  const names: string[] = [];
  for (const v of product.variants) for (const name of Object.keys(v.optionValues)) if (!names.includes(name)) names.push(name);
  return names;
}

/**
 * Builds ProductSetInput (Admin API 2025-01). productSet replaces list fields wholesale, so the
 * input always carries every variant and every option; variants without an id are matched by
 * their option values, which keeps variant ids stable across updates.
 */
export function toProductSetInput(product: PushProduct, remoteId: string | null, locationId: string | null): Record<string, unknown> {
  if (product.variants.length === 0) throw new ProviderError('VALIDATION', 'A Shopify product needs at least one variant');
  let names = optionNames(product);
  if (names.length > MAX_OPTIONS) {
    throw new ProviderError('VALIDATION', `Shopify allows ${MAX_OPTIONS} options per product, got ${names.length}`);
  }
  const defaultOnly = names.length === 0;
  if (defaultOnly && product.variants.length > 1) {
    throw new ProviderError('VALIDATION', 'Several variants need option values to tell them apart');
  }
  if (defaultOnly) names = [DEFAULT_OPTION.name];

  const seenSkus = new Set<string>();
  const seenCombos = new Set<string>();
  const values = new Map<string, string[]>(names.map((n) => [n, []]));
  const variants = product.variants.map((v) => {
    if (seenSkus.has(v.sku)) throw new ProviderError('VALIDATION', `Duplicate SKU ${v.sku}`);
    seenSkus.add(v.sku);
    const optionValues = names.map((name) => {
      const value = defaultOnly ? DEFAULT_OPTION.value : v.optionValues[name];
      if (value === undefined || value === '') {
        throw new ProviderError('VALIDATION', `Variant ${v.sku} has no value for option "${name}"`);
      }
      const list = values.get(name);
      if (list !== undefined && !list.includes(value)) list.push(value);
      return { optionName: name, name: value };
    });
    const combo = JSON.stringify(optionValues.map((o) => o.name));
    if (seenCombos.has(combo)) throw new ProviderError('VALIDATION', `Variant ${v.sku} repeats another variant's option values`);
    seenCombos.add(combo);

    const input: Record<string, unknown> = {
      optionValues,
      price: v.price,
      inventoryItem: v.inventoryQuantity === null ? { sku: v.sku } : { sku: v.sku, tracked: true },
    };
    if (v.barcode !== null) input.barcode = v.barcode;
    // Quantities need a location; without one (a shop with no locations) we push everything but stock.
    if (v.inventoryQuantity !== null && locationId !== null) {
      input.inventoryQuantities = [{ locationId, name: 'available', quantity: v.inventoryQuantity }];
    }
    return input;
  });

  const input: Record<string, unknown> = {
    title: product.title,
    status: STATUS[product.status],
    productOptions: names.map((name, i) => ({
      name,
      position: i + 1,
      values: (values.get(name) ?? []).map((value) => ({ name: value })),
    })),
    variants,
  };
  if (remoteId !== null) input.id = remoteId;
  if (product.description !== null) input.descriptionHtml = descriptionToHtml(product.description);
  if (product.brand !== null) input.vendor = product.brand;
  if (product.category !== null) input.productType = product.category;
  if (product.handle !== null) input.handle = product.handle;
  return input;
}

export function productNeedsLocation(product: PushProduct): boolean {
  return product.variants.some((v) => v.inventoryQuantity !== null);
}

// ---- orders ----

export interface GraphqlOrderNode {
  id: string;
  name: string;
  displayFinancialStatus: string | null;
  currencyCode: string;
  createdAt: string;
  updatedAt: string;
  totalPriceSet: { shopMoney: { amount: string; currencyCode: string } };
}

export interface GraphqlLineItemNode {
  sku: string | null;
  title: string;
  quantity: number;
  originalUnitPriceSet: { shopMoney: { amount: string } };
}

export function orderFromGraphql(node: GraphqlOrderNode, lineItems: GraphqlLineItemNode[]): NormalizedOrder {
  return {
    externalId: node.id,
    name: node.name,
    status: node.displayFinancialStatus?.toLowerCase() ?? 'unknown',
    currency: node.totalPriceSet.shopMoney.currencyCode || node.currencyCode,
    total: node.totalPriceSet.shopMoney.amount,
    createdAt: node.createdAt,
    updatedAt: node.updatedAt,
    lineItems: lineItems.map((li) => ({
      sku: li.sku === null || li.sku === '' ? null : li.sku,
      title: li.title,
      quantity: li.quantity,
      price: li.originalUnitPriceSet.shopMoney.amount,
    })),
  };
}

function str(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return null;
}

/**
 * A REST-shaped order webhook payload (orders/create, orders/updated) as a NormalizedOrder, or null.
 * The id becomes the GraphQL gid so a webhook and a later listOrders name the same order identically.
 */
export function orderFromWebhookPayload(data: unknown): NormalizedOrder | null {
  if (!isRecord(data)) return null;
  const numericId = str(data.id);
  const gid = typeof data.admin_graphql_api_id === 'string' ? data.admin_graphql_api_id : numericId && `gid://shopify/Order/${numericId}`;
  const currency = str(data.currency);
  const total = str(data.total_price);
  const createdAt = str(data.created_at);
  if (!gid || currency === null || total === null || createdAt === null || !Array.isArray(data.line_items)) return null;
  const lineItems: NormalizedOrder['lineItems'] = [];
  for (const li of data.line_items) {
    if (!isRecord(li)) return null;
    const quantity = typeof li.quantity === 'number' ? li.quantity : Number(li.quantity);
    const price = str(li.price);
    if (!Number.isFinite(quantity) || price === null) return null;
    const sku = str(li.sku);
    lineItems.push({ sku: sku === null || sku === '' ? null : sku, title: str(li.title) ?? '', quantity, price });
  }
  return {
    externalId: gid,
    name: str(data.name),
    status: str(data.financial_status) ?? 'unknown',
    currency,
    total,
    createdAt,
    updatedAt: str(data.updated_at) ?? createdAt,
    lineItems,
  };
}
