// A Synq product as Xero Items: one Item per variant, Code = SKU. POST /Items is Xero's
// create-or-update (matched by ItemID, else by Code), so one call per product creates new
// variants and updates existing ones. The product's remote id is its ItemIDs, comma-joined
// in variant order, so a delete (and a later update) knows every Item it owns.
import { createHash } from 'node:crypto';
import { isRecord } from '../transport.ts';
import { ProviderError, type ConnectionContext, type PushProduct, type PushResult, type PushVariant, type RemoteProductSummary } from '../types.ts';
import { IDEMPOTENCY_KEY_MAX, ITEM_CODE_MAX, ITEM_DESCRIPTION_MAX, ITEM_NAME_MAX } from './facts.ts';
import type { XeroApiClient } from './http.ts';

/** The Item fields Synq sends; names and limits from the Item schema in xero_accounting.yaml. */
export interface XeroItemInput {
  Code: string;
  Name: string;
  Description?: string;
  IsSold: boolean;
  SalesDetails: { UnitPrice: number };
}

interface XeroItem {
  ItemID: string;
  Code: string;
  UpdatedDateUTC?: string;
}

/** "Merino Tee - S / Blue", cut to Xero's 50 characters. */
export function itemName(product: PushProduct, v: PushVariant): string {
  const options = Object.values(v.optionValues).filter((o) => o !== '');
  const full = product.variants.length > 1 && options.length > 0 ? `${product.title} - ${options.join(' / ')}` : product.title;
  return [...full].slice(0, ITEM_NAME_MAX).join('');
}

export function toXeroItems(product: PushProduct): XeroItemInput[] {
  return product.variants.map((v) => {
    if ([...v.sku].length > ITEM_CODE_MAX) throw new ProviderError('VALIDATION', `SKU "${v.sku.slice(0, 40)}" is longer than Xero's ${ITEM_CODE_MAX}-character item code`);
    const price = Number(v.price);
    if (!Number.isFinite(price)) throw new ProviderError('VALIDATION', `Price "${v.price}" of SKU ${v.sku} is not a number`);
    const item: XeroItemInput = {
      Code: v.sku,
      Name: itemName(product, v),
      // Archived products stay in Xero's history but leave the sales pick lists.
      IsSold: product.status !== 'archived',
      // Four decimal places with unitdp=4; Synq prices are exact decimal strings.
      SalesDetails: { UnitPrice: price },
    };
    // Xero nulls Description when IsSold is false, so it is only sent for sold items.
    if (product.description && item.IsSold) item.Description = [...product.description].slice(0, ITEM_DESCRIPTION_MAX).join('');
    return item;
  });
}

const ITEM_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function parseRemoteId(remoteId: string): string[] {
  const ids = remoteId.split(',').filter((s) => s !== '');
  if (ids.length === 0 || !ids.every((id) => ITEM_ID.test(id))) throw new ProviderError('VALIDATION', 'Not a Xero remote id (comma-separated ItemIDs)');
  return ids;
}

function itemsOf(body: unknown, what: string): XeroItem[] {
  if (!isRecord(body) || !Array.isArray(body.Items)) throw new ProviderError('PROTOCOL', `Xero ${what} answer has no Items`);
  return body.Items.flatMap((i) => (isRecord(i) && typeof i.ItemID === 'string' && typeof i.Code === 'string' ? [{ ItemID: i.ItemID, Code: i.Code, ...(typeof i.UpdatedDateUTC === 'string' ? { UpdatedDateUTC: i.UpdatedDateUTC } : {}) }] : []));
}

/**
 * Same connection, same body: same key, so a retry of a request whose answer was lost is
 * answered from Xero's idempotency cache instead of running twice. (Were a product created,
 * deleted and created again unchanged within Xero's cache window, the replay would name the
 * deleted ItemIDs; the next push matches by Code again and repairs the link.)
 */
function idempotencyKey(ctx: ConnectionContext, body: string): string {
  return createHash('sha256').update(`${ctx.connectionId}\n${body}`).digest('base64url').slice(0, IDEMPOTENCY_KEY_MAX);
}

export async function upsertItems(client: XeroApiClient, ctx: ConnectionContext, product: PushProduct, remoteId: string | null): Promise<PushResult> {
  const items = toXeroItems(product);
  if (items.length === 0) throw new ProviderError('VALIDATION', 'A product needs at least one variant with a SKU to become Xero Items');
  const body = { Items: items };
  const data = await client.request<unknown>(ctx, {
    what: 'Items upsert',
    method: 'POST',
    path: '/Items',
    query: { unitdp: '4' },
    body,
    idempotencyKey: idempotencyKey(ctx, JSON.stringify(body)),
  });
  const byCode = new Map(itemsOf(data, 'Items upsert').map((i) => [i.Code, i.ItemID]));
  const variantIds: Record<string, string> = {};
  for (const item of items) {
    const id = byCode.get(item.Code);
    if (id === undefined) throw new ProviderError('PROTOCOL', `Xero Items upsert did not return item ${item.Code}`);
    variantIds[item.Code] = id;
  }
  const ids = items.map((i) => variantIds[i.Code]!);
  // Variants removed from the product since the last push: their Items go too.
  if (remoteId !== null) {
    const stale = parseRemoteId(remoteId).filter((id) => !ids.includes(id));
    for (const id of stale) await deleteItem(client, ctx, id);
  }
  return { remoteId: ids.join(','), variantIds };
}

async function deleteItem(client: XeroApiClient, ctx: ConnectionContext, itemId: string): Promise<void> {
  try {
    await client.request(ctx, { what: 'Item delete', method: 'DELETE', path: `/Items/${itemId}` });
  } catch (err) {
    // Deleting twice is success.
    if (err instanceof ProviderError && err.code === 'NOT_FOUND') return;
    throw err;
  }
}

export async function deleteItems(client: XeroApiClient, ctx: ConnectionContext, remoteId: string): Promise<void> {
  for (const id of parseRemoteId(remoteId)) await deleteItem(client, ctx, id);
}

/** Xero's where-clause string literal: double quotes, backslash escapes. */
const literal = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/** The Items already carrying these SKUs as Codes (a crashed earlier create), as a remote id; null when none. */
export async function findItems(client: XeroApiClient, ctx: ConnectionContext, skus: string[]): Promise<string | null> {
  const found = new Map<string, string>();
  // 20 codes per where clause keeps the URL far below Xero's length limits.
  for (let i = 0; i < skus.length; i += 20) {
    const where = skus.slice(i, i + 20).map((s) => `Code==${literal(s)}`).join(' OR ');
    const data = await client.request<unknown>(ctx, { what: 'Items by code', method: 'GET', path: '/Items', query: { where } });
    for (const item of itemsOf(data, 'Items by code')) found.set(item.Code, item.ItemID);
  }
  const ids = skus.flatMap((s) => (found.has(s) ? [found.get(s)!] : []));
  return ids.length > 0 ? [...new Set(ids)].join(',') : null;
}

/** Xero's "/Date(1573755038314+0000)/" as ISO-8601; the epoch when unreadable. */
export function fromMsDate(v: string | undefined): string {
  const m = v === undefined ? null : /^\/Date\((-?\d+)([+-]\d{4})?\)\/$/.exec(v);
  return new Date(m ? Number(m[1]) : 0).toISOString();
}

/** Every Item as its own remote product (GET /Items is not paged). */
export async function listItems(client: XeroApiClient, ctx: ConnectionContext): Promise<RemoteProductSummary[]> {
  const data = await client.request<unknown>(ctx, { what: 'Items', method: 'GET', path: '/Items' });
  return itemsOf(data, 'Items').map((i) => ({ remoteId: i.ItemID, skus: [i.Code], updatedAt: fromMsDate(i.UpdatedDateUTC) }));
}

