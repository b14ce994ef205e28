// AES-256-GCM envelopes for stored provider credentials. The key id travels in
// the envelope so keys can rotate: the first configured key encrypts, every
// configured key still decrypts. Tenant + connection id are the additional
// authenticated data, so a ciphertext copied to another row fails to open.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { EncryptionKey } from '../config.ts';

const b64u = (b: Buffer) => b.toString('base64url');

export class CredentialCipher {
  private readonly byKid: Map<string, Buffer>;
  constructor(private readonly keys: EncryptionKey[]) {
    if (keys.length === 0) throw new Error('CredentialCipher needs at least one key');
    this.byKid = new Map(keys.map((k) => [k.kid, k.key]));
  }

  static aad(tenantId: string, connectionId: string): Buffer {
    return Buffer.from(`${tenantId}:${connectionId}`, 'utf8');
  }

  encrypt(plaintext: string, aad: Buffer): string {
    const active = this.keys[0]!;
    // 96-bit random IVs: fine for far fewer than 2^32 encryptions per key.
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', active.key, iv);
    cipher.setAAD(aad);
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [active.kid, b64u(iv), b64u(ct), b64u(cipher.getAuthTag())].join('.');
  }

  decrypt(envelope: string, aad: Buffer): string {
    const [kid, iv, ct, tag] = envelope.split('.');
    const key = kid ? this.byKid.get(kid) : undefined;
    if (!key || iv === undefined || ct === undefined || tag === undefined) throw new Error('Unknown credential key or malformed envelope');
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(aad);
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
  }

  /** True when the envelope was sealed with a key other than the active one (re-encrypt on next write). */
  isStale(envelope: string): boolean {
    return envelope.split('.')[0] !== this.keys[0]!.kid;
  }
}
