// The browser comes back from the provider here. Order matters: verify the
// provider's signature (no I/O), consume the state atomically (replays lose),
// exchange the code (network, no transaction open), then store the connection
// as PENDING with encrypted credentials and subscribe to the provider's webhooks.
import { randomBytes } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { insertConnection, setWebhookSubscriptions } from '../../../db/connections.ts';
import { consumeState } from '../../../db/oauthStates.ts';
import { createConnectionContext, sealCredentials } from '../../../providers/connectionContext.ts';
import { ProviderError, type Credentials } from '../../../providers/types.ts';
import type { RouteModule } from '../../app.ts';
import { esc, Html, page } from '../../html.ts';
import { callbackUrl } from './urls.ts';

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** conn_ + 24 base62 chars (~142 bits). */
export function newConnectionId(): string {
  const bytes = randomBytes(24);
  let s = 'conn_';
  for (const b of bytes) s += BASE62[b % 62];
  return s;
}

const failure = (title: string, detail: string) => page(title, new Html(`<p>${esc(detail)}</p><p>Start again from the application that sent you here.</p>`));

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
      if (!connector || !connector.isConfigured()) return reply.status(404).send(failure('Unknown provider', 'This provider is not configured.'));
      let params;
      try {
        params = connector.parseCallback(req.query);
      } catch (err) {
        req.log.warn({ provider: connector.facts.id, reason: err instanceof Error ? err.message : 'invalid' }, 'oauth callback rejected');
        return reply.status(400).send(failure('Could not verify the response', 'The provider response could not be verified.'));
      }
      const state = await consumeState(deps.db, params.state);
      if (!state) return reply.status(400).send(failure('This link has expired', 'The authorization request was already used or has expired.'));
      if (state.provider !== connector.facts.id || (state.account !== null && state.account !== params.account)) {
        return reply.status(400).send(failure('Account mismatch', 'The provider answered for a different account than the one requested.'));
      }
      let creds: Credentials;
      try {
        creds = await connector.exchangeCode(params.account, params.code, callbackUrl(deps.config, connector.facts.id), state.pkceVerifier ?? undefined);
      } catch (err) {
        const status = err instanceof ProviderError && err.retryable ? 502 : 400;
        req.log.warn({ provider: connector.facts.id, code: err instanceof ProviderError ? err.code : 'unknown' }, 'code exchange failed');
        return reply.status(status).send(failure('Could not finish connecting', 'The provider did not accept the authorization.'));
      }
      const connectionId = newConnectionId();
      const row = await insertConnection(deps.db, {
        connectionId,
        tenantId: state.tenantId,
        orgId: state.orgId,
        provider: connector.facts.id,
        category: state.category,
        status: 'PENDING',
        account: params.account,
        credentials: sealCredentials(deps, { tenantId: state.tenantId, connectionId }, creds),
        accessExpiresAt: creds.accessExpiresAt ? new Date(creds.accessExpiresAt) : null,
      });
      try {
        const subs = await connector.subscribeWebhooks(
          createConnectionContext(deps, connector, row),
          `${deps.config.publicUrl}/unified/webhook/${connector.facts.id}`,
        );
        await setWebhookSubscriptions(deps.db, row.id, subs);
      } catch (err) {
        // The connection still works without webhooks: reconciliation polls. Say so in the log.
        req.log.warn({ connectionId, code: err instanceof ProviderError ? err.code : 'unknown' }, 'webhook subscription failed; relying on reconciliation');
      }
      req.log.info({ connectionId, provider: connector.facts.id, tenantId: state.tenantId }, 'connection authorized (PENDING)');
      const result = { connection_id: connectionId, provider: connector.facts.id, category: state.category };
      if (state.redirectUri) {
        const target = new URL(state.redirectUri);
        for (const [k, v] of Object.entries(result)) target.searchParams.set(k, v);
        return reply.redirect(target.toString(), 302);
      }
      return reply.send(
        page(
          'Connected',
          new Html(
            `<p>${esc(connector.facts.displayName)} store <strong>${esc(params.account)}</strong> is connected.</p>
             <p>Connection id: <code id="connection-id">${esc(connectionId)}</code></p>
             <p>Save it with <code>POST /api/v1/integrations/callback</code> to start syncing.</p>`,
          ),
        ),
      );
    },
  );
};
