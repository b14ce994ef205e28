// Write side of the fake's GraphQL. Each mutation answers userErrors the way
// Shopify does for the mistakes we can make, so the connector's handling of
// them is exercised, not assumed.
import type { FakeProduct, FakeShop, FakeStore, FakeVariant } from './state.ts';
import { productView, webhookView } from './views.ts';

interface UserErr {
  field: string[];
  message: string;
  code?: string;
}

interface OptionInput {
  name?: string | null;
  values?: { name?: string | null }[] | null;
}
interface VariantInput {
  id?: string | null;
  barcode?: string | null;
  price?: string | null;
  sku?: string | null;
  optionValues: { name?: string | null; optionName?: string | null }[];
  inventoryItem?: { sku?: string | null; tracked?: boolean | null } | null;
  inventoryQuantities?: { locationId: string; name: string; quantity: number }[] | null;
}
interface ProductSetInput {
  id?: string | null;
  title?: string | null;
  handle?: string | null;
  descriptionHtml?: string | null;
  vendor?: string | null;
  productType?: string | null;
  status?: FakeProduct['status'] | null;
  productOptions?: OptionInput[] | null;
  variants?: VariantInput[] | null;
}

/** Shopify's default per-product variant limit without the extended-variants preview. */
const MAX_VARIANTS = 100;

function handleize(title: string): string {
  return title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'product';
}

function uniqueHandle(shop: FakeShop, wanted: string, selfId: string | null): string | null {
  const holder = shop.handles.get(wanted);
  const p = holder === undefined ? undefined : shop.products.get(holder);
  return p === undefined || p.handle !== wanted || p.id === selfId ? wanted : null;
}

function validateVariants(input: ProductSetInput, options: { name: string; values: string[] }[], shop: FakeShop): UserErr[] {
  const errs: UserErr[] = [];
  const variants = input.variants ?? [];
  if (variants.length > MAX_VARIANTS) errs.push({ field: ['input', 'variants'], message: `Exceeded the maximum of ${MAX_VARIANTS} variants`, code: 'VARIANTS_OVER_LIMIT' });
  const combos = new Set<string>();
  variants.forEach((v, i) => {
    const field = ['input', 'variants', String(i)];
    if (v.optionValues.length !== options.length) {
      errs.push({ field: [...field, 'optionValues'], message: 'Variant must have a value for each product option', code: 'OPTION_VALUES_MISSING' });
      return;
    }
    for (const ov of v.optionValues) {
      const opt = options.find((o) => o.name === ov.optionName);
      if (!opt) errs.push({ field: [...field, 'optionValues'], message: `Option does not exist: ${ov.optionName ?? ''}`, code: 'OPTION_DOES_NOT_EXIST' });
      else if (!opt.values.includes(ov.name ?? '')) {
        errs.push({ field: [...field, 'optionValues'], message: `Option value does not exist: ${ov.name ?? ''}`, code: 'OPTION_VALUE_DOES_NOT_EXIST' });
      }
    }
    const combo = options.map((o) => v.optionValues.find((ov) => ov.optionName === o.name)?.name ?? '').join('\u0000');
    if (combos.has(combo)) errs.push({ field, message: 'The variant already exists', code: 'INVALID_VARIANT' });
    combos.add(combo);
    if (v.price != null && !/^-?\d+(\.\d+)?$/.test(v.price)) errs.push({ field: [...field, 'price'], message: 'Price is invalid', code: 'INVALID_VARIANT' });
    for (const q of v.inventoryQuantities ?? []) {
      if (!shop.locations.some((l) => l.id === q.locationId)) {
        errs.push({ field: [...field, 'inventoryQuantities'], message: 'Location does not exist', code: 'INVALID_INPUT' });
      }
      if (q.name !== 'available' && q.name !== 'on_hand') {
        errs.push({ field: [...field, 'inventoryQuantities'], message: 'Name must be one of available or on_hand', code: 'INVALID_INPUT' });
      }
    }
  });
  return errs;
}

export function productSet(store: FakeStore, shop: FakeShop, input: ProductSetInput, currency: string): Record<string, unknown> {
  const fail = (userErrors: UserErr[]) => ({ product: null, productSetOperation: null, userErrors });
  const existing = input.id ? shop.products.get(input.id) : undefined;
  if (input.id && !existing) return fail([{ field: ['input', 'id'], message: 'Product does not exist', code: 'PRODUCT_DOES_NOT_EXIST' }]);
  if (!existing && !input.title) return fail([{ field: ['input', 'title'], message: "Title can't be blank", code: 'INVALID_PRODUCT' }]);
  if (input.variants && !input.productOptions) {
    return fail([{ field: ['input', 'productOptions'], message: 'Product options input is required when updating variants', code: 'PRODUCT_OPTIONS_INPUT_MISSING' }]);
  }
  const options = (input.productOptions ?? []).map((o) => ({ name: o.name ?? '', values: (o.values ?? []).map((v) => v.name ?? '') }));
  if (options.length > 3) return fail([{ field: ['input', 'productOptions'], message: 'Can only specify a maximum of 3 options', code: 'OPTIONS_OVER_LIMIT' }]);
  if (new Set(options.map((o) => o.name)).size !== options.length) {
    return fail([{ field: ['input', 'productOptions'], message: 'Duplicated option name', code: 'DUPLICATED_OPTION_NAME' }]);
  }
  const errs = validateVariants(input, options, shop);
  if (errs.length > 0) return fail(errs);

  const now = new Date().toISOString();
  const title = input.title ?? existing?.title ?? '';
  const handle = uniqueHandle(shop, input.handle ?? existing?.handle ?? handleize(title), existing?.id ?? null);
  if (handle === null) return fail([{ field: ['input', 'handle'], message: `Handle '${input.handle ?? ''}' already in use. Please provide a new handle.`, code: 'HANDLE_NOT_UNIQUE' }]);

  const product: FakeProduct = existing ?? {
    id: store.gid('Product'),
    title,
    handle,
    status: 'ACTIVE',
    vendor: shop.domain.split('.')[0] ?? '',
    productType: '',
    descriptionHtml: '',
    options: [{ id: store.gid('ProductOption'), name: 'Title', values: ['Default Title'] }],
    variants: [],
    createdAt: now,
    updatedAt: now,
  };
  product.title = title;
  product.handle = handle;
  if (input.status) product.status = input.status;
  if (input.vendor != null) product.vendor = input.vendor;
  if (input.productType != null) product.productType = input.productType;
  if (input.descriptionHtml != null) product.descriptionHtml = input.descriptionHtml;
  if (input.productOptions) {
    product.options = options.map((o) => ({ id: product.options.find((x) => x.name === o.name)?.id ?? store.gid('ProductOption'), ...o }));
  }

  // List semantics, as documented for productSet: variants in the input are created or updated
  // (matched by id, else by option values), variants left out are deleted.
  if (input.variants) {
    const next: FakeVariant[] = [];
    for (const v of input.variants) {
      const values = product.options.map((o) => ({ name: o.name, value: v.optionValues.find((ov) => ov.optionName === o.name)?.name ?? '' }));
      const key = JSON.stringify(values);
      const match = v.id ? product.variants.find((x) => x.id === v.id) : product.variants.find((x) => JSON.stringify(x.options) === key);
      if (v.id && !match) return fail([{ field: ['input', 'variants'], message: 'Product variant does not exist', code: 'PRODUCT_VARIANT_DOES_NOT_EXIST' }]);
      const variant: FakeVariant = match ?? {
        id: store.gid('ProductVariant'),
        inventoryItemId: store.gid('InventoryItem'),
        sku: null,
        barcode: null,
        price: '0.00',
        options: values,
        tracked: false,
        quantities: new Map(),
        createdAt: now,
        updatedAt: now,
      };
      variant.options = values;
      const sku = v.inventoryItem?.sku ?? v.sku;
      if (sku != null) variant.sku = sku;
      if (v.barcode != null) variant.barcode = v.barcode;
      if (v.price != null) variant.price = v.price;
      if (v.inventoryItem?.tracked != null) variant.tracked = v.inventoryItem.tracked;
      for (const q of v.inventoryQuantities ?? []) variant.quantities.set(q.locationId, q.quantity);
      variant.updatedAt = now;
      next.push(variant);
    }
    product.variants = next;
  } else if (product.variants.length === 0) {
    const defaults = product.options.map((o) => ({ name: o.name, value: o.values[0] ?? 'Default Title' }));
    product.variants = [
      { id: store.gid('ProductVariant'), inventoryItemId: store.gid('InventoryItem'), sku: null, barcode: null, price: '0.00', options: defaults, tracked: false, quantities: new Map(), createdAt: now, updatedAt: now },
    ];
  }
  product.updatedAt = now;
  if (!existing) for (const v of product.variants) if (v.sku !== null) shop.creationsBySku.set(v.sku, (shop.creationsBySku.get(v.sku) ?? 0) + 1);
  shop.products.set(product.id, product);
  shop.handles.set(handle, product.id);
  return { product: productView(product, currency), productSetOperation: null, userErrors: [] };
}

export function productDelete(shop: FakeShop, input: { id: string }): Record<string, unknown> {
  if (!shop.products.delete(input.id)) {
    return { deletedProductId: null, productDeleteOperation: null, userErrors: [{ field: ['id'], message: 'Product does not exist' }] };
  }
  return { deletedProductId: input.id, productDeleteOperation: null, userErrors: [] };
}

export function webhookSubscriptionCreate(
  store: FakeStore,
  shop: FakeShop,
  args: { topic: string; webhookSubscription: { callbackUrl?: string | null; format?: string | null } },
): Record<string, unknown> {
  const url = args.webhookSubscription.callbackUrl ?? '';
  let ok = false;
  try {
    const u = new URL(url);
    ok = u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    ok = false;
  }
  if (!ok) return { webhookSubscription: null, userErrors: [{ field: ['webhookSubscription', 'callbackUrl'], message: 'Address is invalid' }] };
  if ([...shop.webhooks.values()].some((w) => w.topic === args.topic && w.callbackUrl === url)) {
    return { webhookSubscription: null, userErrors: [{ field: ['webhookSubscription', 'callbackUrl'], message: 'Address for this topic has already been taken' }] };
  }
  const now = new Date().toISOString();
  const sub = { id: store.gid('WebhookSubscription'), topic: args.topic, callbackUrl: url, format: args.webhookSubscription.format ?? 'JSON', createdAt: now, updatedAt: now };
  shop.webhooks.set(sub.id, sub);
  return { webhookSubscription: webhookView(sub), userErrors: [] };
}

export function webhookSubscriptionDelete(shop: FakeShop, args: { id: string }): Record<string, unknown> {
  if (!shop.webhooks.delete(args.id)) {
    return { deletedWebhookSubscriptionId: null, userErrors: [{ field: ['id'], message: 'Webhook subscription does not exist' }] };
  }
  return { deletedWebhookSubscriptionId: args.id, userErrors: [] };
}
