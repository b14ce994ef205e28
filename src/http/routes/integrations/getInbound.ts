// GET /api/v1/integrations/connections/:id/inbound: where and how the tenant forwards a
// connection's events (Amazon: the EventBridge API destination's URL and header). The secret
// is never in this answer (any role may read it, VIEWER included); only a hint to tell which
// secret is configured. POST …/inbound/secret issues one and shows it once.
import type { RouteModule } from '../../app.ts';
import { errorResponses, tenantSecurity } from '../common.ts';
import { ConnectionRef, forwardingTarget, InboundJson, inboundJson } from './inboundForwarding.ts';

export const getInbound: RouteModule = (app, deps) => {
  app.get(
    '/api/v1/integrations/connections/:id/inbound',
    {
      schema: {
        tags: ['integrations'],
        summary: "Where to forward a connection's events (URL and secret header) when the tenant configures the sender (Amazon EventBridge)",
        security: tenantSecurity,
        params: ConnectionRef,
        response: { 200: InboundJson, ...errorResponses },
      },
    },
    async (req) => inboundJson(deps, await forwardingTarget(deps, req.auth, req.params.id)),
  );
};
