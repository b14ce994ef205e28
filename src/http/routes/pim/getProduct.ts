import { withTenant } from '../../../db/client.ts';
import { getProduct as getProductRow } from '../../../db/products.ts';
import { productToJson } from '../../../domain/product.ts';
import type { RouteModule } from '../../app.ts';
import { notFound } from '../../errors.ts';
import { errorResponses, IdParams, tenantSecurity } from '../common.ts';
import { ProductJson } from './schemas.ts';

export const getProduct: RouteModule = (app, deps) => {
  app.get(
    '/api/v1/pim/products/:id',
    { schema: { tags: ['pim'], summary: 'Get one product', security: tenantSecurity, params: IdParams, response: { 200: ProductJson, ...errorResponses } } },
    async (req) => {
      const product = await withTenant(deps.db, req.auth.tenantId, (tx) => getProductRow(tx, req.auth, req.params.id));
      if (!product) throw notFound('Product');
      return productToJson(product);
    },
  );
};
