// Turns validated request variants into rows, with the checks JSON Schema cannot express.
import { normalizePrice } from '../../../domain/product.ts';
import type { NewVariant } from '../../../db/products.ts';
import { badRequest } from '../../errors.ts';
import type { VariantInput } from './schemas.ts';

export function toNewVariants(input: VariantInput[]): NewVariant[] {
  const seen = new Set<string>();
  return input.map((v, i) => {
    const price = normalizePrice(v.price);
    if (price === null) throw badRequest(`variants[${i}].price must be a non-negative decimal with at most 4 decimals`);
    if (seen.has(v.sku)) throw badRequest(`variants[${i}].sku "${v.sku}" appears twice in this request`);
    seen.add(v.sku);
    return {
      sku: v.sku,
      barcode: v.barcode ?? null,
      price,
      currency: v.currency,
      optionValues: v.option_values ?? {},
      inventoryQuantity: v.inventory_quantity ?? null,
    };
  });
}
