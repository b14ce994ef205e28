// The fake's in-memory world: companies (realms) with their Items and Accounts, OAuth
// grants and tokens, injected failures and request counters.
import { randomBytes } from 'node:crypto';

export interface HttpAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type FakeItem = Record<string, unknown> & { Id: string; SyncToken: string; Name: string; Active: boolean };

export interface FakeAccount {
  Id: string;
  Name: string;
  AccountType: string;
  AccountSubType: string;
  Active: boolean;
  Classification: string;
}

export interface FakeCompany {
  realmId: string;
  name: string;
  items: Map<string, FakeItem>;
  accounts: FakeAccount[];
  nextId: number;
  /** requestid -> the first answer, replayed for a repeated requestid like Intuit does. */
  requestIds: Map<string, HttpAnswer>;
}

export interface Grant {
  id: string;
  realmId: string;
  revoked: boolean;
  refreshToken: string;
  refreshExpiresAt: number;
}

export interface FailureInjection {
  /** http429: ThrottleExceeded; http500: an internal error; concurrentEdit: the next Item update meets an edit made meanwhile (5010). */
  kind: 'http429' | 'http500' | 'concurrentEdit';
  count: number;
  realmId?: string;
}

export interface FakeStats {
  /** Accounting API requests checked against the XSD-derived schema (bodies, query field names, ids). */
  validatedRequests: number;
  /** Accounting API requests the fake could not check (contract missing): must stay 0 in the suite. */
  unvalidatedRequests: number;
  /** Requests refused by validation (400 ValidationFault / QueryValidationError). */
  invalidRequests: number;
  tokenRequests: number;
  refreshes: number;
  revocations: number;
  webhookDeliveries: number;
}

export const nowIso = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
export const token = (prefix: string) => `${prefix}${randomBytes(24).toString('base64url')}`;

function seedAccounts(): FakeAccount[] {
  // The accounts every new QBO company starts with that Items post to (names as Intuit seeds them).
  return [
    { Id: '79', Name: 'Sales of Product Income', AccountType: 'Income', AccountSubType: 'SalesOfProductIncome', Active: true, Classification: 'Revenue' },
    { Id: '80', Name: 'Cost of Goods Sold', AccountType: 'Cost of Goods Sold', AccountSubType: 'SuppliesMaterialsCogs', Active: true, Classification: 'Expense' },
    { Id: '81', Name: 'Inventory Asset', AccountType: 'Other Current Asset', AccountSubType: 'Inventory', Active: true, Classification: 'Asset' },
    { Id: '1', Name: 'Services', AccountType: 'Income', AccountSubType: 'ServiceFeeIncome', Active: true, Classification: 'Revenue' },
  ];
}

export class FakeWorld {
  companies = new Map<string, FakeCompany>();
  codes = new Map<string, { realmId: string; redirectUri: string; expiresAt: number }>();
  accessTokens = new Map<string, { grantId: string; realmId: string; expiresAt: number }>();
  grants = new Map<string, Grant>();
  failures: FailureInjection[] = [];
  stats: FakeStats = FakeWorld.zeroStats();
  /** The realm the next consent picks when the request names none. */
  nextRealm = 9130350000000001n;

  static zeroStats(): FakeStats {
    return { validatedRequests: 0, unvalidatedRequests: 0, invalidRequests: 0, tokenRequests: 0, refreshes: 0, revocations: 0, webhookDeliveries: 0 };
  }

  company(realmId: string): FakeCompany {
    let c = this.companies.get(realmId);
    if (c === undefined) {
      c = { realmId, name: `Sandbox Company ${realmId.slice(-4)}`, items: new Map(), accounts: seedAccounts(), nextId: 1000, requestIds: new Map() };
      this.companies.set(realmId, c);
    }
    return c;
  }

  newRealm(): string {
    const r = this.nextRealm;
    this.nextRealm += 1n;
    return String(r);
  }

  /** Consumes one matching injected failure, if any. */
  takeFailure(kind: FailureInjection['kind'] | 'http', realmId: string): FailureInjection | null {
    const i = this.failures.findIndex((f) => (kind === 'http' ? f.kind !== 'concurrentEdit' : f.kind === kind) && (f.realmId === undefined || f.realmId === realmId));
    if (i < 0) return null;
    const f = this.failures[i]!;
    f.count -= 1;
    if (f.count <= 0) this.failures.splice(i, 1);
    return f;
  }

  reset(): void {
    this.companies.clear();
    this.codes.clear();
    this.accessTokens.clear();
    this.grants.clear();
    this.failures = [];
    this.stats = FakeWorld.zeroStats();
  }
}

/** Intuit's Fault body. */
export function fault(status: number, type: string, code: string, message: string, detail: string, element = ''): HttpAnswer {
  return { status, body: { Fault: { Error: [{ Message: message, Detail: detail, code, element }], type }, time: new Date().toISOString() } };
}
