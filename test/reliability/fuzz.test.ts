// Fuzzes every endpoint the app registers (app.inject: the whole Fastify pipeline without
// a socket; fuzzHttp.test.ts covers what only a socket shows). Full run: 10,000 cases per
// endpoint; `npm test`: a few dozen. Zero 5xx, error bodies {"error": string}, refused
// requests write nothing. FUZZ_SEED=<n> replays a run (the seed is printed on failure);
// FUZZ_CASES=<n> sets the cases per endpoint.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordTrial, reliabilityCount } from './report.ts';
import { fuzzTarget, type TargetResult } from './fuzzRun.ts';
import { openApiOperations, registeredRoutes, routeKey, type OpenApiOperation } from './fuzzRoutes.ts';
import { buildTargets, type FuzzTarget } from './fuzzTargets.ts';
import { startWorld, type World } from './fuzzWorld.ts';

const CASES = process.env.FUZZ_CASES ? Number(process.env.FUZZ_CASES) : reliabilityCount(10_000, 30);
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Math.floor(Math.random() * 2 ** 31);

let world: World;
let targets: FuzzTarget[];
let missing: string[];
let ops: Map<string, OpenApiOperation>;

beforeAll(async () => {
  world = await startWorld({ logLevel: process.env.SYNQ_RELIABILITY === 'full' ? 'warn' : 'info' });
  const doc = (await world.svc.app.inject({ method: 'GET', url: '/openapi.json' })).json() as Parameters<typeof openApiOperations>[0];
  ops = openApiOperations(doc);
  ({ targets, missing } = buildTargets(world, registeredRoutes(world.svc.app), ops));
  // Deleting runs last so the objects the other endpoints aim at still exist while they run.
  targets.sort((x, y) => Number(x.key.startsWith('DELETE ')) - Number(y.key.startsWith('DELETE ')));
});
afterAll(async () => {
  await world?.close();
});

describe('fuzzing every endpoint', () => {
  it('finds every route, and a generator for each', () => {
    const registered = registeredRoutes(world.svc.app);
    for (const r of registered) expect(world.svc.app.hasRoute({ method: r.method as 'GET', url: r.path }), `${r.method} ${r.path} parsed from printRoutes is not a route`).toBe(true);
    const routes = registered.map((r) => routeKey(r.method, r.path));
    // The route list is parsed from printRoutes(): if the parse breaks, documented routes go missing here.
    for (const key of ops.keys()) expect(routes, `${key} is documented but was not found among the registered routes`).toContain(key);
    expect(missing, 'routes without a fuzz generator (add one in test/reliability/fuzzPublicTargets.ts)').toEqual([]);
    expect(targets.length).toBe(routes.length);
  });

  it('notices a write, and a rejected request that wrote nothing', async () => {
    const before = await world.probe.mark();
    const bad = await world.svc.app.inject({ method: 'POST', url: '/api/v1/pim/products', headers: world.headersA.ADMIN, payload: { title: 7 } });
    expect(bad.statusCode).toBe(400);
    expect(await world.probe.mark()).toBe(before);
    const ok = await world.svc.app.inject({ method: 'POST', url: '/api/v1/pim/products', headers: world.headersA.ADMIN, payload: { title: 'probe' } });
    expect(ok.statusCode).toBe(201);
    const writes = await world.probe.since(before);
    expect(writes.map((w) => w.tbl)).toContain('public.products');
  });

  it(`sends ${CASES} cases to every endpoint: no 5xx, {"error"} bodies, nothing written when refused`, { timeout: 60_000 + CASES * 2_000 }, async () => {
    const results: TargetResult[] = [];
    for (const target of targets) {
      const r = await fuzzTarget(world, target, CASES, 'inject', SEED);
      results.push(r);
      recordTrial({
        suite: 'fuzz',
        tried: `${target.key}: ${r.cases} generated requests (inject)`,
        cases: r.cases,
        lost: r.failures.length,
        figures: { cases_per_s: Math.round((r.cases / r.ms) * 1000), statuses: Object.entries(r.statuses).map(([s, n]) => `${s}:${n}`).join(' ') },
      });
    }
    const total = results.reduce((n, r) => n + r.cases, 0);
    const ms = results.reduce((n, r) => n + r.ms, 0);
    console.log(`fuzz (inject, seed ${SEED}): ${total} cases over ${results.length} endpoints in ${Math.round(ms)} ms = ${Math.round((total / ms) * 1000)} cases/s`);
    const failures = results.flatMap((r) => r.failures.map((f) => `${r.key}: ${f.problem}\n    ${f.request}`));
    expect(failures, `seed ${SEED}`).toEqual([]);
    for (const r of results) expect(r.cases, r.key).toBe(CASES);
  });
});
