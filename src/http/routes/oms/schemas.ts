import { Type } from '@sinclair/typebox';

export const OrderLineItemJson = Type.Object({
  sku: Type.Union([Type.String(), Type.Null()]),
  title: Type.String(),
  quantity: Type.Integer(),
  price: Type.String(),
});

export const OrderJson = Type.Object({
  id: Type.String(),
  connection_id: Type.String(),
  external_id: Type.String(),
  name: Type.Union([Type.String(), Type.Null()]),
  status: Type.String(),
  currency: Type.String(),
  total: Type.String(),
  line_items: Type.Array(OrderLineItemJson),
  external_created_at: Type.Union([Type.String(), Type.Null()]),
  external_updated_at: Type.String(),
  created_at: Type.String(),
  updated_at: Type.String(),
});
