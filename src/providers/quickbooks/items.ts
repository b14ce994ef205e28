// Product push as QuickBooks Items: one Item per variant SKU (QBO has no variants). The
// remote id Synq keeps for a product is its Item ids joined with ',' in variant order.
// Creates carry a deterministic requestid (Intuit replays the first answer for a repeated
// requestid, so a retried create never duplicates); updates are sparse and need the
// Item's current SyncToken, read first; a stale one (Fault 5010) is re-read and retried
// once. QBO cannot delete Items: DELETE makes them inactive.
import { createHash } from 'node:crypto';
import { ProviderError, type ConnectionContext, type Page, type PushProduct, type PushResult, type PushVariant, type RemoteProductSummary } from '../types.ts';
import { ITEM_DESCRIPTION_MAX, ITEM_NAME_MAX, ITEM_SKU_MAX } from './facts.ts';
import { QboFaultError, STALE_OBJECT_CODE, type QboClient } from './http.ts';

export interface QboRef {
  value: string;
  name?: string;
}

export interface QboItem {
  Id: string;
  SyncToken: string;
  Name?: string;
  Sku?: string;
  Type?: string;
  Active?: boolean;
  MetaData?: { LastUpdatedTime?: string };
}

interface QboAccount {
  Id: string;
  Name?: string;
  AccountType?: string;
  AccountSubType?: string;
  Active?: boolean;
}

export interface ItemAccounts {
  income: QboRef;
  cogs: QboRef | null;
  asset: QboRef | null;
}

type ItemBody = Record<string, unknown>;

const PAGE_SIZE = 100;

/** A value inside a QBO query string literal: backslash and quote escaped. */
export function queryLiteral(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export function parseRemoteId(remoteId: string | null): string[] {
  if (remoteId === null) return [];
  return remoteId.split(',').filter((id) => /^\d{1,20}$/.test(id));
}

const clean = (s: string) => s.replace(/[:\t\r\n]+/g, ' ').replace(/\s+/g, ' ').trim();

/** Name must be unique among a company's Items: the SKU makes it so; the title is cut to fit. */
export function itemName(product: PushProduct, variant: PushVariant): string {
  const options = Object.values(variant.optionValues).map(clean).filter(Boolean).join(' / ');
  const suffix = ` (${clean(variant.sku)})`;
  const base = clean(options && product.variants.length > 1 ? `${product.title} - ${options}` : product.title) || 'Item';
  return `${base.slice(0, Math.max(1, ITEM_NAME_MAX - suffix.length))}${suffix}`.slice(0, ITEM_NAME_MAX);
}

function description(product: PushProduct): string | null {
  if (product.description === null) return null;
  const text = product.description.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();
  return text === '' ? null : text.slice(0, ITEM_DESCRIPTION_MAX);
}

const today = () => new Date().toISOString().slice(0, 10);

/** The full Item for a create. Inventory items need all three accounts, a quantity and its start date. */
export function newItemBody(product: PushProduct, variant: PushVariant, accounts: ItemAccounts): ItemBody {
  if (variant.sku.length > ITEM_SKU_MAX) throw new ProviderError('VALIDATION', `SKU ${variant.sku.slice(0, 20)}… is longer than QuickBooks' ${ITEM_SKU_MAX} characters`);
  const body: ItemBody = {
    Name: itemName(product, variant),
    Sku: variant.sku,
    UnitPrice: Number(variant.price),
    Active: product.status !== 'archived',
    IncomeAccountRef: accounts.income,
  };
  const desc = description(product);
  if (desc !== null) body.Description = desc;
  if (variant.inventoryQuantity !== null) {
    if (accounts.cogs === null || accounts.asset === null) {
      throw new ProviderError('VALIDATION', 'The QuickBooks company has no Cost of Goods Sold or Inventory asset account for inventory items');
    }
    Object.assign(body, {
      Type: 'Inventory',
      TrackQtyOnHand: true,
      QtyOnHand: variant.inventoryQuantity,
      InvStartDate: today(),
      ExpenseAccountRef: accounts.cogs,
      AssetAccountRef: accounts.asset,
    });
  } else {
    body.Type = 'NonInventory';
  }
  return body;
}

/** The sparse update: what Synq owns. Type and accounts stay as the accountant may have set them. */
export function updateItemBody(product: PushProduct, variant: PushVariant, current: QboItem): ItemBody {
  const body: ItemBody = {
    Id: current.Id,
    SyncToken: current.SyncToken,
    sparse: true,
    Name: itemName(product, variant),
    Sku: variant.sku,
    UnitPrice: Number(variant.price),
    Active: product.status !== 'archived',
  };
  const desc = description(product);
  if (desc !== null) body.Description = desc;
  if (current.Type === 'Inventory' && variant.inventoryQuantity !== null) body.QtyOnHand = variant.inventoryQuantity;
  return body;
}

const requestId = (ctx: ConnectionContext, op: string, body: ItemBody) =>
  createHash('sha256').update(`${ctx.connectionId}|${op}|${JSON.stringify(body)}`).digest('hex').slice(0, 36);

function pick(accounts: QboAccount[], type: string, preferredSubType: string): QboRef | null {
  const ofType = accounts.filter((a) => a.AccountType === type && a.Active !== false);
  const a = ofType.find((x) => x.AccountSubType === preferredSubType) ?? ofType[0];
  return a === undefined ? null : a.Name !== undefined ? { value: a.Id, name: a.Name } : { value: a.Id };
}

export class QboItems {
  /** The accounts each company's Items post to, queried once per realm (a failed lookup is not cached). */
  private readonly accounts = new Map<string, Promise<ItemAccounts>>();

  constructor(private readonly client: QboClient) {}

  private itemAccounts(ctx: ConnectionContext): Promise<ItemAccounts> {
    let p = this.accounts.get(ctx.account);
    if (p === undefined) {
      p = this.query<QboAccount>(ctx, 'accounts', 'Account', "SELECT * FROM Account WHERE Active = true MAXRESULTS 1000").then((list) => {
        const income = pick(list, 'Income', 'SalesOfProductIncome');
        if (income === null) throw new ProviderError('VALIDATION', 'The QuickBooks company has no active Income account for items');
        return { income, cogs: pick(list, 'Cost of Goods Sold', 'SuppliesMaterialsCogs'), asset: pick(list, 'Other Current Asset', 'Inventory') };
      });
      p.catch(() => this.accounts.delete(ctx.account));
      this.accounts.set(ctx.account, p);
    }
    return p;
  }

  private async query<T>(ctx: ConnectionContext, what: string, entity: string, q: string): Promise<T[]> {
    const res = await this.client.request<{ QueryResponse?: Record<string, unknown> }>(ctx, { what, method: 'GET', path: '/query', query: { query: q } });
    const list = res.QueryResponse?.[entity];
    return Array.isArray(list) ? (list as T[]) : [];
  }

  private async read(ctx: ConnectionContext, id: string): Promise<QboItem | null> {
    try {
      const res = await this.client.request<{ Item?: QboItem }>(ctx, { what: 'item read', method: 'GET', path: `/item/${id}` });
      return res.Item ?? null;
    } catch (err) {
      if (err instanceof ProviderError && err.code === 'NOT_FOUND') return null;
      throw err;
    }
  }

  private async bySku(ctx: ConnectionContext, sku: string): Promise<QboItem | null> {
    // Inactive items too: a product deleted (made inactive) and pushed again reuses its Item,
    // and QBO would refuse a new one with the same Name anyway.
    const [hit] = await this.query<QboItem>(ctx, 'item by SKU', 'Item', `SELECT * FROM Item WHERE Sku = ${queryLiteral(sku)} AND Active IN (true, false)`);
    return hit ?? null;
  }

  private async save(ctx: ConnectionContext, what: string, body: ItemBody): Promise<QboItem> {
    const res = await this.client.request<{ Item?: QboItem }>(ctx, { what, method: 'POST', path: '/item', query: { requestid: requestId(ctx, what, body) }, body });
    if (res.Item?.Id === undefined) throw new ProviderError('PROTOCOL', `QuickBooks ${what} answered without an Item`);
    return res.Item;
  }

  /** A sparse update from the current Item; a stale SyncToken (someone edited it meanwhile) is re-read and retried once. */
  private async update(ctx: ConnectionContext, current: QboItem, build: (item: QboItem) => ItemBody): Promise<QboItem> {
    try {
      return await this.save(ctx, 'item update', build(current));
    } catch (err) {
      if (!(err instanceof QboFaultError && err.fault?.code === STALE_OBJECT_CODE)) throw err;
      const fresh = await this.read(ctx, current.Id);
      if (fresh === null) throw new ProviderError('NOT_FOUND', 'QuickBooks item update: the Item no longer exists');
      return this.save(ctx, 'item update', build(fresh));
    }
  }

  async upsert(ctx: ConnectionContext, product: PushProduct, remoteId: string | null): Promise<PushResult> {
    if (product.variants.length === 0) throw new ProviderError('VALIDATION', 'A product needs at least one variant (SKU) to become QuickBooks Items');
    const existing = new Map<string, QboItem>();
    const stale: QboItem[] = [];
    for (const id of parseRemoteId(remoteId)) {
      const item = await this.read(ctx, id);
      if (item?.Sku !== undefined && product.variants.some((v) => v.sku === item.Sku)) existing.set(item.Sku, item);
      else if (item !== null && item.Active !== false) stale.push(item);
    }
    const variantIds: Record<string, string> = {};
    for (const v of product.variants) {
      const current = existing.get(v.sku) ?? (await this.bySku(ctx, v.sku));
      const saved = current
        ? await this.update(ctx, current, (item) => updateItemBody(product, v, item))
        : await this.save(ctx, 'item create', newItemBody(product, v, await this.itemAccounts(ctx)));
      variantIds[v.sku] = saved.Id;
    }
    // Variants removed from the product: their Items go inactive, like a delete.
    for (const item of stale) await this.update(ctx, item, (i) => ({ Id: i.Id, SyncToken: i.SyncToken, sparse: true, Active: false }));
    return { remoteId: product.variants.map((v) => variantIds[v.sku]).join(','), variantIds };
  }

  async deactivate(ctx: ConnectionContext, remoteId: string): Promise<void> {
    for (const id of parseRemoteId(remoteId)) {
      const item = await this.read(ctx, id);
      if (item === null || item.Active === false) continue;
      await this.update(ctx, item, (i) => ({ Id: i.Id, SyncToken: i.SyncToken, sparse: true, Active: false }));
    }
  }

  async find(ctx: ConnectionContext, skus: string[]): Promise<string | null> {
    const ids: string[] = [];
    for (const sku of skus) {
      const hit = await this.bySku(ctx, sku);
      if (hit !== null) ids.push(hit.Id);
    }
    return ids.length > 0 ? ids.join(',') : null;
  }

  /** Every Item with a SKU, one summary each, paged by STARTPOSITION (1-based). */
  async list(ctx: ConnectionContext, cursor: string | null): Promise<Page<RemoteProductSummary>> {
    const start = cursor === null ? 1 : Number(cursor);
    if (!Number.isInteger(start) || start < 1) throw new ProviderError('VALIDATION', 'Invalid QuickBooks page cursor');
    const items = await this.query<QboItem>(ctx, 'items', 'Item', `SELECT * FROM Item STARTPOSITION ${start} MAXRESULTS ${PAGE_SIZE}`);
    return {
      items: items
        .filter((i) => typeof i.Sku === 'string' && i.Sku !== '')
        .map((i) => ({ remoteId: i.Id, skus: [i.Sku!], updatedAt: i.MetaData?.LastUpdatedTime ?? new Date(0).toISOString() })),
      nextCursor: items.length === PAGE_SIZE ? String(start + PAGE_SIZE) : null,
    };
  }
}
