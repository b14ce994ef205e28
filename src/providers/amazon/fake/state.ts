// The fake's in-memory world: the application, sellers with their listings, LWA codes and
// tokens, per-seller rate buckets, injected failures and the request counters tests read.
import { randomBytes, randomUUID } from 'node:crypto';

export interface HttpAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface FakeIssue {
  code: string;
  message: string;
  severity: 'ERROR' | 'WARNING' | 'INFO';
  categories: string[];
  attributeNames?: string[];
}

export interface FakeListing {
  sku: string;
  marketplaceId: string;
  productType: string;
  requirements: string;
  attributes: Record<string, unknown>;
  asin: string;
  createdDate: string;
  lastUpdatedDate: string;
  /** GETs still answered "processing" (no status yet) before the submission settles. */
  pendingReads: number;
  issues: FakeIssue[];
  status: ('BUYABLE' | 'DISCOVERABLE')[];
}

export interface FakeSeller {
  id: string;
  /** key: marketplaceId + "\0" + sku */
  listings: Map<string, FakeListing>;
  /** Issues the next processed submission of a SKU gets (asynchronous, like Amazon's). */
  queuedIssues: Map<string, FakeIssue[]>;
  revoked: boolean;
}

export interface FakeStats {
  /** SP-API requests whose parameters and body were checked against the published model. */
  validatedRequests: number;
  /** SP-API requests the model could not check (no contract loaded, or a route it does not have). */
  unvalidatedRequests: number;
  /** Requests refused for not matching the model (400). */
  invalidRequests: number;
  /** Responses of the fake that did not match the model (a bug in the fake; tests expect 0). */
  invalidResponses: number;
  rateLimited: number;
  tokenRequests: number;
  refreshes: number;
  consents: number;
}

export interface FailureInjection {
  kind: 'http429' | 'http500' | 'http503';
  count: number;
  seller?: string;
}

export const newStats = (): FakeStats => ({
  validatedRequests: 0,
  unvalidatedRequests: 0,
  invalidRequests: 0,
  invalidResponses: 0,
  rateLimited: 0,
  tokenRequests: 0,
  refreshes: 0,
  consents: 0,
});

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
export const newSellerId = () => `A${[...randomBytes(13)].map((b) => ALNUM[b % 36]).join('')}`;
export const newAsin = () => `B0${[...randomBytes(8)].map((b) => ALNUM[b % 36]).join('')}`;
export const listingKey = (marketplaceId: string, sku: string) => `${marketplaceId}\u0000${sku}`;

export class FakeWorld {
  sellers = new Map<string, FakeSeller>();
  codes = new Map<string, { seller: string; redirectUri: string | null; issuedAt: number; used: boolean }>();
  accessTokens = new Map<string, { seller: string; expiresAt: number }>();
  refreshTokens = new Map<string, { seller: string; revoked: boolean }>();
  buckets = new Map<string, { tokens: number; at: number }>();
  failures: FailureInjection[] = [];
  stats: FakeStats = newStats();
  nextSeller: string | null = null;

  seller(id: string): FakeSeller {
    let s = this.sellers.get(id);
    if (!s) {
      s = { id, listings: new Map(), queuedIssues: new Map(), revoked: false };
      this.sellers.set(id, s);
    }
    return s;
  }

  issueCode(seller: string, redirectUri: string | null, now = Date.now()): string {
    const code = `ANDaf${randomBytes(15).toString('hex')}`;
    this.codes.set(code, { seller, redirectUri, issuedAt: now, used: false });
    return code;
  }

  issueAccessToken(seller: string, ttlSeconds: number): string {
    const token = `Atza|${randomBytes(24).toString('base64url')}`;
    this.accessTokens.set(token, { seller, expiresAt: Date.now() + ttlSeconds * 1000 });
    return token;
  }

  issueRefreshToken(seller: string): string {
    const token = `Atzr|${randomBytes(24).toString('base64url')}`;
    this.refreshTokens.set(token, { seller, revoked: false });
    return token;
  }

  /** The seller revokes the application in Seller Central: refresh tokens and access tokens stop working. */
  revoke(seller: string): void {
    this.seller(seller).revoked = true;
    for (const t of this.refreshTokens.values()) if (t.seller === seller) t.revoked = true;
    for (const [k, t] of this.accessTokens) if (t.seller === seller) this.accessTokens.delete(k);
  }

  takeFailure(seller: string): FailureInjection | null {
    const i = this.failures.findIndex((f) => f.seller === undefined || f.seller === seller);
    if (i < 0) return null;
    const f = this.failures[i]!;
    f.count -= 1;
    if (f.count <= 0) this.failures.splice(i, 1);
    return f;
  }

  reset(): void {
    this.sellers.clear();
    this.codes.clear();
    this.accessTokens.clear();
    this.refreshTokens.clear();
    this.buckets.clear();
    this.failures = [];
    this.stats = newStats();
    this.nextSeller = null;
  }
}

export const submissionId = () => randomUUID();
