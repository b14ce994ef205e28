// Connection status changes go through this table and nowhere else.
export type ConnectionStatus = 'PENDING' | 'ACTIVE' | 'ERROR' | 'REAUTH_REQUIRED' | 'DISCONNECTED';

export const CONNECTION_TRANSITIONS: Record<ConnectionStatus, readonly ConnectionStatus[]> = {
  PENDING: ['ACTIVE', 'DISCONNECTED'],
  ACTIVE: ['ERROR', 'REAUTH_REQUIRED', 'DISCONNECTED'],
  // An errored connection recovers when a sync succeeds again, or is given up.
  ERROR: ['ACTIVE', 'REAUTH_REQUIRED', 'DISCONNECTED'],
  // Re-auth happens by connecting again (a new connection); the old one can only be dropped.
  REAUTH_REQUIRED: ['DISCONNECTED'],
  DISCONNECTED: [],
};

export function canTransition(from: ConnectionStatus, to: ConnectionStatus): boolean {
  return from === to || CONNECTION_TRANSITIONS[from].includes(to);
}

/** Statuses that receive pushes, syncs and webhooks. */
export const isLive = (s: ConnectionStatus) => s === 'ACTIVE';
