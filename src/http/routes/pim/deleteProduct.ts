import { Type } from '@sinclair/typebox';
import { scheduleCatalogBuild } from '../../../catalog/build.ts';
import { withTenant } from '../../../db/client.ts';
import { softDeleteProduct } from '../../../db/products.ts';
import type { RouteModule } from '../../app.ts';
import { notFound } from '../../errors.ts';
import { errorResponses, IdParams, tenantSecurity } from '../common.ts';

export const deleteProduct: RouteModule = (app, deps) => {
  app.delete(
    '/api/v1/pim/products/:id',
    {
      schema: {
        tags: ['pim'],
        summary: 'Soft-delete a product (it disappears from lists and feeds; pushes of DELETE remove it remotely)',
        security: tenantSecurity,
        params: IdParams,
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (req, reply) => {
      const ok = await withTenant(deps.db, req.auth.tenantId, async (tx) => {
        const deleted = await softDeleteProduct(tx, req.auth, req.params.id);
        if (deleted) await scheduleCatalogBuild(deps, tx, req.auth.tenantId);
        return deleted;
      });
      if (!ok) throw notFound('Product');
      return reply.status(204).send(null);
    },
  );
};
