// What every authorization flow does once it holds credentials: store a PENDING
// connection with its credentials sealed, subscribe to the provider's webhooks,
// and show the result (a page with the connection id, or the tenant's redirect).
import { randomBytes } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import { insertConnection, setWebhookSubscriptions, type ConnectionRow } from '../../../db/connections.ts';
import type { OAuthStateRow } from '../../../db/oauthStates.ts';
import type { Deps } from '../../../deps.ts';
import { createConnectionContext, sealCredentials } from '../../../providers/connectionContext.ts';
import { ProviderError, type Connector, type Credentials } from '../../../providers/types.ts';
import { esc, Html, page } from '../../html.ts';
import { webhookCallbackUrl } from './urls.ts';

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** conn_ + 24 base62 chars (~142 bits). */
export function newConnectionId(): string {
  const bytes = randomBytes(24);
  let s = 'conn_';
  for (const b of bytes) s += BASE62[b % 62];
  return s;
}

export const failurePage = (title: string, detail: string) =>
  page(title, new Html(`<p>${esc(detail)}</p><p>Start again from the application that sent you here.</p>`));

/**
 * Inserts the PENDING connection, then subscribes to webhooks (network, no transaction
 * open). A failed subscription is logged, not fatal: reconciliation polls the provider.
 */
export async function createPendingConnection(
  deps: Deps,
  connector: Connector,
  state: OAuthStateRow,
  account: string,
  creds: Credentials,
  log: { info(o: object, m: string): void; warn(o: object, m: string): void },
): Promise<ConnectionRow> {
  const connectionId = newConnectionId();
  const row = await insertConnection(deps.db, {
    connectionId,
    tenantId: state.tenantId,
    orgId: state.orgId,
    provider: connector.facts.id,
    category: state.category,
    status: 'PENDING',
    account,
    credentials: sealCredentials(deps, { tenantId: state.tenantId, connectionId }, creds),
    accessExpiresAt: creds.accessExpiresAt ? new Date(creds.accessExpiresAt) : null,
  });
  try {
    const subs = await connector.subscribeWebhooks(createConnectionContext(deps, connector, row), webhookCallbackUrl(deps.config, connector, connectionId));
    await setWebhookSubscriptions(deps.db, row.id, subs);
  } catch (err) {
    log.warn({ connectionId, code: err instanceof ProviderError ? err.code : 'unknown' }, 'webhook subscription failed; relying on reconciliation');
  }
  log.info({ connectionId, provider: connector.facts.id, tenantId: state.tenantId }, 'connection authorized (PENDING)');
  return row;
}

/** The browser's landing after a successful authorization: the tenant's redirect, or Synq's page. */
export function sendConnected(reply: FastifyReply, state: OAuthStateRow, connector: Connector, connection: { connectionId: string; account: string }) {
  const result = { connection_id: connection.connectionId, provider: connector.facts.id, category: state.category };
  if (state.redirectUri) {
    const target = new URL(state.redirectUri);
    for (const [k, v] of Object.entries(result)) target.searchParams.set(k, v);
    return reply.redirect(target.toString(), 302);
  }
  return reply.send(
    page(
      'Connected',
      new Html(
        `<p>${esc(connector.facts.displayName)} store <strong>${esc(connection.account)}</strong> is connected.</p>
             <p>Connection id: <code id="connection-id">${esc(connection.connectionId)}</code></p>
             <p>Save it with <code>POST /api/v1/integrations/callback</code> to start syncing.</p>`,
      ),
    ),
  );
}
