// POST /unified/sync/push/products: a bulk push. One batch row, one target per product ×
// ACTIVE connection and one push-bulk job per connection, all committed together, so a 202
// means queued. Each connection's job pushes through the provider's bulk path (Shopify bulk
// operations, WooCommerce products/batch, Amazon's listings feed) or, for providers without
// one, hands the products to per-product push tasks.
import { Type } from '@sinclair/typebox';
import { withTenant } from '../../../db/client.ts';
import { listTenantConnections } from '../../../db/connections.ts';
import { createBatch, pushableProductIds } from '../../../db/pushBatches.ts';
import type { RouteModule } from '../../app.ts';
import { badRequest, notFound } from '../../errors.ts';
import { errorResponses, tenantSecurity, Uuid } from '../common.ts';

/** 10,000 ids are ~370 KB of JSON: inside the body limit, and one batch row stays one request's worth. */
export const MAX_BULK_PRODUCT_IDS = 10_000;

// DELETE is in the schema so the 400 can say why: bulk deletes are not built (WooCommerce's batch
// could carry them, Shopify's and Amazon's bulk paths would need their own documents).
const Action = Type.Union([Type.Literal('UPSERT'), Type.Literal('DELETE')]);
const Body = Type.Union([
  Type.Object({ productIds: Type.Array(Uuid, { minItems: 1, maxItems: MAX_BULK_PRODUCT_IDS }), action: Action }, { additionalProperties: false }),
  Type.Object({ all: Type.Literal(true), action: Action }, { additionalProperties: false }),
]);

export const pushProducts: RouteModule = (app, deps) => {
  app.post(
    '/unified/sync/push/products',
    {
      schema: {
        tags: ['sync'],
        summary: 'Push many products (or all) to every active connection through the providers’ bulk paths',
        security: tenantSecurity,
        body: Body,
        response: { 202: Type.Object({ status: Type.Literal('queued'), batch_id: Type.String() }), ...errorResponses },
      },
    },
    async (req, reply) => {
      const body = req.body;
      if (body.action === 'DELETE') throw badRequest('Bulk DELETE is not supported; delete products one at a time with POST /unified/sync/push/product');
      const wanted = 'productIds' in body ? [...new Set(body.productIds)] : 'all';
      const batchId = await withTenant(deps.db, req.auth.tenantId, async (tx) => {
        const productIds = await pushableProductIds(tx, req.auth, wanted);
        // Every id must be the tenant's and not deleted: pushing a subset silently would hide a typo.
        if (wanted !== 'all' && productIds.length !== wanted.length) throw notFound(`${wanted.length - productIds.length} of the products were`);
        const active = await listTenantConnections(tx, req.auth, ['ACTIVE']);
        const id = await createBatch(tx, req.auth, { action: 'UPSERT', origin: 'api', productIds, connectionIds: active.map((c) => c.id) });
        if (productIds.length > 0) {
          for (const c of active) {
            await deps.queue.send(tx, 'push-bulk', { tenantId: req.auth.tenantId, connectionId: c.id, batchId: id }, { singletonKey: c.id });
          }
        }
        return id;
      });
      return reply.status(202).send({ status: 'queued' as const, batch_id: batchId });
    },
  );
};
