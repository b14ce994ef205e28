// GET /api/v1/integrations/keys/:provider/return: the browser's landing after a
// credential-post provider (WooCommerce) sent the keys server to server. The state
// it carries leads to the connection that POST created.
import { Type } from '@sinclair/typebox';
import { connectionByPublicId } from '../../../db/connections.ts';
import { consumeState, unexpiredState } from '../../../db/oauthStates.ts';
import type { RouteModule } from '../../app.ts';
import { failurePage as failure, sendConnected } from './pendingConnection.ts';

export const keyReturn: RouteModule = (app, deps) => {
  app.get(
    '/api/v1/integrations/keys/:provider/return',
    {
      schema: {
        tags: ['integrations'],
        summary: 'Browser return after a credential-post authorization (public; found by its state)',
        params: Type.Object({ provider: Type.String({ maxLength: 64 }) }),
        querystring: Type.Record(Type.String(), Type.Union([Type.String({ maxLength: 4096 }), Type.Array(Type.String({ maxLength: 4096 }))])),
      },
    },
    async (req, reply) => {
      reply.header('cache-control', 'no-store').type('text/html; charset=utf-8');
      const connector = deps.providers.get(req.params.provider);
      if (!connector || !connector.isConfigured() || connector.authorization.kind !== 'credential-post') {
        return reply.status(404).send(failure('Unknown provider', 'This provider is not configured.'));
      }
      let ret;
      try {
        ret = connector.authorization.parseReturn(req.query);
      } catch {
        return reply.status(400).send(failure('Could not read the response', 'The store sent the browser back without a valid request id.'));
      }
      if (!ret.approved) {
        // Denied: burn the state so a late POST cannot still create a connection.
        await consumeState(deps.db, ret.state);
        return reply.status(400).send(failure('Not connected', 'Access was not approved at the store.'));
      }
      const state = await unexpiredState(deps.db, ret.state);
      if (!state || state.provider !== connector.facts.id) return reply.status(400).send(failure('This link has expired', 'The authorization request was already used or has expired.'));
      const conn = state.connectionId === null ? null : await connectionByPublicId(deps.db, state.connectionId);
      if (!conn || conn.tenantId !== state.tenantId) {
        return reply.status(400).send(failure('Could not finish connecting', 'The store did not send the keys for this request.'));
      }
      return sendConnected(reply, state, connector, conn);
    },
  );
};
