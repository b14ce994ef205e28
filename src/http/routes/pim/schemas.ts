import { Type, type Static } from '@sinclair/typebox';

// No control characters in identifiers a provider will echo back (SKUs, handles).
const Printable = (max: number) => Type.String({ minLength: 1, maxLength: max, pattern: '^[^\\u0000-\\u001f\\u007f]+$' });

export const PriceInput = Type.Union([Type.String({ maxLength: 32 }), Type.Number()]);

export const VariantInput = Type.Object(
  {
    sku: Printable(255),
    barcode: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 64, pattern: '^[0-9A-Za-z-]+$' }), Type.Null()])),
    price: PriceInput,
    currency: Type.String({ pattern: '^[A-Z]{3}$' }),
    option_values: Type.Optional(
      Type.Record(Type.String({ minLength: 1, maxLength: 255 }), Type.String({ minLength: 1, maxLength: 255 }), { maxProperties: 3 }),
    ),
    inventory_quantity: Type.Optional(Type.Union([Type.Integer({ minimum: -1_000_000_000, maximum: 1_000_000_000 }), Type.Null()])),
  },
  { additionalProperties: false },
);
export type VariantInput = Static<typeof VariantInput>;

const Status = Type.Union([Type.Literal('active'), Type.Literal('draft'), Type.Literal('archived')]);
const NullableText = (max: number) => Type.Union([Type.String({ maxLength: max }), Type.Null()]);
const ImageUrl = Type.String({ format: 'uri', maxLength: 2048, pattern: '^https?://' });

export const ProductFields = {
  title: Type.String({ minLength: 1, maxLength: 1000 }),
  description: Type.Optional(NullableText(100_000)),
  category: Type.Optional(NullableText(255)),
  brand: Type.Optional(NullableText(255)),
  handle: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 255, pattern: '^[a-z0-9][a-z0-9-]*$' }), Type.Null()])),
  status: Type.Optional(Status),
  images: Type.Optional(Type.Array(ImageUrl, { maxItems: 250 })),
};

export const CreateProductBody = Type.Object(
  { ...ProductFields, variants: Type.Optional(Type.Array(VariantInput, { maxItems: 2048 })) },
  { additionalProperties: false },
);
export type CreateProductBody = Static<typeof CreateProductBody>;

export const PatchProductBody = Type.Object(
  {
    title: Type.Optional(ProductFields.title),
    description: ProductFields.description,
    category: ProductFields.category,
    brand: ProductFields.brand,
    handle: ProductFields.handle,
    status: ProductFields.status,
    images: ProductFields.images,
  },
  { additionalProperties: false, minProperties: 1 },
);
export type PatchProductBody = Static<typeof PatchProductBody>;

export const VariantJson = Type.Object({
  id: Type.String(),
  sku: Type.String(),
  barcode: Type.Union([Type.String(), Type.Null()]),
  price: Type.String(),
  currency: Type.String(),
  option_values: Type.Record(Type.String(), Type.String()),
  inventory_quantity: Type.Union([Type.Integer(), Type.Null()]),
});

export const ProductJson = Type.Object({
  id: Type.String(),
  title: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  category: Type.Union([Type.String(), Type.Null()]),
  brand: Type.Union([Type.String(), Type.Null()]),
  handle: Type.Union([Type.String(), Type.Null()]),
  status: Status,
  images: Type.Array(Type.String()),
  variants: Type.Array(VariantJson),
  created_at: Type.String(),
  updated_at: Type.String(),
});
