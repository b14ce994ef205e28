// The browser comes back from an OAuth 2 provider here. Order matters: verify the
// provider's signature (no I/O), consume the state atomically (replays lose),
// exchange the code (network, no transaction open), then store the connection
// as PENDING with encrypted credentials and subscribe to the provider's webhooks.
import { Type } from '@sinclair/typebox';
import { consumeState } from '../../../db/oauthStates.ts';
import { ProviderError, type Credentials } from '../../../providers/types.ts';
import type { RouteModule } from '../../app.ts';
import { createPendingConnection, failurePage as failure, sendConnected } from './pendingConnection.ts';
import { callbackUrl } from './urls.ts';

export const oauthCallback: RouteModule = (app, deps) => {
  app.get(
    '/api/v1/integrations/oauth/:provider/callback',
    {
      schema: {
        tags: ['integrations'],
        summary: 'OAuth redirect target for providers (public; verified by provider signature and state)',
        params: Type.Object({ provider: Type.String({ maxLength: 64 }) }),
        querystring: Type.Record(Type.String(), Type.Union([Type.String({ maxLength: 4096 }), Type.Array(Type.String({ maxLength: 4096 }))])),
      },
    },
    async (req, reply) => {
      reply.header('cache-control', 'no-store').type('text/html; charset=utf-8');
      const connector = deps.providers.get(req.params.provider);
      if (!connector || !connector.isConfigured() || connector.authorization.kind !== 'oauth2') {
        return reply.status(404).send(failure('Unknown provider', 'This provider is not configured.'));
      }
      const auth = connector.authorization;
      let params;
      try {
        params = auth.parseCallback(req.query);
      } catch (err) {
        req.log.warn({ provider: connector.facts.id, reason: err instanceof Error ? err.message : 'invalid' }, 'oauth callback rejected');
        return reply.status(400).send(failure('Could not verify the response', 'The provider response could not be verified.'));
      }
      const state = await consumeState(deps.db, params.state);
      if (!state) return reply.status(400).send(failure('This link has expired', 'The authorization request was already used or has expired.'));
      // An account of '' (or null) was not asked for up front: the provider names it on the callback (QuickBooks' realmId).
      if (state.provider !== connector.facts.id || (state.account !== null && state.account !== '' && state.account !== params.account)) {
        return reply.status(400).send(failure('Account mismatch', 'The provider answered for a different account than the one requested.'));
      }
      let creds: Credentials;
      try {
        creds = await auth.exchangeCode(params.account, params.code, callbackUrl(deps.config, connector.facts.id), state.pkceVerifier ?? undefined);
      } catch (err) {
        const status = err instanceof ProviderError && err.retryable ? 502 : 400;
        req.log.warn({ provider: connector.facts.id, code: err instanceof ProviderError ? err.code : 'unknown' }, 'code exchange failed');
        return reply.status(status).send(failure('Could not finish connecting', 'The provider did not accept the authorization.'));
      }
      let account = params.account;
      if (auth.resolveAccount) {
        try {
          account = await auth.resolveAccount(creds);
        } catch (err) {
          const status = err instanceof ProviderError && err.retryable ? 502 : 400;
          req.log.warn({ provider: connector.facts.id, code: err instanceof ProviderError ? err.code : 'unknown' }, 'account lookup after the exchange failed');
          return reply.status(status).send(failure('Could not finish connecting', 'The provider did not say which account was authorized.'));
        }
      }
      const row = await createPendingConnection(deps, connector, state, account, creds, req.log);
      return sendConnected(reply, state, connector, row);
    },
  );
};
