import { scheduleCatalogBuild } from '../../../catalog/build.ts';
import { withTenant } from '../../../db/client.ts';
import { existingSkus, insertProduct } from '../../../db/products.ts';
import { productToJson } from '../../../domain/product.ts';
import type { RouteModule } from '../../app.ts';
import { conflict } from '../../errors.ts';
import { errorResponses, tenantSecurity } from '../common.ts';
import { CreateProductBody, ProductJson } from './schemas.ts';
import { toNewVariants } from './variantInput.ts';

export const createProduct: RouteModule = (app, deps) => {
  app.post(
    '/api/v1/pim/products',
    {
      schema: {
        tags: ['pim'],
        summary: 'Create a product with its variants',
        security: tenantSecurity,
        body: CreateProductBody,
        response: { 201: ProductJson, ...errorResponses, 409: errorResponses[400] },
      },
    },
    async (req, reply) => {
      const b = req.body;
      const newVariants = toNewVariants(b.variants ?? []);
      const product = await withTenant(deps.db, req.auth.tenantId, async (tx) => {
        const taken = await existingSkus(tx, req.auth, newVariants.map((v) => v.sku));
        if (taken.length > 0) throw conflict(`SKU already exists: ${taken.join(', ')}`);
        await scheduleCatalogBuild(deps, tx, req.auth.tenantId);
        return insertProduct(tx, req.auth, {
          title: b.title,
          description: b.description ?? null,
          category: b.category ?? null,
          brand: b.brand ?? null,
          handle: b.handle ?? null,
          status: b.status ?? 'active',
          images: b.images ?? [],
          variants: newVariants,
        });
      });
      return reply.status(201).send(productToJson(product));
    },
  );
};
