import { scheduleCatalogBuild } from '../../../catalog/build.ts';
import { withTenant } from '../../../db/client.ts';
import { getProduct, updateProduct as updateProductRow, type ProductPatch } from '../../../db/products.ts';
import { productToJson } from '../../../domain/product.ts';
import type { RouteModule } from '../../app.ts';
import { notFound } from '../../errors.ts';
import { errorResponses, IdParams, tenantSecurity } from '../common.ts';
import { PatchProductBody, ProductJson } from './schemas.ts';

export const updateProduct: RouteModule = (app, deps) => {
  app.patch(
    '/api/v1/pim/products/:id',
    {
      schema: {
        tags: ['pim'],
        summary: 'Update product fields (variants have their own endpoint)',
        security: tenantSecurity,
        params: IdParams,
        body: PatchProductBody,
        response: { 200: ProductJson, ...errorResponses },
      },
    },
    async (req) => {
      const patch: ProductPatch = {};
      for (const [k, v] of Object.entries(req.body)) if (v !== undefined) Object.assign(patch, { [k]: v });
      const product = await withTenant(deps.db, req.auth.tenantId, async (tx) => {
        if (!(await updateProductRow(tx, req.auth, req.params.id, patch))) return null;
        await scheduleCatalogBuild(deps, tx, req.auth.tenantId);
        return getProduct(tx, req.auth, req.params.id);
      });
      if (!product) throw notFound('Product');
      return productToJson(product);
    },
  );
};
