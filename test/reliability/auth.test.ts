// The auth checklist against a running service in production-style JWKS mode (RS256 keys
// served by a local identity provider whose fetches are counted). src/http/auth.test.ts
// covers the verifier function in development mode; this is the HTTP answer for each
// attack, {"error"} included, plus what only a live key server shows: unknown kids
// refetch at most once per cool-down, and a key server that is down is 503, never 500.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, UnsecuredJWT, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
const CLOCK_TOLERANCE_SECONDS = 30;
import { startService, type TestService } from '../harness.ts';
import { registerSecret } from '../logCapture.ts';
import { recordTrial } from './report.ts';

const ISSUER = 'https://idp.fuzz.example';
const AUDIENCE = 'synq-api';
const tenant = randomUUID();
const org = randomUUID();

type Mode = 'ok' | 'error500' | 'garbage' | 'reset';
let mode: Mode = 'ok';
let fetches = 0;
let idp: Server;
let jwksUrl = '';
let keys: Awaited<ReturnType<typeof generateKeyPair>>;
let svc: TestService;

beforeAll(async () => {
  keys = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(keys.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  idp = createServer((req, res) => {
    fetches += 1;
    if (mode === 'reset') return req.socket.destroy();
    if (mode === 'error500') return res.writeHead(500).end('down');
    res.setHeader('content-type', 'application/json');
    res.end(mode === 'garbage' ? '{"keys": [' : JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((r) => idp.listen(0, '127.0.0.1', r));
  const addr = idp.address();
  jwksUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/.well-known/jwks.json`;
  svc = await startService({ env: { SYNQ_AUTH_JWKS_URL: jwksUrl, SYNQ_AUTH_ISSUER: ISSUER, SYNQ_AUTH_AUDIENCE: AUDIENCE } });
});
afterAll(async () => {
  await svc?.close();
  await new Promise<void>((r) => idp.close(() => r()));
});

const now = () => Math.floor(Date.now() / 1000);

/** An RS256 token from the identity provider, claims overridable (undefined removes one). */
async function token(claims: Partial<Record<keyof JWTPayload | 'tenant_id' | 'org_id' | 'role', unknown>> = {}, kid = 'k1'): Promise<string> {
  const payload: Record<string, unknown> = { tenant_id: tenant, org_id: org, role: 'ADMIN', iss: ISSUER, aud: AUDIENCE, sub: 'user-1', iat: now(), exp: now() + 600, ...claims };
  for (const [k, v] of Object.entries(payload)) if (v === undefined) delete payload[k];
  const signed = await new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid }).sign(keys.privateKey);
  registerSecret('bearer token (RS256)', signed);
  return signed;
}

async function call(service: TestService, bearer: string, headers: Record<string, string> = {}) {
  const res = await service.app.inject({
    method: 'GET',
    url: '/api/v1/pim/products',
    headers: { authorization: `Bearer ${bearer}`, 'x-tenant-id': tenant, 'x-org-id': org, ...headers },
  });
  expect(res.json(), res.body).toEqual(res.statusCode === 200 ? expect.objectContaining({ products: [] }) : { error: expect.any(String) });
  return res.statusCode;
}

describe('auth checklist (JWKS mode, over the HTTP pipeline)', () => {
  it('accepts a valid token (the baseline every case below differs from by one thing)', async () => {
    expect(await call(svc, await token())).toBe(200);
  });

  it.each<[string, number, () => Promise<string>]>([
    ['alg none', 401, async () => new UnsecuredJWT({ tenant_id: tenant, org_id: org, role: 'ADMIN' }).setIssuer(ISSUER).setAudience(AUDIENCE).setExpirationTime('5m').encode()],
    [
      'HS256 signed with the RSA public key (PEM)',
      401,
      async () =>
        new SignJWT({ tenant_id: tenant, org_id: org, role: 'ADMIN' })
          .setProtectedHeader({ alg: 'HS256', kid: 'k1' }).setIssuer(ISSUER).setAudience(AUDIENCE).setExpirationTime('5m')
          .sign(new TextEncoder().encode(await exportSPKI(keys.publicKey))),
    ],
    ['wrong iss', 401, () => token({ iss: 'https://evil.example' })],
    ['wrong aud', 401, () => token({ aud: 'another-api' })],
    ['no iss', 401, () => token({ iss: undefined })],
    ['expired beyond the tolerance', 401, () => token({ exp: now() - CLOCK_TOLERANCE_SECONDS - 30 })],
    ['nbf in the future beyond the tolerance', 401, () => token({ nbf: now() + CLOCK_TOLERANCE_SECONDS + 60 })],
    ['missing exp', 401, () => token({ exp: undefined })],
    ['exp not a number', 401, () => token({ exp: 'tomorrow' })],
    ['signed by another key with the same kid', 401, async () => new SignJWT({ tenant_id: tenant, org_id: org, iss: ISSUER, aud: AUDIENCE, exp: now() + 600 }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).sign((await generateKeyPair('RS256')).privateKey)],
  ])('%s: %i', async (_name, status, make) => {
    expect(await call(svc, await make())).toBe(status);
  });

  it('clock skew inside the tolerance is accepted (expired a little, nbf a little ahead)', async () => {
    expect(await call(svc, await token({ exp: now() - 5 }))).toBe(200);
    expect(await call(svc, await token({ nbf: now() + 5 }))).toBe(200);
  });

  it('X-Tenant-ID or X-Org-ID other than the claims: 403', async () => {
    const t = await token();
    expect(await call(svc, t, { 'x-tenant-id': randomUUID() })).toBe(403);
    expect(await call(svc, t, { 'x-org-id': randomUUID() })).toBe(403);
    expect(await call(svc, await token({ tenant_id: randomUUID() }))).toBe(403);
  });

  it('unknown kids: 401, and at most one JWKS fetch per cool-down however many arrive', async () => {
    mode = 'ok';
    await call(svc, await token()); // the set is cached now
    const before = fetches;
    const unknown = await Promise.all(Array.from({ length: 25 }, (_, i) => token({}, `rotated-${i}`)));
    const statuses = [...(await Promise.all(unknown.slice(0, 15).map((t) => call(svc, t))))];
    for (const t of unknown.slice(15)) statuses.push(await call(svc, t));
    expect(new Set(statuses)).toEqual(new Set([401]));
    // One refetch to look for the new kid, then none until the 30 s cool-down has passed.
    expect(fetches - before).toBeLessThanOrEqual(1);
    recordTrial({ suite: 'auth', tried: '25 tokens with unknown kids (15 concurrent)', cases: 25, lost: 0, figures: { jwks_fetches: fetches - before } });
  });

  it('a key server that fails is 503 with Retry-After, never 500, and recovers once it answers', async () => {
    // A second service: the first one has the key set cached for 10 minutes.
    const cold = await startService({ env: { SYNQ_AUTH_JWKS_URL: jwksUrl, SYNQ_AUTH_ISSUER: ISSUER, SYNQ_AUTH_AUDIENCE: AUDIENCE } });
    try {
      const t = await token();
      for (const m of ['error500', 'garbage', 'reset'] as const) {
        mode = m;
        const res = await cold.app.inject({ method: 'GET', url: '/api/v1/pim/products', headers: { authorization: `Bearer ${t}`, 'x-tenant-id': tenant, 'x-org-id': org } });
        expect(res.statusCode, m).toBe(503);
        expect(res.headers['retry-after']).toBeDefined();
        expect(res.json()).toEqual({ error: expect.any(String) });
        // A bad token is still refused as such while the key server is down.
        expect(await call(cold, 'not.a.jwt')).toBe(401);
      }
      mode = 'ok';
      expect(await call(cold, t)).toBe(200);
    } finally {
      mode = 'ok';
      await cold.close();
    }
  });

  it('a key server that does not listen at all is 503', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const addr = closed.address();
    await new Promise<void>((r) => closed.close(() => r()));
    const url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/jwks.json`;
    const dead = await startService({ env: { SYNQ_AUTH_JWKS_URL: url, SYNQ_AUTH_ISSUER: ISSUER, SYNQ_AUTH_AUDIENCE: AUDIENCE } });
    try {
      expect(await call(dead, await token())).toBe(503);
    } finally {
      await dead.close();
    }
  });
});
