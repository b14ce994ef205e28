import { Type } from '@sinclair/typebox';
import { scheduleCatalogBuild } from '../../../catalog/build.ts';
import { withTenant } from '../../../db/client.ts';
import { saveStoreSettings } from '../../../db/catalogFeeds.ts';
import type { RouteModule } from '../../app.ts';
import { errorResponses, tenantSecurity } from '../common.ts';

// The schema.org MerchantReturnPolicy properties Google reads; published as given.
const ReturnPolicy = Type.Object(
  {
    applicableCountry: Type.Array(Type.String({ pattern: '^[A-Z]{2}$' }), { minItems: 1, maxItems: 250 }),
    returnPolicyCategory: Type.Union([
      Type.Literal('https://schema.org/MerchantReturnFiniteReturnWindow'),
      Type.Literal('https://schema.org/MerchantReturnNotPermitted'),
      Type.Literal('https://schema.org/MerchantReturnUnlimitedWindow'),
    ]),
    merchantReturnDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 3650 })),
    returnMethod: Type.Optional(Type.Union([Type.Literal('https://schema.org/ReturnByMail'), Type.Literal('https://schema.org/ReturnInStore'), Type.Literal('https://schema.org/ReturnAtKiosk')])),
    returnFees: Type.Optional(Type.Union([Type.Literal('https://schema.org/FreeReturn'), Type.Literal('https://schema.org/ReturnFeesCustomerResponsibility'), Type.Literal('https://schema.org/ReturnShippingFees')])),
    merchantReturnLink: Type.Optional(Type.String({ format: 'uri', pattern: '^https?://', maxLength: 2048 })),
  },
  { additionalProperties: false },
);

const Body = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 255 }),
    url: Type.String({ format: 'uri', pattern: '^https?://', maxLength: 2048 }),
    return_policy: Type.Optional(Type.Union([ReturnPolicy, Type.Null()])),
  },
  { additionalProperties: false },
);

export const putCatalogStore: RouteModule = (app, deps) => {
  app.put(
    '/api/v1/ucp/store',
    {
      schema: {
        tags: ['ucp'],
        summary: 'Set the store the catalog feed publishes: name, storefront URL (base of every product URL and @id), return policy',
        security: tenantSecurity,
        body: Body,
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (req, reply) => {
      const b = req.body;
      await withTenant(deps.db, req.auth.tenantId, async (tx) => {
        await saveStoreSettings(tx, req.auth.tenantId, req.auth.orgId, { storeName: b.name, storeUrl: b.url.replace(/\/+$/, ''), returnPolicy: b.return_policy ?? null });
        await scheduleCatalogBuild(deps, tx, req.auth.tenantId);
      });
      return reply.status(204).send(null);
    },
  );
};
