import { Type } from '@sinclair/typebox';
import { buildCatalog, scheduleCatalogBuild } from '../../../catalog/build.ts';
import { FEED_FORMATS } from '../../../catalog/formats.ts';
import { feedLink } from '../../../catalog/links.ts';
import { catalogServices } from '../../../catalog/services.ts';
import { withTenant } from '../../../db/client.ts';
import { countListedProducts, referenceCurrentVersion } from '../../../db/catalogFeeds.ts';
import type { RouteModule } from '../../app.ts';
import { ApiError } from '../../errors.ts';
import { errorResponses, tenantSecurity } from '../common.ts';

// A first build of up to this many products runs inside the request (a few seconds at
// most); larger catalogs get 503 + Retry-After while the worker builds them.
export const INLINE_BUILD_MAX_PRODUCTS = 5_000;
const RETRY_AFTER_SECONDS = '30';

const Query = Type.Object(
  { format: Type.Optional(Type.Union(FEED_FORMATS.map((f) => Type.Literal(f)), { default: 'jsonld' })) },
  { additionalProperties: true },
);

export const getCatalogFeed: RouteModule = (app, deps) => {
  app.get(
    '/api/v1/ucp/catalog.json',
    {
      schema: {
        tags: ['ucp'],
        summary: 'Redirect (302) to a signed, static file with the whole catalog: ?format=jsonld (schema.org), acp, merchant',
        security: tenantSecurity,
        querystring: Query,
        response: { 302: Type.Null(), ...errorResponses, 503: errorResponses[400] },
      },
    },
    async (req, reply) => {
      const format = req.query.format ?? 'jsonld';
      const tenantId = req.auth.tenantId;
      const { signer } = catalogServices(deps.config);
      const exp = signer.expiryFor(Date.now(), deps.config.feed.urlTtlSeconds);
      const current = () => withTenant(deps.db, tenantId, (tx) => referenceCurrentVersion(tx, tenantId, format, new Date(exp * 1000)));

      let v = await current();
      if (!v) {
        const products = await withTenant(deps.db, tenantId, (tx) => countListedProducts(tx, tenantId, req.auth.orgId));
        if (products <= INLINE_BUILD_MAX_PRODUCTS) {
          // "busy": another request or the worker is building this tenant right now.
          if ((await buildCatalog(deps, tenantId)).status === 'built') v = await current();
        } else {
          await withTenant(deps.db, tenantId, (tx) => scheduleCatalogBuild(deps, tx, tenantId, { delaySeconds: 0 }));
        }
      }
      if (!v) throw new ApiError('UNAVAILABLE', 'The catalog feed is being built; retry shortly', { 'retry-after': RETRY_AFTER_SECONDS });
      const location = await feedLink(deps.config, tenantId, format, v, exp);
      return reply.header('cache-control', 'no-store').redirect(location, 302);
    },
  );
};
