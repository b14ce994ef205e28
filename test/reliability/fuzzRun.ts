// Runs one target's cases and judges every answer: never 5xx; every error body is
// {"error": string} (or an HTML page on browser-facing routes); a case that must be
// refused is a 4xx; a refused (4xx) request wrote no row (the write probe, checked per
// case); a request as tenant A never wrote a row of tenant B.
import { request } from 'node:http';
import fc from 'fast-check';
import { buildRequest, type BuiltRequest } from './fuzzMutations.ts';
import type { FuzzTarget } from './fuzzTargets.ts';
import { isBackground, isStateSpend, type WriteRow } from './writeProbe.ts';
import type { World } from './fuzzWorld.ts';

export interface Answer {
  statusCode: number;
  headers: Record<string, unknown>;
  body: string;
}

export type Transport = 'inject' | 'http';

export async function send(world: World, req: BuiltRequest, transport: Transport): Promise<Answer> {
  if (transport === 'inject') {
    const res = await world.svc.app.inject({ method: req.method as 'GET', url: req.url, headers: req.headers, ...(req.body !== undefined ? { payload: req.body } : {}) });
    return { statusCode: res.statusCode, headers: res.headers, body: res.body };
  }
  return httpSend(world.svc.url, req);
}

/** Plain node:http, so the bytes and headers go out exactly as built (fetch would normalise them). */
export function httpSend(base: string, req: { method: string; url: string; headers: Record<string, string>; body: Buffer | undefined }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const r = request(`${base}${req.url}`, { method: req.method, headers: { ...req.headers, ...(req.body ? { 'content-length': String(req.body.length) } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ statusCode: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    // The server may answer (413) and close before the whole body is written; the answer still counts.
    r.on('error', reject);
    if (req.body) r.end(req.body);
    else r.end();
  });
}

/** What is wrong with an answer, or null. */
export function judge(target: FuzzTarget, req: BuiltRequest, res: Answer, writes: WriteRow[], world: World): string | null {
  const status = res.statusCode;
  if (status >= 500) return `answered ${status}: ${res.body.slice(0, 300)}`;
  if (status >= 400 && req.method !== 'HEAD') {
    const type = String(res.headers['content-type'] ?? '');
    const html = target.errorBody === 'json-or-html' && type.startsWith('text/html');
    if (!html) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(res.body);
      } catch {
        parsed = undefined;
      }
      const ok = parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) && Object.keys(parsed).join() === 'error' && typeof (parsed as { error: unknown }).error === 'string';
      if (!ok) return `error body is not {"error": string} (${type}): ${res.body.slice(0, 200)}`;
    }
  }
  if (req.mustReject !== null && (status < 400 || status >= 500)) return `accepted (${status}) although it must be refused: ${req.mustReject}`;
  if (status >= 400) {
    const wrote = writes.filter((w) => !isStateSpend(w) && !isBackground(w));
    if (wrote.length > 0) return `refused with ${status} but wrote ${wrote.map((w) => `${w.op} ${w.tbl}`).join(', ')}`;
  }
  if (req.headers.authorization !== undefined && writes.some((w) => w.tenant === world.b.tenantId)) return `a request as tenant A wrote tenant B's rows`;
  return null;
}

export interface TargetResult {
  key: string;
  cases: number;
  ms: number;
  statuses: Record<string, number>;
  failures: { problem: string; request: string }[];
}

const describe = (r: BuiltRequest) =>
  JSON.stringify({ method: r.method, url: r.url.slice(0, 300), tags: r.tags, headers: Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k, v.slice(0, 120)])), body: r.body?.subarray(0, 300).toString('latin1'), bodyBytes: r.body?.length });

/**
 * Runs `cases` generated requests against one target. Every case is judged; failures are
 * collected (the first 20 kept) rather than thrown, so one run reports every kind of problem.
 * Shrinking is off: the service is stateful, a replay is not the same experiment.
 */
export async function fuzzTarget(world: World, target: FuzzTarget, cases: number, transport: Transport, seed?: number): Promise<TargetResult> {
  const result: TargetResult = { key: target.key, cases: 0, ms: 0, statuses: {}, failures: [] };
  const arb = fc.tuple(target.draft, fc.oneof({ weight: 1, arbitrary: fc.constant([]) }, { weight: 3, arbitrary: fc.array(target.mutations, { minLength: 1, maxLength: 2 }) }));
  let mark = await world.probe.mark();
  const started = performance.now();
  await fc.assert(
    fc.asyncProperty(arb, async ([draft, mutations]) => {
      const req = buildRequest(draft, mutations);
      const res = await send(world, req, transport);
      const after = await world.probe.mark();
      const writes = after === mark ? [] : await world.probe.since(mark);
      mark = after;
      result.cases += 1;
      result.statuses[res.statusCode] = (result.statuses[res.statusCode] ?? 0) + 1;
      const problem = judge(target, req, res, writes, world);
      if (problem !== null && result.failures.length < 20) result.failures.push({ problem, request: describe(req) });
      world.harvest(res);
    }),
    { numRuns: cases, endOnFailure: true, ...(seed !== undefined ? { seed } : {}) },
  );
  result.ms = performance.now() - started;
  return result;
}
