// Bearer-token verification and tenant/org scoping. Tokens come either from the
// identity provider's JWKS (RS256/ES256) or, in development, an HS256 secret.
import { createRemoteJWKSet, jwtVerify, SignJWT, errors as joseErrors, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { AuthConfig } from '../config.ts';
import { ApiError } from './errors.ts';

export type Role = 'ADMIN' | 'EDITOR' | 'VIEWER';
const ROLES: readonly Role[] = ['ADMIN', 'EDITOR', 'VIEWER'];
const RANK: Record<Role, number> = { VIEWER: 0, EDITOR: 1, ADMIN: 2 };

export interface AuthContext {
  tenantId: string;
  orgId: string;
  role: Role;
  sub: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (v: unknown): v is string => typeof v === 'string' && UUID.test(v);

export interface TokenVerifier {
  verify(token: string): Promise<JWTPayload>;
}

/** Clock skew allowed between the identity provider and us on exp and nbf, seconds. */
export const CLOCK_TOLERANCE_SECONDS = 30;

/** The identity provider's key set could not be fetched or read: our problem, not the token's (503). */
export class KeySetUnavailable extends Error {
  constructor(cause: unknown) {
    super('the JWKS could not be fetched or read', { cause });
    this.name = 'KeySetUnavailable';
  }
}

export function createTokenVerifier(auth: AuthConfig): TokenVerifier {
  const claims = {
    ...(auth.issuer ? { issuer: auth.issuer } : {}),
    ...(auth.audience ? { audience: auth.audience } : {}),
    // jose accepts a token without exp by default: one that never expires is refused here.
    requiredClaims: ['exp'],
    clockTolerance: CLOCK_TOLERANCE_SECONDS,
  };
  if (auth.mode === 'jwks') {
    // jose refetches the set for an unknown kid at most once per 30 s cool-down, and shares
    // one fetch among concurrent requests, so unknown kids cannot hammer the identity provider.
    const jwks = createRemoteJWKSet(new URL(auth.jwksUrl));
    const keys: JWTVerifyGetKey = async (header, token) => {
      try {
        return await jwks(header, token);
      } catch (err) {
        // No key for this kid/alg is the token's problem (401); anything else is the key source failing.
        if (err instanceof joseErrors.JWKSNoMatchingKey || err instanceof joseErrors.JWKSMultipleMatchingKeys) throw err;
        throw new KeySetUnavailable(err);
      }
    };
    // The allow-list is what stops alg=none and HS256-signed-with-the-public-key tokens.
    const options = { ...claims, algorithms: ['RS256', 'ES256'] };
    return { verify: async (token) => (await jwtVerify(token, keys, options)).payload };
  }
  const options = { ...claims, algorithms: ['HS256'] };
  return { verify: async (token) => (await jwtVerify(token, auth.secret, options)).payload };
}

/** How long a verified token is taken on trust before its signature is checked again. */
export const VERIFIED_TOKEN_TTL_MS = 60_000;
/** Verified tokens remembered at once; the oldest is forgotten first. ~0.5 KB each. */
const VERIFIED_TOKENS_MAX = 10_000;

/**
 * Remembers tokens that verified, by their exact text, until they expire or for a minute,
 * whichever comes first. A client sends the same token with every call for its lifetime, and
 * jose checks an HS256 or RS256 signature through WebCrypto (key import, a thread-pool hop):
 * a profile of the push fan-out bench showed verifySignature at ~0.5 ms of the API's CPU per
 * request, more than the route's SQL. The text includes the signature, so a hit is a token
 * already verified; its exp is kept as the entry's end, and its nbf, checked then, cannot come
 * back into the future. Refused tokens are not remembered. The price: a signing key withdrawn
 * from the JWKS still admits tokens it signed for up to VERIFIED_TOKEN_TTL_MS.
 */
export function rememberVerified(
  inner: TokenVerifier,
  opts: { ttlMs?: number; max?: number; now?: () => number } = {},
): TokenVerifier {
  const ttl = opts.ttlMs ?? VERIFIED_TOKEN_TTL_MS;
  const max = opts.max ?? VERIFIED_TOKENS_MAX;
  const now = opts.now ?? Date.now;
  const seen = new Map<string, { payload: JWTPayload; until: number }>();
  return {
    async verify(token) {
      const t = now();
      const hit = seen.get(token);
      if (hit && t < hit.until) return hit.payload;
      if (hit) seen.delete(token);
      const payload = await inner.verify(token);
      // exp is required (requiredClaims), so this bound is always there; the tolerance is jose's.
      const expires = typeof payload.exp === 'number' ? (payload.exp + CLOCK_TOLERANCE_SECONDS) * 1000 : t;
      const until = Math.min(t + ttl, expires);
      if (until > t) {
        if (seen.size >= max) seen.delete(seen.keys().next().value!);
        seen.set(token, { payload, until });
      }
      return payload;
    },
  };
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** 401 for anything wrong with the token itself, 403 for a valid token that does not match the request, 503 while the key set cannot be fetched. */
export async function authenticate(
  verifier: TokenVerifier,
  headers: Record<string, string | string[] | undefined>,
): Promise<AuthContext> {
  const authz = header(headers, 'authorization');
  const m = authz ? /^Bearer ([A-Za-z0-9_\-.=]+)$/.exec(authz.trim()) : null;
  if (!m?.[1]) throw new ApiError('UNAUTHORIZED', 'Missing or malformed bearer token', { 'www-authenticate': 'Bearer' });
  let payload: JWTPayload;
  try {
    payload = await verifier.verify(m[1]);
  } catch (err) {
    if (err instanceof KeySetUnavailable) throw new ApiError('UNAVAILABLE', 'Token keys are unavailable, retry shortly', { 'retry-after': '5' });
    const reason = err instanceof joseErrors.JWTExpired ? 'Token expired' : 'Invalid token';
    throw new ApiError('UNAUTHORIZED', reason, { 'www-authenticate': 'Bearer error="invalid_token"' });
  }
  const tenantClaim = payload.tenant_id ?? payload.tenantid;
  const orgClaim = payload.org_id;
  if (!isUuid(tenantClaim) || !isUuid(orgClaim)) throw new ApiError('FORBIDDEN', 'Token has no tenant or org claim');
  const tenantHeader = header(headers, 'x-tenant-id');
  const orgHeader = header(headers, 'x-org-id');
  if (!tenantHeader || !orgHeader) throw new ApiError('FORBIDDEN', 'X-Tenant-ID and X-Org-ID headers are required');
  if (tenantHeader.toLowerCase() !== tenantClaim.toLowerCase() || orgHeader.toLowerCase() !== orgClaim.toLowerCase()) {
    throw new ApiError('FORBIDDEN', 'X-Tenant-ID / X-Org-ID do not match the token');
  }
  const roleClaim = typeof payload.role === 'string' ? payload.role.toUpperCase() : 'VIEWER';
  // Unknown roles get the least privilege rather than an error: identity providers add roles over time.
  const role = (ROLES as readonly string[]).includes(roleClaim) ? (roleClaim as Role) : 'VIEWER';
  return {
    tenantId: tenantClaim.toLowerCase(),
    orgId: orgClaim.toLowerCase(),
    role,
    sub: typeof payload.sub === 'string' ? payload.sub : null,
  };
}

export function requireRole(ctx: AuthContext, min: Role): void {
  if (RANK[ctx.role] < RANK[min]) throw new ApiError('FORBIDDEN', `Role ${ctx.role} may not do this`);
}

/** Development tokens (`synq token`), signed with the dev secret. */
export async function mintDevToken(
  secret: Uint8Array,
  opts: { tenantId: string; orgId: string; role: Role; sub: string; ttl: string; issuer?: string | undefined; audience?: string | undefined },
): Promise<string> {
  let jwt = new SignJWT({ tenant_id: opts.tenantId, org_id: opts.orgId, role: opts.role })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(opts.sub)
    .setIssuedAt()
    .setExpirationTime(opts.ttl);
  if (opts.issuer) jwt = jwt.setIssuer(opts.issuer);
  if (opts.audience) jwt = jwt.setAudience(opts.audience);
  return jwt.sign(secret);
}
