import { Type } from '@sinclair/typebox';
import type { RouteModule } from '../../app.ts';
import { ErrorBody } from '../common.ts';
import { ingestProviderWebhook } from './ingest.ts';
import { rawBodyOf, withRawBody } from './rawBody.ts';

/**
 * A shop without an ACTIVE connection (uninstalled, disconnected, mid-connect) gets
 * 200 "ignored", not 4xx: the signature proves Shopify sent it, and retrying cannot
 * make a connection appear. Shopify retries a non-2xx delivery 8 times over 4 hours
 * (shopify.dev changelog "Updates to webhook retry mechanism", 2024-09; it was 19 times
 * over 48 hours before) and deletes an Admin-API subscription after repeated failures,
 * which would also silence the shop once it reconnects.
 */
export const shopifyWebhook: RouteModule = (app, deps) => {
  withRawBody(app, (scope) => {
    scope.post(
      '/unified/webhook/shopify',
      {
        schema: {
          tags: ['webhooks'],
          summary: 'Receive a Shopify webhook (X-Shopify-Hmac-Sha256 over the raw body with the app secret)',
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
      async (req) => ingestProviderWebhook(deps, 'shopify', { rawBody: rawBodyOf(req), headers: req.headers }),
    );
  });
};
