// The fake's world, in memory: organisations with their Items, OAuth grants with their
// codes and tokens, rate-limit windows, injected failures and stats. Nothing here speaks HTTP.
import { createHmac, randomBytes, randomUUID } from 'node:crypto';

export interface HttpAnswer {
  status: number;
  headers?: Record<string, string>;
  /** A string is sent as is (HTML or text); anything else as JSON. */
  body?: unknown;
}

export interface FakeItem {
  ItemID: string;
  Code: string;
  Name: string;
  Description?: string;
  IsSold: boolean;
  IsPurchased: boolean;
  IsTrackedAsInventory: boolean;
  SalesDetails: Record<string, unknown>;
  PurchaseDetails: Record<string, unknown>;
  UpdatedDateUTC: string;
}

export interface FakeOrganisation {
  tenantId: string;
  name: string;
  createdDateUtc: string;
  items: Map<string, FakeItem>;
  /** Idempotency-Key -> the answer first given for it. */
  idempotency: Map<string, HttpAnswer>;
  /** Timestamps (ms) of API calls in the last minute. */
  calls: number[];
}

export interface FakeGrant {
  authEventId: string;
  connectionIds: Map<string, string>;
  tenantIds: string[];
  scope: string;
  revoked: boolean;
}

export interface FakeCode {
  grant: FakeGrant;
  redirectUri: string;
  challenge: string | null;
  expiresAt: number;
  used: boolean;
}

export interface FailureInjection {
  kind: 'http429' | 'http500' | 'http503';
  count: number;
  tenantId?: string;
  retryAfterSeconds?: number;
  /** X-Rate-Limit-Problem of an injected 429: minute, day, concurrent or appminute. */
  problem?: string;
}

export interface FakeStats {
  /** API requests checked against the contract (parameters, headers, body). */
  validatedRequests: number;
  /** API requests the fake had no contract operation for (answered 404). Must stay 0. */
  unvalidatedRequests: number;
  /** Requests refused because they did not match the contract. */
  invalidRequests: number;
  /** Identity requests (authorize, token, revocation), checked by the fake's own RFC 6749/7636 rules. */
  oauthRequests: number;
  refreshes: number;
  rateLimited: number;
  idempotentReplays: number;
  webhookDeliveries: number;
  /** Webhook payloads the fake checked against the WebhookEvent schema before sending. */
  validatedWebhooks: number;
}

const emptyStats = (): FakeStats => ({
  validatedRequests: 0,
  unvalidatedRequests: 0,
  invalidRequests: 0,
  oauthRequests: 0,
  refreshes: 0,
  rateLimited: 0,
  idempotentReplays: 0,
  webhookDeliveries: 0,
  validatedWebhooks: 0,
});

/** Xero's JSON date: "/Date(1573755038314+0000)/". */
export const msDate = (ms: number = Date.now()) => `/Date(${ms}+0000)/`;

export class FakeWorld {
  organisations = new Map<string, FakeOrganisation>();
  codes = new Map<string, FakeCode>();
  accessTokens = new Map<string, { grant: FakeGrant; expiresAt: number }>();
  refreshTokens = new Map<string, { grant: FakeGrant; used: boolean }>();
  failures: FailureInjection[] = [];
  stats: FakeStats = emptyStats();
  accessTtlSeconds: number;
  private orgCounter = 0;
  private readonly signingKey = randomBytes(32);

  constructor(
    readonly clientId: string,
    readonly clientSecret: string,
    readonly defaultAccessTtlSeconds: number,
    readonly perMinute: number,
    readonly issuer: string,
  ) {
    this.accessTtlSeconds = defaultAccessTtlSeconds;
  }

  newOrganisation(name?: string): FakeOrganisation {
    this.orgCounter++;
    const org: FakeOrganisation = {
      tenantId: randomUUID(),
      name: name ?? `Demo Company ${this.orgCounter}`,
      // Distinct and increasing, so "most recently connected" is well defined.
      createdDateUtc: new Date(Date.now() + this.orgCounter).toISOString().replace('Z', '0000'),
      items: new Map(),
      idempotency: new Map(),
      calls: [],
    };
    this.organisations.set(org.tenantId, org);
    return org;
  }

  /** A JWT-shaped access token (HS256 under a key only the fake knows) carrying the authentication_event_id claim, like Xero's. */
  issueTokens(grant: FakeGrant, withRefresh: boolean): { access_token: string; refresh_token?: string; expires_in: number; id_token: string } {
    const now = Math.floor(Date.now() / 1000);
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const head = b64({ alg: 'HS256', typ: 'JWT' });
    const body = b64({
      nbf: now,
      exp: now + this.accessTtlSeconds,
      iss: this.issuer,
      client_id: this.clientId,
      authentication_event_id: grant.authEventId,
      scope: grant.scope.split(' '),
      jti: randomBytes(16).toString('hex'),
    });
    const sig = createHmac('sha256', this.signingKey).update(`${head}.${body}`).digest('base64url');
    const access = `${head}.${body}.${sig}`;
    this.accessTokens.set(access, { grant, expiresAt: Date.now() + this.accessTtlSeconds * 1000 });
    const out: { access_token: string; refresh_token?: string; expires_in: number; id_token: string } = {
      access_token: access,
      expires_in: this.accessTtlSeconds,
      id_token: `${head}.${b64({ iss: this.issuer, aud: this.clientId, sub: grant.authEventId })}.${sig}`,
    };
    if (withRefresh) {
      const refresh = randomBytes(32).toString('hex');
      this.refreshTokens.set(refresh, { grant, used: false });
      out.refresh_token = refresh;
    }
    return out;
  }

  /** Revokes every grant covering the organisation: its tokens stop working, its refresh tokens answer invalid_grant. */
  revokeOrganisation(tenantId: string): number {
    let n = 0;
    for (const { grant } of this.refreshTokens.values()) {
      if (grant.tenantIds.includes(tenantId) && !grant.revoked) {
        grant.revoked = true;
        n++;
      }
    }
    return n;
  }

  takeFailure(tenantId: string | undefined): FailureInjection | null {
    const i = this.failures.findIndex((f) => f.count > 0 && (f.tenantId === undefined || f.tenantId === tenantId));
    if (i < 0) return null;
    const f = this.failures[i]!;
    f.count--;
    if (f.count <= 0) this.failures.splice(i, 1);
    return f;
  }

  reset(): void {
    this.organisations.clear();
    this.codes.clear();
    this.accessTokens.clear();
    this.refreshTokens.clear();
    this.failures = [];
    this.stats = emptyStats();
    this.accessTtlSeconds = this.defaultAccessTtlSeconds;
  }
}
