// One generator per registered route. Tenant routes and public routes whose inputs are all
// described by the OpenAPI document get theirs derived from it (params, query, JSON body);
// routes that read raw signed bytes, HTML forms or provider callbacks have one written out
// in fuzzPublicTargets.ts. A route with neither is reported, and the fuzz suite fails.
import fc from 'fast-check';
import { arbitraryFor, type JsonSchema } from './fuzzSchema.ts';
import {
  bytesMutations,
  contentTypeMutations,
  reject,
  signatureMutations,
  textMutations,
  urlMutations,
  valueMutations,
  type BodyParser,
  type Draft,
  type Mutation,
} from './fuzzMutations.ts';
import { jsonBodySchema, paramSchemas, pathParams, routeKey, type OpenApiOperation, type RegisteredRoute } from './fuzzRoutes.ts';
import { Pool, type World } from './fuzzWorld.ts';
import { publicTargets } from './fuzzPublicTargets.ts';

export interface FuzzTarget {
  key: string;
  /** Error answers may be an HTML page (browser-facing routes) besides {"error": "…"}. */
  errorBody: 'json' | 'json-or-html';
  draft: fc.Arbitrary<Draft>;
  mutations: fc.Arbitrary<Mutation>;
}

/** Draws from pools of live ids most of the time, and from `fallback` otherwise. */
export const fromPools = (pools: Pool[], fallback: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc.oneof(
    ...pools.map((pool) => ({ weight: 3, arbitrary: fc.nat().map((i) => pool.pick(i, '')).filter((s) => s !== '') })),
    { weight: 1, arbitrary: fallback },
  );

const asText = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v) ?? '');

/** Path parameters that name stored objects, and where live ones come from. */
function paramPools(world: World, key: string, param: string): Pool[] {
  const p = world.pools;
  if (key.includes('/pim/products/') && param === 'id') return [p.productIds, p.otherProductIds];
  if (key.includes('/oms/orders/') && param === 'id') return [p.orderIds];
  if (key.includes('/integrations/connections/') && param === 'id') return [p.connectionIds];
  if (param === 'job_id') return [p.jobIds];
  if (key.includes('/sync/batches/') && param === 'id') return [p.batchIds];
  return [];
}

/** Body fields that name stored objects: replaced by live ids half the time, so handlers get past "not found". */
function bodyFieldPools(world: World): Record<string, Pool[]> {
  const publicIds = new Pool(world.pools.connectionIds.items.filter((id) => id.startsWith('conn_')));
  return { productId: [world.pools.productIds, world.pools.otherProductIds], connection_id: [publicIds] };
}

function withPooledFields(world: World, arb: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  const pools = bodyFieldPools(world);
  return fc.tuple(arb, fc.nat(), fc.boolean()).map(([v, i, use]) => {
    if (!use || v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const out: Record<string, unknown> = { ...(v as Record<string, unknown>) };
    for (const [field, ps] of Object.entries(pools)) {
      const picked = ps[i % ps.length]!.pick(i, '');
      if (field in out && picked !== '') out[field] = picked;
    }
    return out;
  });
}

function authMutations(world: World): fc.Arbitrary<Mutation> {
  return fc.oneof(
    fc.constantFrom(...world.badAuth).map((bad) => ({
      stage: 'headers' as const,
      apply(d: Draft) {
        if (d.auth !== 'tenant') return;
        for (const h of ['authorization', 'x-tenant-id', 'x-org-id']) delete d.headers[h];
        Object.assign(d.headers, bad.headers);
        d.tags.push(`auth: ${bad.name}`);
        reject(d, `auth: ${bad.name}`);
      },
    })),
    fc.constant({
      stage: 'headers' as const,
      apply(d: Draft) {
        // After a broken-auth mutation a valid VIEWER token would only undo it.
        if (d.auth !== 'tenant' || d.tags.some((t) => t.startsWith('auth: '))) return;
        Object.assign(d.headers, world.headersA.VIEWER);
        d.tags.push('VIEWER');
        if (d.method !== 'GET' && d.method !== 'HEAD') reject(d, 'VIEWER may not write');
      },
    }),
  );
}

/** The mutations that make sense for a route, given how it reads its input. */
export function mutationsFor(world: World, opts: { parser: BodyParser; tenant: boolean; signed: boolean }): fc.Arbitrary<Mutation> {
  const arbs: fc.Arbitrary<Mutation>[] = [urlMutations];
  if (opts.parser !== 'none') arbs.push(valueMutations, valueMutations, textMutations, bytesMutations, contentTypeMutations);
  if (opts.tenant) arbs.push(authMutations(world), authMutations(world));
  if (opts.signed) arbs.push(signatureMutations);
  return fc.oneof(...arbs);
}

/** A target derived from the OpenAPI operation, or null when its inputs are not all described. */
function derivedTarget(world: World, route: RegisteredRoute, op: OpenApiOperation): FuzzTarget | null {
  const key = routeKey(route.method, route.path);
  const tenant = (op.security?.length ?? 0) > 0;
  const bodySchema = jsonBodySchema(op);
  // A tenant action without a declared body (POST …/inbound/secret) takes none; a public route
  // whose body is not described reads raw bytes or a form and needs a written-out generator.
  if (['POST', 'PUT', 'PATCH'].includes(route.method) && !bodySchema && !tenant) return null;
  const hasBody = ['POST', 'PUT', 'PATCH'].includes(route.method) && bodySchema !== null && bodySchema !== undefined;
  const pathSchemas = paramSchemas(op, 'path');
  const names = pathParams(route.path);
  if (names.some((n) => !(n in pathSchemas))) return null;
  const params = fc.record(
    Object.fromEntries(
      names.map((n) => {
        const schemaArb = arbitraryFor(pathSchemas[n]!.schema).map(asText);
        return [n, fromPools(paramPools(world, key, n), schemaArb)];
      }),
    ),
  );
  const queryArbs = Object.entries(paramSchemas(op, 'query')).map(([name, { schema, required }]) => {
    const pair = arbitraryFor(schema as JsonSchema).map((v) => [name, asText(v)] as [string, string]);
    return required ? pair : fc.option(pair, { nil: undefined, freq: 2 });
  });
  const query = fc.tuple(...queryArbs).map((pairs) => pairs.filter((p): p is [string, string] => p !== undefined));
  const body = bodySchema ? withPooledFields(world, arbitraryFor(bodySchema)) : fc.constant(undefined);
  const headers = tenant ? fc.constantFrom(world.headersA.ADMIN, world.headersA.EDITOR) : fc.constant({});
  const parser: BodyParser = hasBody ? 'json' : 'none';
  const draft = fc.tuple(params, query, body, headers).map(
    ([p, q, b, h]): Draft => ({
      method: route.method,
      pathTemplate: route.path,
      params: p,
      query: q,
      headers: { ...h },
      body: hasBody ? { kind: 'json', value: b } : { kind: 'none' },
      parser,
      auth: tenant ? 'tenant' : 'public',
      tags: [],
      mustReject: null,
    }),
  );
  return { key, errorBody: 'json', draft, mutations: mutationsFor(world, { parser, tenant, signed: false }) };
}

/** Swagger UI's pages and the OpenAPI document: public, no input but the path. */
const STATIC_ROUTES = ['/docs', '/docs/static/index.html', '/docs/static/swagger-initializer.js', '/docs/static/*', '/docs/json', '/docs/yaml', '/openapi.json'];
const TRAVERSAL = ['../package.json', '..%2f..%2fpackage.json', '%2e%2e/%2e%2e/etc/passwd', 'index.html', 'x'.repeat(300), '%00', 'static/../../../src/config.ts'];

function staticTarget(world: World, route: RegisteredRoute): FuzzTarget {
  const draft = fc.constantFrom(...TRAVERSAL).map(
    (rest): Draft => ({
      method: route.method,
      pathTemplate: route.path,
      params: route.path.endsWith('*') ? { '*': `\u0000${rest}` } : {},
      query: [],
      headers: {},
      body: { kind: 'none' },
      parser: 'none',
      auth: 'public',
      tags: [],
      mustReject: null,
    }),
  );
  return { key: routeKey(route.method, route.path), errorBody: 'json', draft, mutations: mutationsFor(world, { parser: 'none', tenant: false, signed: false }) };
}

/** A target for every route; `missing` lists routes nobody knows how to fuzz. */
export function buildTargets(world: World, routes: RegisteredRoute[], ops: Map<string, OpenApiOperation>): { targets: FuzzTarget[]; missing: string[] } {
  const explicit = publicTargets(world);
  const targets: FuzzTarget[] = [];
  const missing: string[] = [];
  for (const route of routes) {
    const key = routeKey(route.method, route.path);
    // HEAD is Fastify's automatic twin of GET: the GET generator, sent as HEAD.
    const baseKey = route.method === 'HEAD' ? routeKey('GET', route.path) : key;
    const make = explicit.get(baseKey);
    const op = ops.get(baseKey);
    let target: FuzzTarget | null = null;
    if (make) target = make(route);
    else if (STATIC_ROUTES.includes(route.path) && (route.method === 'GET' || route.method === 'HEAD')) target = staticTarget(world, route);
    else if (op) target = derivedTarget(world, { method: route.method === 'HEAD' ? 'GET' : route.method, path: route.path }, op);
    if (!target) {
      missing.push(key);
      continue;
    }
    if (route.method === 'HEAD') target = { ...target, key, draft: target.draft.map((d) => ({ ...d, method: 'HEAD' })) };
    targets.push(target);
  }
  return { targets, missing };
}
