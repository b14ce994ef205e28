// Every provider's webhook route, from the provider table: the route style follows who
// signs the deliveries (facts.webhookSigning), the answer follows the descriptor's ingress.
import type { RouteModule } from '../../app.ts';
import { appWebhook } from './appWebhook.ts';
import { connectionWebhook } from './connectionWebhook.ts';

export const providerWebhooks: RouteModule = (app, deps) => {
  for (const provider of deps.providers.modules()) {
    const route = provider.facts.webhookSigning === 'app-secret' ? appWebhook(provider) : connectionWebhook(provider);
    route(app, deps);
  }
};
