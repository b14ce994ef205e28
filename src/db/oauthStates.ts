// Server-side records behind OAuth `state` values: single-use, short-lived.
import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import { hashState } from '../lib/pkce.ts';
import type { Queryable } from './client.ts';
import { oauthStates } from './schema.ts';

export type OAuthStateRow = typeof oauthStates.$inferSelect;
export const STATE_TTL_MS = 10 * 60 * 1000;

export async function insertState(
  db: Queryable,
  state: string,
  row: Omit<typeof oauthStates.$inferInsert, 'stateHash' | 'expiresAt' | 'createdAt' | 'consumedAt'>,
): Promise<void> {
  await db.insert(oauthStates).values({ ...row, stateHash: hashState(state), expiresAt: new Date(Date.now() + STATE_TTL_MS) });
}

/** A live (unexpired, unconsumed) state, for the connect page. */
export async function liveState(db: Queryable, state: string): Promise<OAuthStateRow | null> {
  const [r] = await db
    .select()
    .from(oauthStates)
    .where(and(eq(oauthStates.stateHash, hashState(state)), isNull(oauthStates.consumedAt), gt(oauthStates.expiresAt, sql`now()`)));
  return r ?? null;
}

/**
 * The connect page fills in what the tenant chose, and the PKCE verifier when the provider
 * takes one (a fresh one each time, so a resubmitted form never reuses a challenge); only
 * while the state is live.
 */
export async function chooseProvider(db: Queryable, state: string, provider: string, account: string, pkceVerifier: string | null = null): Promise<boolean> {
  const rows = await db
    .update(oauthStates)
    .set({ provider, account, pkceVerifier })
    .where(and(eq(oauthStates.stateHash, hashState(state)), isNull(oauthStates.consumedAt), gt(oauthStates.expiresAt, sql`now()`)))
    .returning({ h: oauthStates.stateHash });
  return rows.length > 0;
}

/** Consumes the state atomically: of two racing callbacks exactly one gets the row. */
export async function consumeState(db: Queryable, state: string): Promise<OAuthStateRow | null> {
  const [r] = await db
    .update(oauthStates)
    .set({ consumedAt: new Date() })
    .where(and(eq(oauthStates.stateHash, hashState(state)), isNull(oauthStates.consumedAt), gt(oauthStates.expiresAt, sql`now()`)))
    .returning();
  return r ?? null;
}

/** Records the connection a consumed state produced, for the browser's later return. */
export async function bindConnection(db: Queryable, state: string, connectionId: string): Promise<void> {
  await db.update(oauthStates).set({ connectionId }).where(eq(oauthStates.stateHash, hashState(state)));
}

/** An unexpired state, consumed or not: the browser's return after a server-to-server callback. */
export async function unexpiredState(db: Queryable, state: string): Promise<OAuthStateRow | null> {
  const [r] = await db
    .select()
    .from(oauthStates)
    .where(and(eq(oauthStates.stateHash, hashState(state)), gt(oauthStates.expiresAt, sql`now()`)));
  return r ?? null;
}
