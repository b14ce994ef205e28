// What getInbound.ts and rotateInboundSecret.ts share: the connection (tenant-scoped), the
// provider row that says the tenant forwards its events (descriptor `tenantForwarding`), and
// the JSON that tells the tenant where to send them. The secret itself is only ever in the
// rotation's answer.
import { Type } from '@sinclair/typebox';
import { withTenant } from '../../../db/client.ts';
import { tenantConnectionById, tenantConnectionByPublicId, type ConnectionRow } from '../../../db/connections.ts';
import type { Deps } from '../../../deps.ts';
import type { ProviderModule } from '../../../providers/descriptor.ts';
import { openCredentials } from '../../../providers/connectionContext.ts';
import type { Credentials } from '../../../providers/types.ts';
import { isUuid, type AuthContext } from '../../auth.ts';
import { ApiError, notFound } from '../../errors.ts';
import { webhookCallbackUrl } from './urls.ts';

export const ConnectionRef = Type.Object({ id: Type.String({ pattern: '^([0-9a-fA-F-]{36}|conn_[A-Za-z0-9]{1,64})$' }) });

export const InboundJson = Type.Object({
  connection_id: Type.String(),
  provider: Type.String(),
  method: Type.Literal('POST'),
  url: Type.String({ description: "Where the sender POSTs the connection's events" }),
  header: Type.String({ description: "The request header that must carry the connection's secret" }),
  secret_hint: Type.Union([Type.String(), Type.Null()], { description: 'The last 4 characters of the current secret' }),
  secret_rotated_at: Type.Union([Type.String(), Type.Null()], { description: 'When the secret was last rotated (and shown); null: never shown, rotate to get one' }),
  previous_secret_valid_until: Type.Union([Type.String(), Type.Null()], { description: 'The secret before the last rotation is still accepted until then' }),
  setup: Type.String(),
});

export interface ForwardingTarget {
  conn: ConnectionRow;
  forwarding: NonNullable<ProviderModule['webhook']['tenantForwarding']>;
}

/** The tenant's connection whose provider has the tenant forward events; 404 otherwise (another tenant's id included). */
export async function forwardingTarget(deps: Deps, auth: AuthContext, id: string): Promise<ForwardingTarget> {
  const conn = await withTenant(deps.db, auth.tenantId, (tx) => (isUuid(id) ? tenantConnectionById(tx, auth, id) : tenantConnectionByPublicId(tx, auth, id)));
  if (!conn) throw notFound('Connection');
  const forwarding = deps.providers.modules().find((p) => p.id === conn.provider)?.webhook.tenantForwarding;
  if (!forwarding) throw new ApiError('NOT_FOUND', `Connection ${conn.connectionId} (${conn.provider}) receives events through subscriptions Synq makes itself; there is nothing to forward`);
  return { conn, forwarding };
}

export function inboundJson(deps: Deps, { conn, forwarding }: ForwardingTarget, creds: Credentials = openCredentials(deps, conn)) {
  const connector = deps.providers.get(conn.provider);
  if (!connector) throw notFound('Provider');
  const until = creds.previousWebhookSecretUntil;
  return {
    connection_id: conn.connectionId,
    provider: conn.provider,
    method: 'POST' as const,
    url: webhookCallbackUrl(deps.config, connector, conn.connectionId),
    header: forwarding.header,
    secret_hint: creds.webhookSecret ? `…${creds.webhookSecret.slice(-4)}` : null,
    secret_rotated_at: creds.webhookSecretRotatedAt ?? null,
    previous_secret_valid_until: until !== undefined && Date.parse(until) > Date.now() ? until : null,
    setup: forwarding.setup,
  };
}
