import { Type } from '@sinclair/typebox';
import { withTenant } from '../../../db/client.ts';
import { listOrders as listOrderRows } from '../../../db/orders.ts';
import { orderToJson } from '../../../domain/order.ts';
import type { RouteModule } from '../../app.ts';
import { errorResponses, tenantSecurity } from '../common.ts';
import { OrderJson } from './schemas.ts';

export const listOrders: RouteModule = (app, deps) => {
  app.get(
    '/api/v1/oms/orders',
    {
      schema: {
        tags: ['oms'],
        summary: 'List orders received from connected stores and accounting systems, newest first',
        security: tenantSecurity,
        querystring: Type.Object({
          limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
          // Offset paging scans what it skips; 1e6 bounds the worst query.
          offset: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 }),
        }),
        response: {
          200: Type.Object({ orders: Type.Array(OrderJson), limit: Type.Integer(), offset: Type.Integer() }),
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const { limit, offset } = req.query;
      const rows = await withTenant(deps.db, req.auth.tenantId, (tx) => listOrderRows(tx, req.auth, limit, offset));
      return { orders: rows.map(orderToJson), limit, offset };
    },
  );
};
