import { Type } from '@sinclair/typebox';
import { withTenant } from '../../../db/client.ts';
import { listProducts as listProductRows } from '../../../db/products.ts';
import { productToJson } from '../../../domain/product.ts';
import type { RouteModule } from '../../app.ts';
import { badRequest } from '../../errors.ts';
import { errorResponses, tenantSecurity } from '../common.ts';
import { ProductJson } from './schemas.ts';

// The cursor is opaque to clients: base64url of "<created_at ISO>|<id>".
const encodeCursor = (c: { createdAt: Date; id: string }) => Buffer.from(`${c.createdAt.toISOString()}|${c.id}`).toString('base64url');
function decodeCursor(raw: string): { createdAt: Date; id: string } {
  const [iso, id] = Buffer.from(raw, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(iso ?? '');
  if (!id || Number.isNaN(createdAt.getTime()) || !/^[0-9a-f-]{36}$/.test(id)) throw badRequest('cursor is not valid');
  return { createdAt, id };
}

export const listProducts: RouteModule = (app, deps) => {
  app.get(
    '/api/v1/pim/products',
    {
      schema: {
        tags: ['pim'],
        summary: 'List products, oldest first, with keyset pagination',
        security: tenantSecurity,
        querystring: Type.Object({
          limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
          cursor: Type.Optional(Type.String({ maxLength: 200 })),
        }),
        response: {
          200: Type.Object({ products: Type.Array(ProductJson), limit: Type.Integer(), next_cursor: Type.Union([Type.String(), Type.Null()]) }),
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const after = req.query.cursor ? decodeCursor(req.query.cursor) : null;
      const page = await withTenant(deps.db, req.auth.tenantId, (tx) => listProductRows(tx, req.auth, req.query.limit, after));
      return { products: page.items.map(productToJson), limit: req.query.limit, next_cursor: page.next ? encodeCursor(page.next) : null };
    },
  );
};
