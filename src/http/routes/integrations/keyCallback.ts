// POST /api/v1/integrations/keys/:provider/callback: a credential-post provider
// (WooCommerce's app key flow) sends the keys here, server to server, before it
// returns the browser. The body is untrusted input: size-limited before it is
// parsed, validated by the connector, and bound to a live single-use state it
// must name. The store aborts unless the answer is exactly 200.
import { Type } from '@sinclair/typebox';
import { bindConnection, consumeState } from '../../../db/oauthStates.ts';
import { ProviderError } from '../../../providers/types.ts';
import type { RouteModule } from '../../app.ts';
import { badRequest, notFound } from '../../errors.ts';
import { ErrorBody } from '../common.ts';
import { createPendingConnection } from './pendingConnection.ts';

/** Route-level cap; a connector's own maxPostBytes may be lower (checked against Content-Length too). */
const MAX_BODY = 16 * 1024;

export const keyCallback: RouteModule = (app, deps) => {
  app.post(
    '/api/v1/integrations/keys/:provider/callback',
    {
      bodyLimit: MAX_BODY,
      schema: {
        tags: ['integrations'],
        summary: 'Credential POST from a provider (public; bound to a single-use state it names)',
        params: Type.Object({ provider: Type.String({ maxLength: 64 }) }),
        body: Type.Unknown(),
        response: { 200: Type.Object({ status: Type.Literal('ok') }), 400: ErrorBody, 404: ErrorBody, 413: ErrorBody },
      },
    },
    async (req) => {
      const connector = deps.providers.get(req.params.provider);
      if (!connector || !connector.isConfigured() || connector.authorization.kind !== 'credential-post') throw notFound('Provider');
      const auth = connector.authorization;
      const length = Number(req.headers['content-length'] ?? 0);
      if (length > auth.maxPostBytes) throw badRequest('Body too large');
      let parsed;
      try {
        parsed = auth.parseCredentialPost(req.body);
      } catch (err) {
        if (err instanceof ProviderError) {
          req.log.warn({ provider: connector.facts.id, reason: err.message }, 'credential post rejected');
          throw badRequest('Invalid credential post');
        }
        throw err;
      }
      // Single use: a replayed or guessed POST finds the state consumed (or never issued).
      const state = await consumeState(deps.db, parsed.state);
      if (!state || state.provider !== connector.facts.id || state.account === null) throw badRequest('Unknown or expired authorization request');
      const row = await createPendingConnection(deps, connector, state, state.account, parsed.credentials, req.log);
      await bindConnection(deps.db, parsed.state, row.connectionId);
      return { status: 'ok' as const };
    },
  );
};
