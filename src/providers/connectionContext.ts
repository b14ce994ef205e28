// Builds the ConnectionContext a connector works with: decrypted credentials and
// a token that is refreshed before it expires. Concurrent tasks on one
// connection trigger exactly one refresh: a lease row is claimed with
// UPDATE … RETURNING, the winner re-reads and refreshes, the others wait and re-read.
// No database transaction is ever held open across the provider's HTTP call.
import { and, eq, isNull, lt, or, sql } from 'drizzle-orm';
import type { Deps } from '../deps.ts';
import { connectionById, transitionConnection, type ConnectionRow } from '../db/connections.ts';
import { connections } from '../db/schema.ts';
import { CredentialCipher } from '../lib/credentialCipher.ts';
import { ProviderError, type ConnectionContext, type Connector, type Credentials } from './types.ts';

/** Refresh this long before expiry, so a token never expires mid-request. */
const REFRESH_MARGIN_MS = 60_000;
/** A crashed refresher's lease frees itself after this. */
const LEASE_MS = 30_000;
const WAIT_STEP_MS = 100;
const WAIT_MAX_MS = 35_000;

export function sealCredentials(deps: Pick<Deps, 'cipher'>, row: { tenantId: string; connectionId: string }, creds: Credentials): string {
  return deps.cipher.encrypt(JSON.stringify(creds), CredentialCipher.aad(row.tenantId, row.connectionId));
}

export function openCredentials(deps: Pick<Deps, 'cipher'>, row: ConnectionRow): Credentials {
  return JSON.parse(deps.cipher.decrypt(row.credentials, CredentialCipher.aad(row.tenantId, row.connectionId))) as Credentials;
}

/** Fields Synq owns, not the provider: a refresh answer never replaces them. */
const SYNQ_OWNED = ['webhookSecret', 'webhookSecretRotatedAt', 'previousWebhookSecret', 'previousWebhookSecretUntil'] as const;

function keepSynqOwned(next: Credentials, latest: Credentials): Credentials {
  const kept: Credentials = { ...next };
  for (const k of SYNQ_OWNED) {
    const v = latest[k];
    if (v !== undefined) kept[k] = v;
    else delete kept[k];
  }
  return kept;
}

async function claimLease(deps: Pick<Deps, 'db'>, id: string): Promise<ConnectionRow | null> {
  const [claimed] = await deps.db
    .update(connections)
    .set({ refreshLeaseUntil: new Date(Date.now() + LEASE_MS) })
    .where(and(eq(connections.id, id), or(isNull(connections.refreshLeaseUntil), lt(connections.refreshLeaseUntil, sql`now()`))))
    .returning();
  return claimed ?? null;
}

/**
 * Changes a connection's stored credentials under the refresh lease, so a token refresh
 * running at the same time cannot write the old credentials back over the change. Returns
 * the credentials as stored.
 */
export async function updateCredentials(deps: Pick<Deps, 'db' | 'cipher'>, id: string, change: (current: Credentials) => Credentials): Promise<Credentials> {
  const deadline = Date.now() + WAIT_MAX_MS;
  for (;;) {
    const claimed = await claimLease(deps, id);
    if (claimed) {
      try {
        const next = change(openCredentials(deps, claimed));
        await deps.db.update(connections).set({ credentials: sealCredentials(deps, claimed, next), updatedAt: new Date() }).where(eq(connections.id, id));
        return next;
      } finally {
        await deps.db.update(connections).set({ refreshLeaseUntil: null }).where(eq(connections.id, id)).catch(() => {});
      }
    }
    if (Date.now() > deadline) throw new ProviderError('TIMEOUT', 'Timed out waiting for a token refresh to finish');
    await new Promise((r) => setTimeout(r, WAIT_STEP_MS));
  }
}

const expiresSoon = (c: Credentials, now = Date.now()) =>
  c.accessExpiresAt !== undefined && Date.parse(c.accessExpiresAt) - now < REFRESH_MARGIN_MS;

export function createConnectionContext(deps: Deps, connector: Connector, row: ConnectionRow): ConnectionContext {
  let creds = openCredentials(deps, row);

  /** Refreshes unless someone already did; `rejected` forces a refresh if that token is still current. */
  async function refresh(rejected: string | null): Promise<string> {
    const deadline = Date.now() + WAIT_MAX_MS;
    for (;;) {
      const claimed = await claimLease(deps, row.id);
      if (claimed) {
        try {
          // Re-read after claiming: another process may have refreshed while we waited.
          const latest = openCredentials(deps, claimed);
          const stillNeeded = rejected !== null ? latest.accessToken === rejected : expiresSoon(latest);
          if (!stillNeeded) {
            creds = latest;
            return creds.accessToken;
          }
          // No refresh token is the connector's call too (it answers INVALID_GRANT), so the
          // connection moves to REAUTH_REQUIRED below whatever kind of credential it holds.
          let next: Credentials;
          try {
            next = await connector.refresh(row.account, latest);
          } catch (err) {
            if (err instanceof ProviderError && err.code === 'INVALID_GRANT') {
              await transitionConnection(deps.db, row.id, 'REAUTH_REQUIRED', { lastError: 'Refresh token rejected (invalid_grant)' }).catch(() => null);
              deps.caches.connections.invalidate(row.connectionId);
            }
            throw err;
          }
          // Never drop a stored refresh token because a response omitted one, nor Synq's own webhook secrets.
          const merged: Credentials = keepSynqOwned({ ...next, ...(next.refreshToken ? {} : latest.refreshToken ? { refreshToken: latest.refreshToken } : {}) }, latest);
          await deps.db
            .update(connections)
            .set({
              credentials: sealCredentials(deps, row, merged),
              accessExpiresAt: merged.accessExpiresAt ? new Date(merged.accessExpiresAt) : null,
              refreshLeaseUntil: null,
              updatedAt: new Date(),
            })
            .where(eq(connections.id, row.id));
          deps.log.info({ connectionId: row.connectionId, provider: row.provider }, 'access token refreshed');
          creds = merged;
          return creds.accessToken;
        } finally {
          await deps.db.update(connections).set({ refreshLeaseUntil: null }).where(eq(connections.id, row.id)).catch(() => {});
        }
      }
      // Someone else holds the lease: wait for their result.
      await new Promise((r) => setTimeout(r, WAIT_STEP_MS));
      const current = await connectionById(deps.db, row.id);
      if (!current) throw new ProviderError('NOT_FOUND', 'Connection was deleted');
      if (current.status === 'REAUTH_REQUIRED') throw new ProviderError('INVALID_GRANT', 'Connection needs to be authorized again');
      const latest = openCredentials(deps, current);
      const fresh = rejected !== null ? latest.accessToken !== rejected : !expiresSoon(latest);
      if (fresh) {
        creds = latest;
        return creds.accessToken;
      }
      if (Date.now() > deadline) throw new ProviderError('TIMEOUT', 'Timed out waiting for another worker to refresh the token');
    }
  }

  return {
    connectionId: row.connectionId,
    account: row.account,
    accessToken: async () => (expiresSoon(creds) ? refresh(null) : creds.accessToken),
    invalidateToken: async (rejected) => refresh(rejected),
    credentials: async () => {
      if (expiresSoon(creds)) await refresh(null);
      return creds;
    },
  };
}
