// The one place Synq checks a webhook/redirect signature. Raw bytes in, never a
// parsed body: re-serialising JSON changes whitespace and key order, and the
// signature is over what was sent. No key configured means reject.
import { createHmac, timingSafeEqual } from 'node:crypto';

export type SignatureEncoding = 'hex' | 'base64';

const FORMAT: Record<SignatureEncoding, RegExp> = {
  // Lower-case only: the published X-Unified-Signature is lower-case hex, and
  // accepting one canonical form keeps "same signature" a byte comparison.
  hex: /^[0-9a-f]{64}$/,
  base64: /^[A-Za-z0-9+/]{43}=$/,
};

export function hmacSha256(key: Uint8Array | string, data: Uint8Array | string, encoding: SignatureEncoding): string {
  return createHmac('sha256', key).update(data).digest(encoding);
}

/**
 * True when `signature` is the HMAC-SHA256 of `raw` under `key`, in `encoding`.
 * Malformed headers (wrong length, wrong alphabet, upper-case hex) are false, never an exception.
 */
export function verifyHmacSha256(
  key: Uint8Array | string | undefined,
  raw: Uint8Array | string,
  signature: string | undefined,
  encoding: SignatureEncoding,
): boolean {
  if (key === undefined || key.length === 0) return false;
  if (typeof signature !== 'string' || !FORMAT[encoding].test(signature)) return false;
  const expected = createHmac('sha256', key).update(raw).digest();
  const given = Buffer.from(signature, encoding);
  // Both are 32 bytes after the format check; the length test keeps timingSafeEqual from throwing regardless.
  return given.length === expected.length && timingSafeEqual(given, expected);
}
