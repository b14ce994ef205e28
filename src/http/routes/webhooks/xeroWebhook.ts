import { Type } from '@sinclair/typebox';
import type { RouteModule } from '../../app.ts';
import { ErrorBody } from '../common.ts';
import { ingestProviderWebhook } from './ingest.ts';
import { rawBodyOf, withRawBody } from './rawBody.ts';

/**
 * Xero's webhook URL, one per app. Xero wants a 200 with no body and no cookies within 5 s
 * (developer.xero.com/documentation/webhooks/configuring-your-server), so the outcome
 * (stored event ids or "ignored") is logged, not returned. The Intent to Receive check (a correctly signed delivery
 * with no events, then a wrongly signed one) is answered 200 and 401 by the same path as real
 * deliveries, well inside Xero's 5 s: nothing is stored for an empty batch. An organisation
 * without an ACTIVE connection gets 200 "ignored": Xero disables a webhook whose deliveries
 * keep failing, which would silence every other organisation too.
 */
export const xeroWebhook: RouteModule = (app, deps) => {
  withRawBody(app, (scope) => {
    scope.post(
      '/unified/webhook/xero',
      {
        schema: {
          tags: ['webhooks'],
          summary: 'Receive a Xero webhook (x-xero-signature over the raw body with the webhook key; Intent to Receive included)',
          response: {
            200: Type.String({ maxLength: 0, description: 'Empty, as Xero requires' }),
            400: ErrorBody,
            401: ErrorBody,
            413: ErrorBody,
          },
        },
      },
      async (req, reply) => {
        const result = await ingestProviderWebhook(deps, 'xero', { rawBody: rawBodyOf(req), headers: req.headers });
        req.log.debug({ provider: 'xero', ...result }, 'xero webhook');
        return reply.code(200).send('');
      },
    );
  });
};
