// Published vectors from ../shared/vectors (RFC 7636 PKCE, GCM spec test cases).
import { createCipheriv } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CredentialCipher } from './credentialCipher.ts';
import { challengeS256, hashState, newState, newVerifier } from './pkce.ts';
import { hmacSha256, verifyHmacSha256 } from './signatures.ts';

const VECTORS = resolve(import.meta.dirname, '..', '..', '..', 'shared', 'vectors', 'crypto-vectors.json');
const haveVectors = existsSync(VECTORS);
if (!haveVectors) console.warn(`NOTICE: ${VECTORS} not found; published crypto vector tests are skipped`);
type Vectors = {
  hmac_sha256_hex_raw_body: { secret_utf8: string; body_utf8: string; expect_hex: string; valid: boolean }[];
  pkce_s256: { verifier: string; challenge: string }[];
  aes_256_gcm: { key_hex: string; iv_hex: string; pt_hex: string; aad_hex: string; ct_hex: string; tag_hex: string }[];
};
const vectors = (haveVectors ? JSON.parse(readFileSync(VECTORS, 'utf8')) : { hmac_sha256_hex_raw_body: [], pkce_s256: [], aes_256_gcm: [] }) as Vectors;

describe.skipIf(!haveVectors)('published vectors', () => {
  it('HMAC-SHA256 hex over raw bytes', () => {
    for (const v of vectors.hmac_sha256_hex_raw_body) {
      expect(verifyHmacSha256(v.secret_utf8, Buffer.from(v.body_utf8, 'utf8'), v.expect_hex, 'hex')).toBe(v.valid);
    }
  });
  it('PKCE S256 (RFC 7636 appendix B)', () => {
    for (const v of vectors.pkce_s256) expect(challengeS256(v.verifier)).toBe(v.challenge);
  });
  it('AES-256-GCM test cases, through the same primitive the cipher uses', () => {
    for (const v of vectors.aes_256_gcm) {
      const c = createCipheriv('aes-256-gcm', Buffer.from(v.key_hex, 'hex'), Buffer.from(v.iv_hex, 'hex'));
      c.setAAD(Buffer.from(v.aad_hex, 'hex'));
      const ct = Buffer.concat([c.update(Buffer.from(v.pt_hex, 'hex')), c.final()]);
      expect(ct.toString('hex')).toBe(v.ct_hex);
      expect(c.getAuthTag().toString('hex')).toBe(v.tag_hex);
    }
  });
});

describe('signature checks never throw on hostile input', () => {
  const key = 'k'.repeat(32);
  const body = Buffer.from('{"a":1}');
  const good = hmacSha256(key, body, 'hex');
  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['truncated', good.slice(0, 16)],
    ['uppercase', good.toUpperCase()],
    ['garbage', 'zz'.repeat(32)],
    ['too long', good + '00'],
    ['unicode', 'é'.repeat(64)],
  ])('%s → false', (_n, sig) => {
    expect(verifyHmacSha256(key, body, sig, 'hex')).toBe(false);
  });
  it('no key configured means reject, even with a "matching" signature', () => {
    expect(verifyHmacSha256('', body, hmacSha256('', body, 'hex'), 'hex')).toBe(false);
    expect(verifyHmacSha256(undefined, body, good, 'hex')).toBe(false);
  });
  it('base64 form', () => {
    expect(verifyHmacSha256(key, body, hmacSha256(key, body, 'base64'), 'base64')).toBe(true);
    expect(verifyHmacSha256(key, body, hmacSha256(key, body, 'hex'), 'base64')).toBe(false);
  });
});

describe('credential cipher', () => {
  const k1 = { kid: 'a', key: Buffer.alloc(32, 1) };
  const k2 = { kid: 'b', key: Buffer.alloc(32, 2) };
  const aad = CredentialCipher.aad('tenant-1', 'conn_1');
  it('round-trips, and rotated keys still decrypt', () => {
    const old = new CredentialCipher([k1]).encrypt('{"accessToken":"x"}', aad);
    const rotated = new CredentialCipher([k2, k1]);
    expect(rotated.decrypt(old, aad)).toBe('{"accessToken":"x"}');
    expect(rotated.isStale(old)).toBe(true);
    expect(rotated.encrypt('y', aad).startsWith('b.')).toBe(true);
  });
  it('refuses another row (AAD), a tampered ciphertext and an unknown key', () => {
    const c = new CredentialCipher([k1]);
    const env = c.encrypt('secret', aad);
    expect(() => c.decrypt(env, CredentialCipher.aad('tenant-2', 'conn_1'))).toThrow();
    const parts = env.split('.');
    const ct = Buffer.from(parts[2]!, 'base64url');
    ct[0] = ct[0]! ^ 1;
    expect(() => c.decrypt([parts[0], parts[1], ct.toString('base64url'), parts[3]].join('.'), aad)).toThrow();
    expect(() => new CredentialCipher([k2]).decrypt(env, aad)).toThrow();
  });
});

describe('OAuth state and PKCE helpers', () => {
  it('states are 256-bit, unique, and stored only as hashes', () => {
    const a = newState();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(newState()).not.toBe(a);
    expect(hashState(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(newVerifier()).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
