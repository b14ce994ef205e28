// Read side of the fake's GraphQL: turns stored records into objects that
// graphql-js's default resolver can walk (fields with arguments are functions).
import { GraphQLError } from 'graphql';
import type { FakeOrder, FakeProduct, FakeShop, FakeVariant, FakeWebhookSubscription } from './state.ts';

export interface ConnectionArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
  reverse?: boolean | null;
}

/** Shopify's largest page. */
const MAX_PAGE = 250;

function cursorFor(id: string): string {
  return Buffer.from(JSON.stringify({ last_id: id })).toString('base64url');
}

function idFromCursor(cursor: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { last_id?: unknown };
    if (typeof parsed.last_id === 'string') return parsed.last_id;
  } catch {
    // fall through
  }
  throw new GraphQLError(`Invalid cursor for current pagination sort.`, { extensions: { code: 'BAD_REQUEST' } });
}

/** Cursor pagination as Shopify does it: one of first/last is required, at most 250. */
export function connection<T extends { id: string }>(items: T[], args: ConnectionArgs): Record<string, unknown> {
  const first = args.first ?? null;
  const last = args.last ?? null;
  if (first === null && last === null) {
    throw new GraphQLError('you must provide one of first or last', { extensions: { code: 'BAD_REQUEST' } });
  }
  if ((first ?? 0) > MAX_PAGE || (last ?? 0) > MAX_PAGE || (first ?? 0) < 0 || (last ?? 0) < 0) {
    throw new GraphQLError(`The connection can fetch at most ${MAX_PAGE} items per page.`, { extensions: { code: 'BAD_REQUEST' } });
  }
  let list = args.reverse ? [...items].reverse() : items;
  if (args.after) {
    const id = idFromCursor(args.after);
    const i = list.findIndex((x) => x.id === id);
    list = i === -1 ? [] : list.slice(i + 1);
  }
  if (args.before) {
    const id = idFromCursor(args.before);
    const i = list.findIndex((x) => x.id === id);
    list = i === -1 ? list : list.slice(0, i);
  }
  const total = list.length;
  let page = list;
  if (first !== null) page = page.slice(0, first);
  if (last !== null) page = page.slice(Math.max(0, page.length - last));
  const startIdx = list.indexOf(page[0] as T);
  const firstItem = page[0];
  const lastItem = page[page.length - 1];
  return {
    edges: page.map((node) => ({ cursor: cursorFor(node.id), node })),
    nodes: page,
    pageInfo: {
      hasNextPage: startIdx + page.length < total,
      hasPreviousPage: Boolean(args.after) || startIdx > 0,
      startCursor: firstItem ? cursorFor(firstItem.id) : null,
      endCursor: lastItem ? cursorFor(lastItem.id) : null,
    },
  };
}

export function moneyBag(amount: string, currencyCode: string): Record<string, unknown> {
  const money = { amount, currencyCode };
  return { shopMoney: money, presentmentMoney: money };
}

export function variantView(p: FakeProduct, v: FakeVariant, currency: string): Record<string, unknown> {
  const qty = [...v.quantities.values()].reduce((a, b) => a + b, 0);
  return {
    id: v.id,
    sku: v.sku,
    barcode: v.barcode,
    price: v.price,
    title: v.options.map((o) => o.value).join(' / '),
    displayName: `${p.title} - ${v.options.map((o) => o.value).join(' / ')}`,
    inventoryQuantity: v.tracked ? qty : null,
    selectedOptions: v.options.map((o) => ({ name: o.name, value: o.value })),
    inventoryItem: { id: v.inventoryItemId, sku: v.sku, tracked: v.tracked },
    createdAt: v.createdAt,
    updatedAt: v.updatedAt,
    currency,
  };
}

export function productView(p: FakeProduct, currency: string): Record<string, unknown> {
  return {
    id: p.id,
    title: p.title,
    handle: p.handle,
    status: p.status,
    vendor: p.vendor,
    productType: p.productType,
    descriptionHtml: p.descriptionHtml,
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
    hasOnlyDefaultVariant: p.options.length === 1 && p.options[0]?.name === 'Title' && p.variants.length === 1,
    totalInventory: p.variants.reduce((sum, v) => sum + [...v.quantities.values()].reduce((a, b) => a + b, 0), 0),
    options: (args: { first?: number | null }) =>
      p.options.slice(0, args.first ?? undefined).map((o, i) => ({
        id: o.id,
        name: o.name,
        position: i + 1,
        values: o.values,
        optionValues: o.values.map((name, j) => ({ id: `${o.id}/${j}`, name, hasVariants: true })),
      })),
    variants: (args: ConnectionArgs) => connection(p.variants.map((v) => ({ ...variantView(p, v, currency), id: v.id })), args),
  };
}

export function orderView(o: FakeOrder): Record<string, unknown> {
  return {
    id: o.id,
    name: o.name,
    displayFinancialStatus: o.financialStatus.toUpperCase(),
    currencyCode: o.currency,
    createdAt: o.createdAt,
    updatedAt: o.updatedAt,
    totalPriceSet: moneyBag(o.totalPrice, o.currency),
    lineItems: (args: ConnectionArgs) =>
      connection(
        o.lineItems.map((li) => ({
          id: li.id,
          sku: li.sku,
          title: li.title,
          name: li.title,
          quantity: li.quantity,
          currentQuantity: li.quantity,
          originalUnitPriceSet: moneyBag(li.price, o.currency),
        })),
        args,
      ),
  };
}

export function webhookView(w: FakeWebhookSubscription): Record<string, unknown> {
  return {
    id: w.id,
    topic: w.topic,
    callbackUrl: w.callbackUrl,
    format: w.format,
    endpoint: { __typename: 'WebhookHttpEndpoint', callbackUrl: w.callbackUrl },
    createdAt: w.createdAt,
    updatedAt: w.updatedAt,
    includeFields: [],
    metafieldNamespaces: [],
    filter: null,
  };
}

/** `updated_at:>'2025-01-01T00:00:00Z'` (also >=, <, <=) -> a predicate; other terms of the query are ignored. */
export function updatedAtFilter(query: string | null | undefined): (iso: string) => boolean {
  const m = /updated_at:(>=|<=|>|<)'?([^'\s]+)'?/.exec(query ?? '');
  if (!m) return () => true;
  const bound = Date.parse(m[2] ?? '');
  if (Number.isNaN(bound)) throw new GraphQLError(`Invalid search date in query: ${m[2] ?? ''}`, { extensions: { code: 'BAD_REQUEST' } });
  const op = m[1];
  return (iso) => {
    const t = Date.parse(iso);
    return op === '>' ? t > bound : op === '>=' ? t >= bound : op === '<' ? t < bound : t <= bound;
  };
}

/** `sku:ABC OR sku:"A B" OR sku:'x'` -> the SKUs (any of them matches). */
export function skuTerms(query: string | null | undefined): string[] {
  const out: string[] = [];
  const re = /(?:^|\s)sku:(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+))/g;
  for (const m of (query ?? '').matchAll(re)) {
    const raw = m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : (m[2] ?? m[3] ?? '');
    out.push(raw);
  }
  return out;
}

function byId<T extends { id: string }>(a: T, b: T): number {
  return Number(a.id.split('/').pop()) - Number(b.id.split('/').pop());
}

/** The Query root for one shop. */
export function queryRoot(shop: FakeShop, currency: string): Record<string, unknown> {
  return {
    shop: {
      id: `gid://shopify/Shop/${shop.domain.split('.')[0] ?? 'shop'}`,
      name: shop.domain.split('.')[0],
      myshopifyDomain: shop.domain,
      currencyCode: currency,
      email: `owner@${shop.domain}`,
    },
    product: ({ id }: { id: string }) => {
      const p = shop.products.get(id);
      return p ? productView(p, currency) : null;
    },
    order: ({ id }: { id: string }) => {
      const o = shop.orders.get(id);
      return o ? orderView(o) : null;
    },
    products: (args: ConnectionArgs & { query?: string | null; sortKey?: string | null }) => {
      const skus = skuTerms(args.query);
      const since = updatedAtFilter(args.query);
      let list = [...shop.products.values()].filter(
        (p) => since(p.updatedAt) && (skus.length === 0 || p.variants.some((v) => v.sku !== null && skus.includes(v.sku))),
      );
      list = list.sort(args.sortKey === 'UPDATED_AT' ? (a, b) => a.updatedAt.localeCompare(b.updatedAt) || byId(a, b) : byId);
      return connection(list.map((p) => ({ ...productView(p, currency), id: p.id })), args);
    },
    orders: (args: ConnectionArgs & { query?: string | null; sortKey?: string | null }) => {
      const since = updatedAtFilter(args.query);
      let list = [...shop.orders.values()].filter((o) => since(o.updatedAt));
      list = list.sort(args.sortKey === 'UPDATED_AT' ? (a, b) => a.updatedAt.localeCompare(b.updatedAt) || byId(a, b) : byId);
      return connection(list.map((o) => ({ ...orderView(o), id: o.id })), args);
    },
    locations: (args: ConnectionArgs) =>
      connection(shop.locations.map((l) => ({ id: l.id, name: l.name, isActive: true, isPrimary: l === shop.locations[0] })), args),
    webhookSubscriptions: (args: ConnectionArgs & { callbackUrl?: string | null; topics?: string[] | null }) => {
      const list = [...shop.webhooks.values()].filter(
        (w) => (!args.callbackUrl || w.callbackUrl === args.callbackUrl) && (!args.topics || args.topics.includes(w.topic)),
      );
      return connection(list.map((w) => ({ ...webhookView(w), id: w.id })), args);
    },
  };
}
