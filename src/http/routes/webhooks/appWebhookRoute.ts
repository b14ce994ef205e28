import { Type } from '@sinclair/typebox';
import type { ProviderId } from '../../../providers/types.ts';
import type { RouteModule } from '../../app.ts';
import { ErrorBody } from '../common.ts';
import { ingestProviderWebhook } from './ingest.ts';
import { rawBodyOf, withRawBody } from './rawBody.ts';

/**
 * `POST /unified/webhook/<provider>` for providers that sign deliveries with an
 * app-wide secret and name the account inside the delivery. The answer is JSON:
 * the stored event ids, or "ignored" when no ACTIVE connection matches.
 */
export function appWebhookRoute(provider: ProviderId, summary: string): RouteModule {
  return (app, deps) => {
    withRawBody(app, (scope) => {
      scope.post(
        `/unified/webhook/${provider}`,
        {
          schema: {
            tags: ['webhooks'],
            summary,
            response: {
              200: Type.Union([
                Type.Object({ status: Type.Literal('accepted'), event_ids: Type.Array(Type.String()) }),
                Type.Object({ status: Type.Literal('ignored') }),
              ]),
              400: ErrorBody,
              401: ErrorBody,
              413: ErrorBody,
            },
          },
        },
        async (req) => ingestProviderWebhook(deps, provider, { rawBody: rawBodyOf(req), headers: req.headers }),
      );
    });
  };
}
