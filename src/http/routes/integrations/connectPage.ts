// Synq's hosted connect page: lists the configured providers and asks for the
// account (a Shopify shop domain) before handing the browser to the provider.
import { Type } from '@sinclair/typebox';
import { chooseProvider, liveState } from '../../../db/oauthStates.ts';
import { challengeS256, newVerifier } from '../../../lib/pkce.ts';
import { ProviderError, type Connector } from '../../../providers/types.ts';
import type { App, RouteModule } from '../../app.ts';
import { esc, Html, page } from '../../html.ts';
import { providerAuthorizeUrl } from './urls.ts';

const Params = Type.Object({ state: Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' }) });
const FormBody = Type.Object({ provider: Type.String({ maxLength: 64 }), account: Type.Optional(Type.String({ maxLength: 255 })) });

function providerForm(state: string, c: Connector, error?: string): string {
  const prompt = c.facts.accountPrompt;
  const field = prompt
    ? `<label for="account-${esc(c.facts.id)}">${esc(prompt.label)}</label>
       <input id="account-${esc(c.facts.id)}" name="account" required placeholder="${esc(prompt.placeholder)}" autocomplete="off">`
    : '';
  return `<form method="post" action="/connect/${esc(state)}">
    <h2>${esc(c.facts.displayName)}</h2>${error ? `<p role="alert" style="color:#b00020">${esc(error)}</p>` : ''}
    <input type="hidden" name="provider" value="${esc(c.facts.id)}">${field}
    <button type="submit" id="connect-${esc(c.facts.id)}">Connect ${esc(c.facts.displayName)}</button></form>`;
}

function renderChooser(state: string, providers: Connector[], error?: { provider: string; message: string }): string {
  const forms = providers.map((c) => providerForm(state, c, error?.provider === c.facts.id ? error.message : undefined)).join('');
  return page(
    'Connect a store or accounting system',
    new Html(providers.length ? forms : '<p>No providers are configured on this Synq server yet.</p>'),
  );
}

const expired = () => page('This link has expired', new Html('<p>Start again from the application that sent you here.</p>'));

export const connectPage: RouteModule = (app, deps) => {
  app.register(async (scopeRaw) => {
    const scope = scopeRaw as unknown as App;
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 16 * 1024 }, (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(String(body))));
    });

    scope.get('/connect/:state', { schema: { tags: ['connect'], summary: 'Hosted connect page', params: Params } }, async (req, reply) => {
      reply.header('cache-control', 'no-store').header('x-frame-options', 'DENY').type('text/html; charset=utf-8');
      const state = await liveState(deps.db, req.params.state);
      const providers = deps.providers
        .configured()
        .filter((c) => !state?.provider || c.facts.id === state.provider)
        .filter((c) => !state || c.facts.categories.includes(state.category as 'commerce' | 'accounting'));
      if (!state) return reply.status(400).send(expired());
      return reply.send(renderChooser(req.params.state, providers));
    });

    scope.post(
      '/connect/:state',
      { schema: { tags: ['connect'], summary: 'Submit the connect form', params: Params, body: FormBody } },
      async (req, reply) => {
        reply.header('cache-control', 'no-store').type('text/html; charset=utf-8');
        const state = await liveState(deps.db, req.params.state);
        if (!state) return reply.status(400).send(expired());
        const connector = deps.providers.get(req.body.provider);
        if (!connector || !connector.isConfigured() || (state.provider && state.provider !== connector.facts.id)) {
          return reply.status(400).send(page('Unknown provider', new Html('<p>That provider is not available.</p>')));
        }
        const account = connector.facts.accountPrompt ? connector.normalizeAccount(req.body.account ?? '') : '';
        if (account === null) {
          const message = `Enter a valid ${connector.facts.accountPrompt?.label.toLowerCase() ?? 'account'}, e.g. ${connector.facts.accountPrompt?.placeholder ?? ''}`;
          return reply.status(400).send(renderChooser(req.params.state, [connector], { provider: connector.facts.id, message }));
        }
        if (connector.facts.accountPrompt) {
          try {
            await connector.verifyAccount(account);
          } catch (err) {
            if (!(err instanceof ProviderError)) throw err;
            return reply.status(400).send(renderChooser(req.params.state, [connector], { provider: connector.facts.id, message: err.message }));
          }
        }
        const verifier = connector.authorization.kind === 'oauth2' && connector.facts.supportsPkce ? newVerifier() : null;
        if (!(await chooseProvider(deps.db, req.params.state, connector.facts.id, account, verifier))) return reply.status(400).send(expired());
        const url = providerAuthorizeUrl(deps.config, connector, account, req.params.state, verifier ? challengeS256(verifier) : null);
        return reply.redirect(url, 302);
      },
    );
  });
};
