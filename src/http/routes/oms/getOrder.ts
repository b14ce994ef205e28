import { withTenant } from '../../../db/client.ts';
import { getOrder as getOrderRow } from '../../../db/orders.ts';
import { orderToJson } from '../../../domain/order.ts';
import type { RouteModule } from '../../app.ts';
import { notFound } from '../../errors.ts';
import { errorResponses, IdParams, tenantSecurity } from '../common.ts';
import { OrderJson } from './schemas.ts';

export const getOrder: RouteModule = (app, deps) => {
  app.get(
    '/api/v1/oms/orders/:id',
    { schema: { tags: ['oms'], summary: 'Get one order', security: tenantSecurity, params: IdParams, response: { 200: OrderJson, ...errorResponses } } },
    async (req) => {
      const order = await withTenant(deps.db, req.auth.tenantId, (tx) => getOrderRow(tx, req.auth, req.params.id));
      if (!order) throw notFound('Order');
      return orderToJson(order);
    },
  );
};
