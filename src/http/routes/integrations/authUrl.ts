import { Type } from '@sinclair/typebox';
import { insertState } from '../../../db/oauthStates.ts';
import { challengeS256, newState, newVerifier } from '../../../lib/pkce.ts';
import { ProviderError, type Category } from '../../../providers/types.ts';
import type { RouteModule } from '../../app.ts';
import { badRequest } from '../../errors.ts';
import { errorResponses, tenantSecurity } from '../common.ts';
import { checkRedirect, providerAuthorizeUrl } from './urls.ts';

const Body = Type.Object(
  {
    provider: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    category: Type.Optional(Type.Union([Type.Literal('commerce'), Type.Literal('accounting')])),
    shop: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    redirect_uri: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
  },
  { additionalProperties: false },
);

export const authUrl: RouteModule = (app, deps) => {
  app.post(
    '/api/v1/integrations/auth-url',
    {
      schema: {
        tags: ['integrations'],
        summary: "Start connecting a provider: Synq's connect page, or the provider's authorize URL directly",
        security: tenantSecurity,
        body: Body,
        response: { 200: Type.Object({ auth_url: Type.String() }), ...errorResponses },
      },
      // The body is optional: no body at all means "show me the connect page".
      preValidation: async (req) => {
        if (req.body === undefined || req.body === null) (req as { body: unknown }).body = {};
      },
    },
    async (req) => {
      const body = req.body;
      const redirectUri = body.redirect_uri ? checkRedirect(deps.config, body.redirect_uri) : null;
      const state = newState();
      let category: Category = body.category ?? 'commerce';
      let account: string | null = null;
      let authUrlValue = `${deps.config.publicUrl}/connect/${state}`;
      let verifier: string | null = null;
      if (body.provider !== undefined) {
        const connector = deps.providers.get(body.provider);
        if (!connector || !connector.isConfigured()) throw badRequest(`Provider "${body.provider}" is not available`);
        if (body.category === undefined) category = connector.facts.categories[0]!;
        if (!connector.facts.categories.includes(category)) throw badRequest(`Provider "${body.provider}" is not a ${category} provider`);
        if (connector.facts.accountPrompt) {
          const field = connector.facts.accountPrompt.field;
          if (!body.shop) throw badRequest(`${field} is required for ${body.provider}`);
          account = connector.normalizeAccount(body.shop);
          if (!account) throw badRequest(`${field} is not a valid ${connector.facts.displayName} ${connector.facts.accountPrompt.label.toLowerCase()}`);
          try {
            // Before any request goes to a tenant-supplied address (a store URL's resolved addresses).
            await connector.verifyAccount(account);
          } catch (err) {
            if (err instanceof ProviderError) throw badRequest(`${field}: ${err.message}`);
            throw err;
          }
        } else {
          // Nothing to ask (Xero: the organisation is picked on the provider's consent page).
          account = '';
        }
        verifier = connector.authorization.kind === 'oauth2' && connector.facts.supportsPkce ? newVerifier() : null;
        authUrlValue = providerAuthorizeUrl(deps.config, connector, account, state, verifier ? challengeS256(verifier) : null);
      } else if (body.shop !== undefined) {
        throw badRequest('shop needs a provider');
      }
      await insertState(deps.db, state, {
        tenantId: req.auth.tenantId,
        orgId: req.auth.orgId,
        userSub: req.auth.sub,
        provider: body.provider ?? null,
        category,
        account,
        redirectUri,
        pkceVerifier: verifier,
      });
      return { auth_url: authUrlValue };
    },
  );
};
