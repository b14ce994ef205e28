// RFC 7636 PKCE (S256) and unguessable OAuth states.
import { createHash, randomBytes } from 'node:crypto';

export function newVerifier(): string {
  return randomBytes(32).toString('base64url'); // 43 chars, within RFC 7636's 43–128
}

export function challengeS256(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/** 256 bits of randomness; the database stores only its hash. */
export function newState(): string {
  return randomBytes(32).toString('base64url');
}

export function hashState(state: string): string {
  return createHash('sha256').update(state, 'utf8').digest('hex');
}
