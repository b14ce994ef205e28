import { scheduleCatalogBuild } from '../../../catalog/build.ts';
import { withTenant } from '../../../db/client.ts';
import { addVariant, existingSkus, lockProduct } from '../../../db/products.ts';
import { variantToJson } from '../../../domain/product.ts';
import type { RouteModule } from '../../app.ts';
import { conflict, notFound } from '../../errors.ts';
import { errorResponses, IdParams, tenantSecurity } from '../common.ts';
import { VariantInput, VariantJson } from './schemas.ts';
import { toNewVariants } from './variantInput.ts';

export const createVariant: RouteModule = (app, deps) => {
  app.post(
    '/api/v1/pim/products/:id/variants',
    {
      schema: {
        tags: ['pim'],
        summary: 'Add a variant to a product',
        security: tenantSecurity,
        params: IdParams,
        body: VariantInput,
        response: { 201: VariantJson, ...errorResponses, 409: errorResponses[400] },
      },
    },
    async (req, reply) => {
      const [variant] = toNewVariants([req.body]);
      const created = await withTenant(deps.db, req.auth.tenantId, async (tx) => {
        if (!(await lockProduct(tx, req.auth, req.params.id))) throw notFound('Product');
        if ((await existingSkus(tx, req.auth, [variant!.sku])).length > 0) throw conflict(`SKU already exists: ${variant!.sku}`);
        await scheduleCatalogBuild(deps, tx, req.auth.tenantId);
        return addVariant(tx, req.auth, req.params.id, variant!);
      });
      return reply.status(201).send(variantToJson(created));
    },
  );
};
