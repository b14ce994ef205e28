// Signed feed URLs: sig = base64url(HMAC-SHA256(key[kid], "GET\n{path}\n{exp}\n{kid}")).
// The path binds tenant and file, so a signature for one tenant's file is worthless
// on another's. Keys rotate by kid: the first configured key signs, all verify.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FeedSigningKey } from '../config.ts';

export type SignatureCheck = 'ok' | 'invalid' | 'expired';

export interface SignedQuery {
  exp: number;
  kid: string;
  sig: string;
}

const SIG_FORMAT = /^[A-Za-z0-9_-]{43}$/;
// Expiries are rounded up to the minute: every caller in the same minute gets the same
// URL, so shared caches and CDNs see one URL per minute rather than one per request.
const EXPIRY_GRANULARITY_S = 60;

export class FeedSigner {
  constructor(private readonly keys: FeedSigningKey[]) {
    if (keys.length === 0) throw new Error('FeedSigner needs at least one key');
  }

  private mac(key: Buffer, path: string, exp: number, kid: string): Buffer {
    return createHmac('sha256', key).update(`GET\n${path}\n${exp}\n${kid}`).digest();
  }

  /** Expiry (unix seconds) of a URL issued at `nowMs` with a lifetime of `ttlSeconds`. */
  expiryFor(nowMs: number, ttlSeconds: number): number {
    return Math.ceil((nowMs / 1000 + ttlSeconds) / EXPIRY_GRANULARITY_S) * EXPIRY_GRANULARITY_S;
  }

  sign(path: string, exp: number): SignedQuery {
    const { kid, key } = this.keys[0]!;
    return { exp, kid, sig: this.mac(key, path, exp, kid).toString('base64url') };
  }

  /** `path` (e.g. /feeds/{tenant}/{file}) with its signature as the query string. */
  signedPath(path: string, exp: number): string {
    const q = this.sign(path, exp);
    return `${path}?exp=${q.exp}&kid=${encodeURIComponent(q.kid)}&sig=${q.sig}`;
  }

  /** Signature first, expiry second: a tampered expired link is 403, not 410. */
  verify(path: string, query: { exp?: unknown; kid?: unknown; sig?: unknown }, nowMs: number): SignatureCheck {
    const { exp, kid, sig } = query;
    if (typeof exp !== 'string' || !/^\d{1,12}$/.test(exp)) return 'invalid';
    if (typeof kid !== 'string' || typeof sig !== 'string' || !SIG_FORMAT.test(sig)) return 'invalid';
    const entry = this.keys.find((k) => k.kid === kid);
    if (!entry) return 'invalid';
    const expected = this.mac(entry.key, path, Number(exp), kid);
    const given = Buffer.from(sig, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'invalid';
    return Number(exp) * 1000 <= nowMs ? 'expired' : 'ok';
  }
}
