// The fake's API origin: GET/DELETE /connections and the Accounting API's Items. Every
// request is checked against its contract operation (parameters, xero-tenant-id, body)
// before anything else; then the token, the organisation, injected failures and the
// 60 calls/minute/organisation limit; then Xero's create-or-update semantics.
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { describeErrors, type OperationValidator, type XeroContract } from './contract.ts';
import { msDate, type FakeGrant, type FakeItem, type FakeOrganisation, type FakeWorld, type HttpAnswer } from './state.ts';

export interface ApiDeps {
  world: FakeWorld;
  contract: XeroContract | null;
}

interface Route {
  op: string;
  params: Record<string, string>;
}

/** Contract paths are case-insensitive at Xero (/Connections and /connections both work). */
function matchRoute(method: string, path: string): Route | null {
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const lower = parts.map((p) => p.toLowerCase());
  if (lower.length === 1 && lower[0] === 'connections' && method === 'GET') return { op: 'GET /Connections', params: {} };
  if (lower.length === 2 && lower[0] === 'connections' && method === 'DELETE') return { op: 'DELETE /Connections/{id}', params: { id: parts[1]! } };
  if (lower[0] !== 'api.xro' || lower[1] !== '2.0' || lower[2] !== 'items') return null;
  if (lower.length === 3 && (method === 'GET' || method === 'POST')) return { op: `${method} /Items`, params: {} };
  if (lower.length === 4 && (method === 'GET' || method === 'DELETE')) return { op: `${method} /Items/{ItemID}`, params: { ItemID: parts[3]! } };
  return null;
}

/** Xero's answer to a body or parameter it refuses: a ValidationException. */
function validationException(messages: string[], element: unknown = {}): HttpAnswer {
  return {
    status: 400,
    body: {
      ErrorNumber: 10,
      Type: 'ValidationException',
      Message: 'A validation exception occurred',
      Elements: [{ ...(typeof element === 'object' && element !== null ? element : {}), ValidationErrors: messages.map((Message) => ({ Message })) }],
    },
  };
}

const problem = (status: number, title: string, detail: string): HttpAnswer => ({ status, body: { Type: null, Title: title, Status: status, Detail: detail, Instance: randomUUID(), Extensions: {} } });

function validate(v: OperationValidator, route: Route, query: URLSearchParams, headers: IncomingHttpHeaders, body: unknown): string[] {
  const errors: string[] = [];
  if (!v.params(route.params)) errors.push(...describeErrors(v.params.errors));
  if (!v.query(Object.fromEntries(query.entries()))) errors.push(...describeErrors(v.query.errors));
  if (!v.headers({ ...headers })) errors.push(...describeErrors(v.headers.errors));
  if (v.body !== null && !v.body(body)) errors.push(...describeErrors(v.body.errors));
  return errors;
}

/** The subset of Xero's where syntax Synq uses: Code=="…" joined with OR (backslash escapes). */
function parseWhere(where: string): string[] | null {
  const codes: string[] = [];
  const re = /\s*Code\s*==\s*"((?:[^"\\]|\\.)*)"\s*(OR|$)/iy;
  let m: RegExpExecArray | null;
  re.lastIndex = 0;
  while (re.lastIndex < where.length && (m = re.exec(where)) !== null) {
    codes.push(m[1]!.replace(/\\(.)/g, '$1'));
    if (m[2] === '') break;
  }
  return codes.length > 0 && re.lastIndex >= where.length ? codes : null;
}

function envelope(items: FakeItem[]): unknown {
  return { Id: randomUUID(), Status: 'OK', ProviderName: 'Synq', DateTimeUTC: msDate(), Items: items };
}

function rateLimit(world: FakeWorld, org: FakeOrganisation): HttpAnswer | null {
  const now = Date.now();
  org.calls = org.calls.filter((t) => t > now - 60_000);
  if (org.calls.length >= world.perMinute) {
    world.stats.rateLimited++;
    const retryAfter = Math.max(1, Math.ceil((org.calls[0]! + 60_000 - now) / 1000));
    return { status: 429, headers: { 'retry-after': String(retryAfter), 'x-rate-limit-problem': 'minute', 'x-minlimit-remaining': '0' }, body: 'Rate limit exceeded' };
  }
  org.calls.push(now);
  return null;
}

/** Applies POST /Items: ItemID names the item to update, otherwise Code (case-insensitive) does; unknown codes create. */
function upsertItems(org: FakeOrganisation, input: Record<string, unknown>[]): HttpAnswer {
  const seen = new Set<string>();
  for (const i of input) {
    const code = String(i.Code).toLowerCase();
    if (seen.has(code)) return validationException([`Item code '${String(i.Code)}' is used more than once in this request`], i);
    seen.add(code);
    if (typeof i.ItemID === 'string' && !org.items.has(i.ItemID)) return validationException([`Item with ID ${i.ItemID} does not exist`], i);
  }
  const out: FakeItem[] = [];
  for (const i of input) {
    const byCode = [...org.items.values()].find((x) => x.Code.toLowerCase() === String(i.Code).toLowerCase());
    const existing = typeof i.ItemID === 'string' ? org.items.get(i.ItemID) : byCode;
    if (existing && byCode && byCode !== existing) return validationException([`Item code '${String(i.Code)}' already exists`], i);
    const item: FakeItem = existing ?? {
      ItemID: randomUUID(),
      Code: String(i.Code),
      Name: '',
      IsSold: true,
      IsPurchased: true,
      IsTrackedAsInventory: false,
      SalesDetails: {},
      PurchaseDetails: {},
      UpdatedDateUTC: msDate(),
    };
    item.Code = String(i.Code);
    if (typeof i.Name === 'string') item.Name = i.Name;
    if (typeof i.Description === 'string') item.Description = i.Description;
    if (typeof i.IsSold === 'boolean') item.IsSold = i.IsSold;
    if (typeof i.IsPurchased === 'boolean') item.IsPurchased = i.IsPurchased;
    if (typeof i.SalesDetails === 'object' && i.SalesDetails !== null) item.SalesDetails = { ...(i.SalesDetails as object) };
    if (typeof i.PurchaseDetails === 'object' && i.PurchaseDetails !== null) item.PurchaseDetails = { ...(i.PurchaseDetails as object) };
    // Item schema: "If IsSold is updated to false then Description and SalesDetails values will be nulled."
    if (!item.IsSold) {
      delete item.Description;
      item.SalesDetails = {};
    }
    item.UpdatedDateUTC = msDate();
    org.items.set(item.ItemID, item);
    out.push({ ...item });
  }
  return { status: 200, body: envelope(out) };
}

export function handleApi(deps: ApiDeps, method: string, path: string, query: URLSearchParams, headers: IncomingHttpHeaders, raw: string): HttpAnswer {
  const { world, contract } = deps;
  const route = matchRoute(method, path);
  const validator = route === null ? undefined : contract?.operations.get(route.op);
  if (route === null || validator === undefined) {
    world.stats.unvalidatedRequests++;
    if (route === null) return { status: 404, body: 'The resource you\'re looking for cannot be found' };
  }
  let body: unknown = undefined;
  if (raw.trim() !== '') {
    try {
      body = JSON.parse(raw) as unknown;
    } catch {
      world.stats.invalidRequests++;
      return validationException(['The request body is not valid JSON']);
    }
  }
  if (validator !== undefined) {
    world.stats.validatedRequests++;
    const errors = validate(validator, route, query, headers, body);
    if (errors.length > 0) {
      world.stats.invalidRequests++;
      return validationException(errors);
    }
  }

  const auth = /^Bearer (\S+)$/.exec(headers.authorization ?? '');
  const token = auth ? world.accessTokens.get(auth[1]!) : undefined;
  if (!token || token.grant.revoked) return problem(401, 'Unauthorized', 'AuthenticationUnsuccessful');
  if (token.expiresAt <= Date.now()) return problem(401, 'Unauthorized', 'TokenExpired: token expired');
  const grant: FakeGrant = token.grant;

  if (route.op === 'GET /Connections') {
    const filter = query.get('authEventId');
    const list = grant.tenantIds
      .map((id) => world.organisations.get(id))
      .filter((o): o is FakeOrganisation => o !== undefined)
      .filter(() => filter === null || filter === grant.authEventId)
      .map((o) => ({ id: grant.connectionIds.get(o.tenantId), authEventId: grant.authEventId, tenantId: o.tenantId, tenantType: 'ORGANISATION', tenantName: o.name, createdDateUtc: o.createdDateUtc, updatedDateUtc: o.createdDateUtc }));
    return { status: 200, body: list };
  }
  if (route.op === 'DELETE /Connections/{id}') {
    for (const [tenantId, id] of grant.connectionIds) if (id === route.params.id) grant.tenantIds = grant.tenantIds.filter((t) => t !== tenantId);
    return { status: 204 };
  }

  const tenantId = String(headers['xero-tenant-id'] ?? '');
  const org = world.organisations.get(tenantId);
  if (!org || !grant.tenantIds.includes(tenantId)) return problem(403, 'Forbidden', 'AuthenticationUnsuccessful');
  const failure = world.takeFailure(tenantId);
  if (failure) {
    if (failure.kind === 'http429') {
      world.stats.rateLimited++;
      return { status: 429, headers: { 'retry-after': String(failure.retryAfterSeconds ?? 1), 'x-rate-limit-problem': failure.problem ?? 'minute' }, body: 'Rate limit exceeded' };
    }
    return { status: failure.kind === 'http500' ? 500 : 503, body: failure.kind === 'http500' ? problem(500, 'Internal Server Error', 'injected').body : 'Service Unavailable' };
  }
  const limited = rateLimit(world, org);
  if (limited) return limited;
  const counters = { 'x-minlimit-remaining': String(world.perMinute - org.calls.length), 'x-daylimit-remaining': '4999', 'x-appminlimit-remaining': '9999' };

  switch (route.op) {
    case 'GET /Items': {
      const where = query.get('where');
      let items = [...org.items.values()];
      if (where !== null) {
        const codes = parseWhere(where);
        if (codes === null) return validationException([`The fake only understands where clauses of the form Code=="…" OR …: ${where.slice(0, 100)}`]);
        const wanted = new Set(codes.map((c) => c.toLowerCase()));
        items = items.filter((i) => wanted.has(i.Code.toLowerCase()));
      }
      return { status: 200, headers: counters, body: envelope(items.map((i) => ({ ...i }))) };
    }
    case 'GET /Items/{ItemID}': {
      const item = org.items.get(route.params.ItemID!);
      return item ? { status: 200, headers: counters, body: envelope([{ ...item }]) } : { status: 404, body: 'The resource you\'re looking for cannot be found' };
    }
    case 'DELETE /Items/{ItemID}': {
      if (!org.items.delete(route.params.ItemID!)) return { status: 404, body: 'The resource you\'re looking for cannot be found' };
      return { status: 204, headers: counters };
    }
    case 'POST /Items': {
      const key = typeof headers['idempotency-key'] === 'string' ? headers['idempotency-key'] : null;
      if (key !== null) {
        const earlier = org.idempotency.get(key);
        if (earlier) {
          world.stats.idempotentReplays++;
          return earlier;
        }
      }
      const list = (body as { Items?: Record<string, unknown>[] } | undefined)?.Items ?? [];
      const answer = upsertItems(org, list);
      const withCounters = { ...answer, headers: { ...counters, ...answer.headers } };
      if (key !== null && answer.status === 200) org.idempotency.set(key, withCounters);
      return withCounters;
    }
    default:
      return { status: 404, body: 'The resource you\'re looking for cannot be found' };
  }
}
