import { Type } from '@sinclair/typebox';
import type { RouteModule } from '../../app.ts';
import { ErrorBody } from '../common.ts';
import { ingestProviderWebhook } from './ingest.ts';
import { rawBodyOf, withRawBody } from './rawBody.ts';

/**
 * QuickBooks Online webhooks (intuit-signature over the raw body with the app's verifier
 * token). One delivery batches entity changes of several companies; each change is stored
 * once per ACTIVE connection on its realmId. A company without one gets 200 "ignored":
 * Intuit retries non-2xx deliveries (20, 30 and 50 minutes apart, then drops them) and a
 * retry cannot make a connection appear.
 */
export const quickbooksWebhook: RouteModule = (app, deps) => {
  withRawBody(app, (scope) => {
    scope.post(
      '/unified/webhook/quickbooks',
      {
        schema: {
          tags: ['webhooks'],
          summary: 'Receive a QuickBooks Online webhook (intuit-signature: base64 HMAC-SHA256 of the raw body with the verifier token)',
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
      async (req) => ingestProviderWebhook(deps, 'quickbooks', { rawBody: rawBodyOf(req), headers: req.headers }),
    );
  });
};
