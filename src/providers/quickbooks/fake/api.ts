// The fake's Accounting API under /v3/company/{realmId}: Item create/update (validated against
// the XSD-derived schema, then Intuit's business rules: unique Name, accounts per Type,
// SyncToken concurrency), Item read, CompanyInfo, and the query endpoint for Item and Account.
import { describeXsdErrors, type QboContract } from './xsdSchema.ts';
import { fault, nowIso, type FakeCompany, type FakeItem, type FakeWorld, type HttpAnswer } from './state.ts';

export interface ApiDeps {
  world: FakeWorld;
  contract: QboContract | null;
}

const authFault = (): HttpAnswer => ({
  status: 401,
  body: { fault: { error: [{ message: 'message=AuthenticationFailed; errorCode=003200; statusCode=401', detail: 'Token expired or invalid', code: '3200' }], type: 'AUTHENTICATION' }, time: new Date().toISOString() },
  headers: { 'www-authenticate': 'Bearer realm="Intuit"' },
});

const validationFault = (message: string, detail: string, code = '2010', element = '') => fault(400, 'ValidationFault', code, message, detail, element);
const answer = (status: number, body: Record<string, unknown>): HttpAnswer => ({ status, body: { ...body, time: new Date().toISOString() } });

/** Counts the request as checked against the contract, or as unchecked when the contract is missing. */
function counted(deps: ApiDeps): boolean {
  if (deps.contract === null) {
    deps.world.stats.unvalidatedRequests += 1;
    return false;
  }
  deps.world.stats.validatedRequests += 1;
  return true;
}

function invalid(deps: ApiDeps, a: HttpAnswer): HttpAnswer {
  deps.world.stats.invalidRequests += 1;
  return a;
}

const REF_FIELDS = ['IncomeAccountRef', 'ExpenseAccountRef', 'AssetAccountRef', 'COGSAccountRef'] as const;

function itemView(item: FakeItem): Record<string, unknown> {
  return { ...item, domain: 'QBO', sparse: false };
}

function checkRules(deps: ApiDeps, company: FakeCompany, item: Record<string, unknown>, selfId: string | null): HttpAnswer | null {
  const name = item.Name;
  if (typeof name !== 'string' || name.trim() === '') return invalid(deps, validationFault('Required param missing, need to supply the required value for the API', 'Required parameter Name is missing in the request', '2020', 'Name'));
  if (name.length > 100 || /[:\t\n]/.test(name)) return invalid(deps, validationFault('Invalid String', 'Name must be at most 100 characters without colons, tabs or newlines', '2050', 'Name'));
  for (const other of company.items.values()) {
    if (other.Id !== selfId && other.Name.toLowerCase() === name.toLowerCase()) {
      return invalid(deps, validationFault('Duplicate Name Exists Error', `The name supplied already exists. : Id=${other.Id}`, '6240', 'Name'));
    }
  }
  const type = item.Type;
  if (typeof type !== 'string') return invalid(deps, validationFault('Required param missing, need to supply the required value for the API', 'Required parameter Type is missing in the request', '2020', 'Type'));
  const needs = type === 'Inventory' ? ['IncomeAccountRef', 'ExpenseAccountRef', 'AssetAccountRef', 'QtyOnHand', 'InvStartDate'] : ['Service', 'NonInventory'].includes(type) ? ['IncomeAccountRef'] : [];
  for (const f of needs) {
    if (item[f] === undefined) return invalid(deps, validationFault('Required param missing, need to supply the required value for the API', `Required parameter ${f} is missing in the request`, '2020', f));
  }
  if (type === 'Inventory' && item.TrackQtyOnHand !== true) return invalid(deps, validationFault('A business validation error has occurred while processing your request', 'Inventory items must track quantity on hand (TrackQtyOnHand: true)', '6000', 'TrackQtyOnHand'));
  for (const f of REF_FIELDS) {
    const ref = item[f] as { value?: string } | undefined;
    if (ref !== undefined && !company.accounts.some((a) => a.Id === ref.value && a.Active)) {
      return invalid(deps, validationFault('Invalid Reference Id', `Invalid Reference Id : Accounts element id ${String(ref.value)} not found`, '2500', f));
    }
  }
  return null;
}

function saveItem(deps: ApiDeps, company: FakeCompany, body: Record<string, unknown>): HttpAnswer {
  const now = nowIso();
  if (body.Id === undefined) {
    const candidate: Record<string, unknown> = { Active: true, ...body };
    delete candidate.sparse;
    delete candidate.domain;
    const bad = checkRules(deps, company, candidate, null);
    if (bad) return bad;
    const id = String(company.nextId++);
    const item: FakeItem = { ...candidate, Id: id, SyncToken: '0', Name: String(candidate.Name), Active: candidate.Active !== false, FullyQualifiedName: candidate.Name, MetaData: { CreateTime: now, LastUpdatedTime: now } };
    company.items.set(id, item);
    return answer(200, { Item: itemView(item) });
  }
  const current = company.items.get(String(body.Id));
  if (!current) return invalid(deps, validationFault('Object Not Found', `Object Not Found : Something you're trying to use has been made inactive. Check the fields with accounts, customers, items, vendors or employees. Id=${String(body.Id)}`, '610'));
  if (typeof body.SyncToken !== 'string') return invalid(deps, validationFault('Required param missing, need to supply the required value for the API', 'Required parameter SyncToken is missing in the request', '2020', 'SyncToken'));
  if (deps.world.takeFailure('concurrentEdit', company.realmId)) current.SyncToken = String(Number(current.SyncToken) + 1);
  if (body.SyncToken !== current.SyncToken) {
    return invalid(deps, validationFault('Stale Object Error', 'Stale Object Error : You and someone else were working on this at the same time. They finished before you did, so your work was not saved.', '5010'));
  }
  const { sparse, domain: _d, Id: _i, SyncToken: _s, MetaData: _m, ...fields } = body;
  // A full update replaces every writable field; a sparse one changes only those sent.
  const keep = { Id: current.Id, SyncToken: current.SyncToken, MetaData: current.MetaData };
  const next: Record<string, unknown> = sparse === true ? { ...current, ...fields } : { Active: true, ...fields, ...keep };
  if (current.Type === 'Inventory' && next.Type !== 'Inventory') {
    return invalid(deps, validationFault('A business validation error has occurred while processing your request', 'You can’t change the type of an inventory item', '6000', 'Type'));
  }
  const bad = checkRules(deps, company, next, current.Id);
  if (bad) return bad;
  const item: FakeItem = { ...next, Id: current.Id, SyncToken: String(Number(current.SyncToken) + 1), Name: String(next.Name), Active: next.Active !== false, FullyQualifiedName: next.Name, MetaData: { ...(current.MetaData as object), LastUpdatedTime: now } };
  company.items.set(item.Id, item);
  return answer(200, { Item: itemView(item) });
}

// --- the query language subset: SELECT * FROM <Entity> [WHERE c [AND c]*] [STARTPOSITION n] [MAXRESULTS n]
type Literal = string | number | boolean;
interface Condition {
  field: string;
  op: '=' | 'IN' | 'LIKE';
  values: Literal[];
}

function readLiteral(s: string, at: number): { value: Literal; end: number } | null {
  if (s[at] === "'") {
    let out = '';
    for (let i = at + 1; i < s.length; i++) {
      const c = s[i]!;
      if (c === '\\' && i + 1 < s.length) {
        out += s[++i];
        continue;
      }
      if (c === "'") return { value: out, end: i + 1 };
      out += c;
    }
    return null;
  }
  const m = /^(true|false|-?\d+(\.\d+)?)/i.exec(s.slice(at));
  if (!m) return null;
  const v = m[1]!.toLowerCase();
  return { value: v === 'true' ? true : v === 'false' ? false : Number(v), end: at + m[1]!.length };
}

export function parseQuery(q: string): { entity: string; conditions: Condition[]; start: number; max: number } | string {
  const head = /^\s*select\s+\*\s+from\s+([A-Za-z]+)\s*/i.exec(q);
  if (!head) return 'only SELECT * FROM <Entity> is supported';
  let rest = q.slice(head[0].length);
  const conditions: Condition[] = [];
  let start = 1;
  let max = 100;
  if (/^where\s+/i.test(rest)) {
    rest = rest.replace(/^where\s+/i, '');
    for (;;) {
      const m = /^([A-Za-z.]+)\s*(=|\bin\b|\blike\b)\s*/i.exec(rest);
      if (!m) return `cannot read a condition at "${rest.slice(0, 20)}"`;
      const op = m[2]!.toUpperCase() as Condition['op'];
      let pos = m[0].length;
      const values: Literal[] = [];
      if (op === 'IN') {
        if (rest[pos] !== '(') return 'IN needs a list';
        pos++;
        for (;;) {
          while (rest[pos] === ' ') pos++;
          const lit = readLiteral(rest, pos);
          if (!lit) return 'bad literal in IN list';
          values.push(lit.value);
          pos = lit.end;
          while (rest[pos] === ' ') pos++;
          if (rest[pos] === ',') pos++;
          else if (rest[pos] === ')') {
            pos++;
            break;
          } else return 'unterminated IN list';
        }
      } else {
        const lit = readLiteral(rest, pos);
        if (!lit) return 'bad literal';
        values.push(lit.value);
        pos = lit.end;
      }
      conditions.push({ field: m[1]!, op, values });
      rest = rest.slice(pos).replace(/^\s+/, '');
      if (/^and\s+/i.test(rest)) rest = rest.replace(/^and\s+/i, '');
      else break;
    }
  }
  const sp = /^startposition\s+(\d+)\s*/i.exec(rest);
  if (sp) {
    start = Number(sp[1]);
    rest = rest.slice(sp[0].length);
  }
  const mr = /^maxresults\s+(\d+)\s*/i.exec(rest);
  if (mr) {
    max = Math.min(1000, Number(mr[1]));
    rest = rest.slice(mr[0].length);
  }
  if (rest.trim() !== '') return `unexpected "${rest.slice(0, 20)}"`;
  return { entity: head[1]!, conditions, start, max };
}

function matches(row: Record<string, unknown>, c: Condition): boolean {
  const v = row[c.field];
  if (c.op === 'LIKE') {
    const pattern = String(c.values[0]).replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*');
    return typeof v === 'string' && new RegExp(`^${pattern}$`, 'i').test(v);
  }
  return c.values.some((x) => (typeof x === 'string' ? String(v) === x : v === x));
}

function runQuery(deps: ApiDeps, company: FakeCompany, q: string): HttpAnswer {
  const parsed = parseQuery(q);
  const queryFault = (detail: string) => invalid(deps, fault(400, 'ValidationFault', '4000', 'Error parsing query', `QueryParserError: ${detail}`));
  if (typeof parsed === 'string') return queryFault(parsed);
  const entity = parsed.entity === 'item' ? 'Item' : parsed.entity === 'account' ? 'Account' : parsed.entity;
  if (entity !== 'Item' && entity !== 'Account') return queryFault(`the fake queries Item and Account only, not ${parsed.entity}`);
  const fields = deps.contract?.entities.get(entity)?.fields;
  for (const c of parsed.conditions) {
    const base = c.field.split('.')[0]!;
    if (fields && !fields.has(base)) return invalid(deps, fault(400, 'ValidationFault', '4001', 'Invalid query', `QueryValidationError: property '${c.field}' is not queryable`));
  }
  const rows: Record<string, unknown>[] = entity === 'Item' ? [...company.items.values()].map(itemView) : company.accounts.map((a) => ({ ...a, domain: 'QBO', sparse: false }));
  // Like QBO: without a condition on Active, only active entities are returned.
  const conditions = parsed.conditions.some((c) => c.field === 'Active') ? parsed.conditions : [...parsed.conditions, { field: 'Active', op: '=' as const, values: [true] }];
  const hits = rows.filter((r) => conditions.every((c) => matches(r, c))).slice(parsed.start - 1, parsed.start - 1 + parsed.max);
  const response: Record<string, unknown> = hits.length > 0 ? { [entity]: hits, startPosition: parsed.start, maxResults: hits.length } : {};
  return answer(200, { QueryResponse: response });
}

export function handleApi(deps: ApiDeps, method: string, realmId: string, rest: string[], query: URLSearchParams, authorization: string | undefined, raw: string, contentType: string | undefined): HttpAnswer {
  const { world } = deps;
  const bearer = /^Bearer (\S+)$/.exec(authorization ?? '')?.[1];
  const access = bearer === undefined ? undefined : world.accessTokens.get(bearer);
  if (!access || access.expiresAt < Date.now() || world.grants.get(access.grantId)?.revoked) return authFault();
  if (access.realmId !== realmId) return fault(403, 'AuthorizationFault', '003100', 'ApplicationAuthorizationFailed', 'The token was not issued for this company');
  const mv = query.get('minorversion');
  if (mv !== null && !/^\d{1,3}$/.test(mv)) return invalid(deps, validationFault('Invalid minorversion', `minorversion ${mv} is not supported`, '2010'));
  const injected = world.takeFailure('http', realmId);
  if (injected?.kind === 'http429') {
    return { ...fault(429, 'ThrottleExceeded', '3001', 'message=ThrottleExceeded; errorCode=003001; statusCode=429', 'The request limit was reached.'), headers: { 'retry-after': '1' } };
  }
  if (injected?.kind === 'http500') return fault(500, 'SystemFault', '10000', 'An application error has occurred while processing your request', 'System Failure Error');
  const company = world.company(realmId);
  const [entity, id] = rest;

  if (method === 'GET' && entity === 'companyinfo' && id === realmId) {
    counted(deps);
    return answer(200, { CompanyInfo: { Id: realmId, CompanyName: company.name, domain: 'QBO', SyncToken: '0' } });
  }
  if (method === 'GET' && entity === 'query') {
    counted(deps);
    return runQuery(deps, company, query.get('query') ?? '');
  }
  if (method === 'GET' && entity === 'item' && id !== undefined) {
    counted(deps);
    const item = company.items.get(id);
    return item ? answer(200, { Item: itemView(item) }) : invalid(deps, validationFault('Object Not Found', `Object Not Found : Id=${id}`, '610'));
  }
  if (method === 'POST' && entity === 'item' && id === undefined) {
    const requestId = query.get('requestid');
    if (requestId !== null) {
      const seen = company.requestIds.get(requestId);
      if (seen) return seen;
    }
    if (!(contentType ?? '').startsWith('application/json')) return invalid(deps, validationFault('Unsupported Media Type', 'Content-Type must be application/json', '2010'));
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      return invalid(deps, validationFault('Request has invalid or unsupported property', 'Body is not JSON', '2010'));
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return invalid(deps, validationFault('Request has invalid or unsupported property', 'Body must be an Item object', '2010'));
    const validator = deps.contract?.entities.get('Item');
    if (counted(deps) && validator && !validator.validate(body)) {
      const d = describeXsdErrors(validator.validate.errors);
      return invalid(deps, validationFault(d.message, d.detail, '2010', d.element));
    }
    const result = saveItem(deps, company, body as Record<string, unknown>);
    if (requestId !== null && result.status === 200) company.requestIds.set(requestId, result);
    return result;
  }
  deps.world.stats.invalidRequests += 1;
  return fault(400, 'ValidationFault', '4000', 'Unsupported Operation', `The fake has no ${method} /${rest.join('/')}`);
}
