// POST /unified/webhook/<provider>: webhooks of providers that sign every delivery with an
// app-wide secret and name the account inside it ('app-secret': Shopify, Xero, QuickBooks).
// Registered once per such row of the provider table (providerWebhooks.ts).
import { Type } from '@sinclair/typebox';
import type { ProviderModule } from '../../../providers/descriptor.ts';
import type { RouteModule } from '../../app.ts';
import { ErrorBody } from '../common.ts';
import { ingestProviderWebhook } from './ingest.ts';
import { rawBodyOf, withRawBody } from './rawBody.ts';

const errors = { 400: ErrorBody, 401: ErrorBody, 413: ErrorBody };

/**
 * The answer is the stored event ids, or "ignored" when no ACTIVE connection matches;
 * providers whose sender wants no body (`webhook.reply: 'empty'`, Xero) get an empty 200 and
 * the outcome is logged instead.
 */
export function appWebhook(provider: ProviderModule): RouteModule {
  const url = `/unified/webhook/${provider.id}`;
  const tags = ['webhooks'];
  return (app, deps) => {
    withRawBody(app, (scope) => {
      if (provider.webhook.reply === 'empty') {
        scope.post(
          url,
          { schema: { tags, summary: provider.webhook.summary, response: { 200: Type.String({ maxLength: 0, description: 'Empty, as the provider requires' }), ...errors } } },
          async (req, reply) => {
            const result = await ingestProviderWebhook(deps, provider.id, { rawBody: rawBodyOf(req), headers: req.headers });
            req.log.debug({ provider: provider.id, ...result }, 'provider webhook');
            return reply.code(200).send('');
          },
        );
        return;
      }
      scope.post(
        url,
        {
          schema: {
            tags,
            summary: provider.webhook.summary,
            response: {
              200: Type.Union([
                Type.Object({ status: Type.Literal('accepted'), event_ids: Type.Array(Type.String()) }),
                Type.Object({ status: Type.Literal('ignored') }),
              ]),
              ...errors,
            },
          },
        },
        async (req) => ingestProviderWebhook(deps, provider.id, { rawBody: rawBodyOf(req), headers: req.headers }),
      );
    });
  };
}
