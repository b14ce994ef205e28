// POST /unified/webhook/<provider>/:connectionId: webhooks of providers that sign each
// subscription with a secret Synq chose for the connection ('connection-secret':
// WooCommerce, Amazon's forwarded notifications). The URL names the connection; its stored
// secret verifies the raw bytes before anything is parsed. The provider's unsigned creation
// ping is answered 200 and stored nowhere. Registered once per such row of the provider
// table (providerWebhooks.ts).
import { Type } from '@sinclair/typebox';
import { connectionByPublicId } from '../../../db/connections.ts';
import { isLive } from '../../../domain/connectionLifecycle.ts';
import { openCredentials } from '../../../providers/connectionContext.ts';
import type { ProviderModule } from '../../../providers/descriptor.ts';
import { ProviderError, type InboundEvent } from '../../../providers/types.ts';
import type { RouteModule } from '../../app.ts';
import { badRequest, notFound, unauthorized } from '../../errors.ts';
import { ErrorBody } from '../common.ts';
import { sha256Hex, storeEvent } from './ingest.ts';
import { decodeUtf8, rawBodyOf, withRawBody } from './rawBody.ts';

/**
 * A known connection that is not ACTIVE (PENDING until the tenant saves it, or
 * disconnected) gets 200 "ignored" once the signature checks out: WooCommerce disables a
 * webhook after more than 5 consecutive non-2xx deliveries, which would silence the
 * connection for good once it is saved.
 */
export const connectionWebhook = (module: ProviderModule): RouteModule => (app, deps) => {
  const provider = module.id;
  withRawBody(app, (scope) => {
    scope.post(
      `/unified/webhook/${provider}/:connectionId`,
      {
        schema: {
          tags: ['webhooks'],
          summary: module.webhook.summary,
          params: Type.Object({
            connectionId: Type.String({ maxLength: 64, pattern: '^conn_[A-Za-z0-9]+$' }),
          }),
          response: {
            200: Type.Union([
              Type.Object({ status: Type.Literal('accepted'), event_id: Type.String() }),
              Type.Object({ status: Type.Literal('ignored') }),
            ]),
            400: ErrorBody,
            401: ErrorBody,
            404: ErrorBody,
            413: ErrorBody,
          },
        },
      },
      async (req) => {
        const { connectionId } = req.params;
        const connector = deps.providers.get(provider);
        if (!connector) throw notFound('Webhook route');
        const raw = rawBodyOf(req);
        if (connector.isWebhookPing(raw, req.headers)) return { status: 'ignored' as const };

        const conn = await connectionByPublicId(deps.db, connectionId);
        if (!conn || conn.provider !== connector.facts.id) throw notFound('Connection');
        if (!connector.verifyWebhook(raw, req.headers, openCredentials(deps, conn))) {
          deps.metrics.webhookVerified(provider, 'invalid');
          throw unauthorized('Invalid webhook signature');
        }
        deps.metrics.webhookVerified(provider, 'ok');
        // Signed with this connection's secret yet naming another store: refuse rather than guess.
        const account = connector.webhookAccount(req.headers);
        if (account !== null && account !== conn.account) throw badRequest('Webhook source does not match the connection');
        if (!isLive(conn.status)) return { status: 'ignored' as const };

        const text = decodeUtf8(raw);
        if (text === null) throw badRequest('Webhook body is not valid UTF-8 text');
        let inbound: InboundEvent;
        try {
          inbound = connector.normalizeWebhook(raw, req.headers);
        } catch (err) {
          if (err instanceof ProviderError) throw badRequest(err.message);
          throw err;
        }
        const providerEventId = inbound.providerEventId !== null && inbound.providerEventId.length <= 255 ? inbound.providerEventId : null;
        const stored = await storeEvent(deps, conn, { source: provider, event: inbound.event, dedupeKey: providerEventId ?? sha256Hex(raw), rawBody: text });
        if (stored === null) return { status: 'ignored' as const };
        return { status: 'accepted' as const, event_id: stored.eventId };
      },
    );
  });
};
