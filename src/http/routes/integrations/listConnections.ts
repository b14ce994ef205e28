import { Type } from '@sinclair/typebox';
import { withTenant } from '../../../db/client.ts';
import { connectionToJson, listTenantConnections } from '../../../db/connections.ts';
import type { RouteModule } from '../../app.ts';
import { errorResponses, tenantSecurity } from '../common.ts';
import { ConnectionJson } from './schemas.ts';

export const listConnections: RouteModule = (app, deps) => {
  app.get(
    '/api/v1/integrations/connections',
    {
      schema: {
        tags: ['integrations'],
        summary: 'List connections (ACTIVE by default; ?status=all for every state)',
        security: tenantSecurity,
        querystring: Type.Object({
          status: Type.Optional(
            Type.Union(['all', 'PENDING', 'ACTIVE', 'ERROR', 'REAUTH_REQUIRED', 'DISCONNECTED'].map((s) => Type.Literal(s))),
          ),
        }),
        response: { 200: Type.Object({ connections: Type.Array(ConnectionJson) }), ...errorResponses },
      },
    },
    async (req) => {
      const s = req.query.status ?? 'ACTIVE';
      const filter = s === 'all' ? 'all' : [s as 'PENDING' | 'ACTIVE' | 'ERROR' | 'REAUTH_REQUIRED' | 'DISCONNECTED'];
      const rows = await withTenant(deps.db, req.auth.tenantId, (tx) => listTenantConnections(tx, req.auth, filter));
      return { connections: rows.map(connectionToJson) };
    },
  );
};
