import { createServer, type Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticate, CLOCK_TOLERANCE_SECONDS, createTokenVerifier, mintDevToken, rememberVerified, requireRole, type TokenVerifier } from './auth.ts';
import { ApiError } from './errors.ts';

const secret = new TextEncoder().encode('unit-test-secret-0123456789abcdef0123');
const tenant = randomUUID();
const org = randomUUID();
const headersFor = (token: string, t = tenant, o = org) => ({ authorization: `Bearer ${token}`, 'x-tenant-id': t, 'x-org-id': o });

async function statusOf(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return 200;
  } catch (err) {
    if (err instanceof ApiError) return err.code === 'UNAUTHORIZED' ? 401 : err.code === 'FORBIDDEN' ? 403 : 500;
    return 500;
  }
}

describe('HS256 development tokens', () => {
  const verifier = createTokenVerifier({ mode: 'dev-secret', secret, issuer: 'synq-dev', audience: 'synq' });
  const mint = (o: Partial<Parameters<typeof mintDevToken>[1]> = {}) =>
    mintDevToken(secret, { tenantId: tenant, orgId: org, role: 'EDITOR', sub: 'u1', ttl: '5m', issuer: 'synq-dev', audience: 'synq', ...o });

  it('accepts a valid token and reads tenant, org, role', async () => {
    const ctx = await authenticate(verifier, headersFor(await mint()));
    expect(ctx).toEqual({ tenantId: tenant, orgId: org, role: 'EDITOR', sub: 'u1' });
  });

  it('accepts the published `tenantid` claim spelling', async () => {
    const token = await new SignJWT({ tenantid: tenant, org_id: org, role: 'VIEWER' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('synq-dev')
      .setAudience('synq')
      .setExpirationTime('5m')
      .sign(secret);
    expect((await authenticate(verifier, headersFor(token))).role).toBe('VIEWER');
  });

  it.each([
    ['missing header', {}],
    ['not bearer', { authorization: 'Basic abc' }],
    ['garbage', { authorization: 'Bearer not.a.jwt' }],
  ])('401 for %s', async (_name, h) => {
    expect(await statusOf(authenticate(verifier, { ...h, 'x-tenant-id': tenant, 'x-org-id': org }))).toBe(401);
  });

  it('401 for expired, wrong issuer, wrong audience, wrong key, alg none', async () => {
    expect(await statusOf(authenticate(verifier, headersFor(await mint({ ttl: '-1m' }))))).toBe(401);
    expect(await statusOf(authenticate(verifier, headersFor(await mint({ issuer: 'evil' }))))).toBe(401);
    expect(await statusOf(authenticate(verifier, headersFor(await mint({ audience: 'other' }))))).toBe(401);
    const other = await mintDevToken(new TextEncoder().encode('another-secret-0123456789abcdef012345'), {
      tenantId: tenant, orgId: org, role: 'ADMIN', sub: 'x', ttl: '5m', issuer: 'synq-dev', audience: 'synq',
    });
    expect(await statusOf(authenticate(verifier, headersFor(other)))).toBe(401);
    const none = new UnsecuredJWT({ tenant_id: tenant, org_id: org, role: 'ADMIN' }).setIssuer('synq-dev').setAudience('synq').setExpirationTime('5m').encode();
    expect(await statusOf(authenticate(verifier, headersFor(none)))).toBe(401);
  });

  it('403 when headers differ from the claims, or claims are missing', async () => {
    const token = await mint();
    expect(await statusOf(authenticate(verifier, headersFor(token, randomUUID(), org)))).toBe(403);
    expect(await statusOf(authenticate(verifier, headersFor(token, tenant, randomUUID())))).toBe(403);
    expect(await statusOf(authenticate(verifier, { authorization: `Bearer ${token}` }))).toBe(403);
    const noTenant = await new SignJWT({ org_id: org }).setProtectedHeader({ alg: 'HS256' }).setIssuer('synq-dev').setAudience('synq').setExpirationTime('5m').sign(secret);
    expect(await statusOf(authenticate(verifier, headersFor(noTenant)))).toBe(403);
  });

  it('VIEWER may read but not write; unknown roles get VIEWER', async () => {
    const viewer = await authenticate(verifier, headersFor(await mint({ role: 'VIEWER' })));
    expect(() => requireRole(viewer, 'EDITOR')).toThrow(ApiError);
    const odd = await new SignJWT({ tenant_id: tenant, org_id: org, role: 'SUPERUSER' })
      .setProtectedHeader({ alg: 'HS256' }).setIssuer('synq-dev').setAudience('synq').setExpirationTime('5m').sign(secret);
    expect((await authenticate(verifier, headersFor(odd))).role).toBe('VIEWER');
  });
});

describe('JWKS production tokens', () => {
  let server: Server;
  let url = '';
  let keys: Awaited<ReturnType<typeof generateKeyPair>>;
  beforeAll(async () => {
    keys = await generateKeyPair('RS256', { extractable: true });
    const jwk = { ...(await exportJWK(keys.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    server = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const addr = server.address();
    url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/jwks.json`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('accepts RS256 from the JWKS and refuses HS256 signed with the public key', async () => {
    const verifier = createTokenVerifier({ mode: 'jwks', jwksUrl: url, issuer: 'https://idp.example', audience: 'synq' });
    const good = await new SignJWT({ tenant_id: tenant, org_id: org, role: 'ADMIN' })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer('https://idp.example').setAudience('synq').setExpirationTime('5m').sign(keys.privateKey);
    expect((await authenticate(verifier, headersFor(good))).role).toBe('ADMIN');

    // The classic confusion attack: HMAC keyed with the public key's PEM text.
    const pem = new TextEncoder().encode(await exportSPKI(keys.publicKey));
    const confused = await new SignJWT({ tenant_id: tenant, org_id: org, role: 'ADMIN' })
      .setProtectedHeader({ alg: 'HS256', kid: 'k1' }).setIssuer('https://idp.example').setAudience('synq').setExpirationTime('5m').sign(pem);
    expect(await statusOf(authenticate(verifier, headersFor(confused)))).toBe(401);
    const none = new UnsecuredJWT({ tenant_id: tenant, org_id: org }).setIssuer('https://idp.example').setAudience('synq').setExpirationTime('5m').encode();
    expect(await statusOf(authenticate(verifier, headersFor(none)))).toBe(401);
  });
});

describe('rememberVerified', () => {
  // A counting inner verifier: what reaches it is what the cache did not answer.
  const real = createTokenVerifier({ mode: 'dev-secret', secret, issuer: 'synq-dev', audience: 'synq' });
  function setup(opts: { ttlMs?: number; max?: number } = {}) {
    let clock = Date.now();
    const calls: string[] = [];
    const inner: TokenVerifier = { verify: (t) => (calls.push(t), real.verify(t)) };
    const v = rememberVerified(inner, { ...opts, now: () => clock });
    return { v, calls, advance: (ms: number) => (clock += ms) };
  }
  const mint = (ttl = '5m', tenantId = tenant) =>
    mintDevToken(secret, { tenantId, orgId: org, role: 'EDITOR', sub: 'u1', ttl, issuer: 'synq-dev', audience: 'synq' });

  it('verifies a token once, then answers it from memory until the TTL ends', async () => {
    const { v, calls, advance } = setup({ ttlMs: 60_000 });
    const token = await mint();
    const first = await v.verify(token);
    expect(await v.verify(token)).toBe(first);
    advance(59_000);
    await v.verify(token);
    expect(calls).toHaveLength(1);
    advance(2_000);
    await v.verify(token);
    expect(calls).toHaveLength(2);
  });

  it('keeps each token apart: another token, even for another tenant, is verified on its own', async () => {
    const { v, calls } = setup();
    const a = await mint('5m', tenant);
    const b = await mint('5m', randomUUID());
    expect((await v.verify(a)).tenant_id).toBe(tenant);
    expect((await v.verify(b)).tenant_id).not.toBe(tenant);
    expect(calls).toEqual([a, b]);
  });

  it('never serves a token past its exp (plus the clock tolerance), however long the TTL', async () => {
    const { v, calls, advance } = setup({ ttlMs: 3_600_000 });
    const token = await mint('10s');
    await v.verify(token);
    advance((10 + CLOCK_TOLERANCE_SECONDS + 1) * 1000);
    // The inner verifier sees it again, and jose (on the real clock) still takes it: what matters
    // here is that the cache asked, not what the real clock says.
    await v.verify(token).catch(() => undefined);
    expect(calls).toHaveLength(2);
  });

  it('does not remember a refused token, and a tampered copy of a remembered one is checked and refused', async () => {
    const { v, calls } = setup();
    const token = await mint();
    await v.verify(token);
    const [h, p, sig] = token.split('.');
    // A character in the middle of the signature: every one of its bits is signature data.
    const mid = sig!.length >> 1;
    const tampered = `${h}.${p}.${sig!.slice(0, mid)}${sig![mid] === 'A' ? 'B' : 'A'}${sig!.slice(mid + 1)}`;
    await expect(v.verify(tampered)).rejects.toThrow();
    await expect(v.verify(tampered)).rejects.toThrow();
    expect(calls.filter((t) => t === tampered)).toHaveLength(2);
  });

  it('holds at most `max` tokens, forgetting the oldest', async () => {
    const { v, calls } = setup({ max: 2 });
    const [a, b, c] = [await mint('5m'), await mint('6m'), await mint('7m')];
    for (const t of [a, b, c, b, c, a]) await v.verify(t!);
    expect(calls).toEqual([a, b, c, a]);
  });
});
