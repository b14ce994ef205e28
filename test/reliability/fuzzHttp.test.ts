// What only a socket shows: the same generated cases sent over real HTTP (Node's parser,
// Content-Length, chunked bodies), a 10 MB + 1 byte body to every endpoint, compressed
// and mislabelled encodings, and bytes that are not HTTP at all. Same verdicts as
// fuzz.test.ts: no 5xx, {"error"} bodies, nothing written when refused.
import { connect } from 'node:net';
import { request } from 'node:http';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BODY_LIMIT } from '../../src/http/app.ts';
import { recordTrial, reliabilityCount } from './report.ts';
import { fuzzTarget, httpSend, judge, type Answer } from './fuzzRun.ts';
import { openApiOperations, registeredRoutes } from './fuzzRoutes.ts';
import { buildTargets, type FuzzTarget } from './fuzzTargets.ts';
import { startWorld, type World } from './fuzzWorld.ts';
import { buildRequest, type BuiltRequest } from './fuzzMutations.ts';
import { isBackground, isStateSpend } from './writeProbe.ts';

const CASES = process.env.FUZZ_CASES ? Number(process.env.FUZZ_CASES) : reliabilityCount(1_000, 6);
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Math.floor(Math.random() * 2 ** 31);

let world: World;
let targets: FuzzTarget[];

beforeAll(async () => {
  world = await startWorld({ logLevel: process.env.SYNQ_RELIABILITY === 'full' ? 'warn' : 'info' });
  const doc = (await world.svc.app.inject({ method: 'GET', url: '/openapi.json' })).json() as Parameters<typeof openApiOperations>[0];
  targets = buildTargets(world, registeredRoutes(world.svc.app), openApiOperations(doc)).targets;
  targets.sort((x, y) => Number(x.key.startsWith('DELETE ')) - Number(y.key.startsWith('DELETE ')));
});
afterAll(async () => {
  await world?.close();
});

/** One request through `send`, judged like a fuzz case, with the write probe around it. */
async function judged(target: FuzzTarget, req: BuiltRequest, send: () => Promise<Answer | null>): Promise<{ res: Answer | null; problem: string | null }> {
  const mark = await world.probe.mark();
  const res = await send();
  const writes = await world.probe.since(mark);
  if (res === null) {
    const wrote = writes.filter((w) => !isBackground(w) && !isStateSpend(w));
    return { res, problem: wrote.length > 0 ? `connection dropped but wrote ${wrote.map((w) => w.tbl).join(', ')}` : null };
  }
  return { res, problem: judge(target, req, res, writes, world) };
}

const bodyTargets = () => targets.filter((t) => /^(POST|PUT|PATCH) /.test(t.key));
/** One unmutated request the route would take: the base the size and encoding cases change. */
const sample = (t: FuzzTarget): BuiltRequest => buildRequest(fc.sample(t.draft, { numRuns: 1, seed: SEED })[0]!, []);

describe('fuzzing over real HTTP', () => {
  it(`sends ${CASES} generated cases to every endpoint over a socket`, { timeout: 60_000 + CASES * 1_500 * 10 }, async () => {
    const failures: string[] = [];
    let total = 0;
    let ms = 0;
    for (const target of targets) {
      const r = await fuzzTarget(world, target, CASES, 'http', SEED);
      total += r.cases;
      ms += r.ms;
      failures.push(...r.failures.map((f) => `${r.key}: ${f.problem}\n    ${f.request}`));
      recordTrial({ suite: 'fuzz', tried: `${target.key}: ${r.cases} generated requests (HTTP)`, cases: r.cases, lost: r.failures.length, figures: { cases_per_s: Math.round((r.cases / r.ms) * 1000) } });
    }
    console.log(`fuzz (HTTP, seed ${SEED}): ${total} cases over ${targets.length} endpoints in ${Math.round(ms)} ms = ${Math.round((total / ms) * 1000)} cases/s`);
    expect(failures, `seed ${SEED}`).toEqual([]);
  });

  it('a body of 10 MB + 1 byte is 413 {"error"} on every endpoint that takes a body, and writes nothing', { timeout: 300_000 }, async () => {
    const failures: string[] = [];
    const huge = Buffer.alloc(BODY_LIMIT + 1, 0x20);
    huge[0] = 0x7b; // '{' then spaces: JSON that is only wrong for being too long
    for (const t of bodyTargets()) {
      const base = sample(t);
      for (const chunked of [false, true]) {
        // Chunked: no Content-Length up front, so the limit is enforced while reading, not by the header.
        const req: BuiltRequest = { ...base, body: huge, headers: { ...base.headers, 'content-type': 'application/json' }, mustReject: 'body over the limit' };
        const { res, problem } = await judged(t, req, () => sendBody(req, chunked));
        const how = chunked ? 'chunked' : 'content-length';
        if (problem) failures.push(`${t.key} (${how}): ${problem}`);
        else if (res === null) failures.push(`${t.key} (${how}): the connection closed without an answer`);
        else if (res.statusCode !== 413) failures.push(`${t.key} (${how}): answered ${res.statusCode}, not 413`);
      }
    }
    recordTrial({ suite: 'fuzz', tried: `10 MB + 1 byte bodies to ${bodyTargets().length} endpoints (HTTP, with and without Content-Length)`, cases: bodyTargets().length * 2, lost: failures.length });
    expect(failures).toEqual([]);
  });

  it('compressed, mislabelled and chunked bodies: no 5xx, {"error"} when refused, nothing written', { timeout: 300_000 }, async () => {
    const failures: string[] = [];
    let cases = 0;
    for (const t of bodyTargets()) {
      const base = sample(t);
      const body = base.body ?? Buffer.from('{}');
      const variants: [string, Partial<BuiltRequest>, boolean][] = [
        ['gzip body, content-encoding gzip', { body: gzipSync(body), headers: { ...base.headers, 'content-encoding': 'gzip' } }, false],
        ['gzip body, no content-encoding', { body: gzipSync(body) }, false],
        ['plain body, content-encoding gzip', { headers: { ...base.headers, 'content-encoding': 'gzip' } }, false],
        ['content-encoding br', { headers: { ...base.headers, 'content-encoding': 'br' } }, false],
        ['utf-16 body', { body: Buffer.from(`\ufeff${body.toString('utf8')}`, 'utf16le'), headers: { ...base.headers, 'content-type': 'application/json; charset=utf-16' } }, false],
        ['chunked', {}, true],
      ];
      for (const [name, change, chunked] of variants) {
        const req: BuiltRequest = { ...base, ...change, tags: [name] };
        const { problem } = await judged(t, req, () => sendBody(req, chunked));
        cases += 1;
        if (problem) failures.push(`${t.key} (${name}): ${problem}`);
      }
    }
    recordTrial({ suite: 'fuzz', tried: 'compressed, mislabelled and chunked bodies to every endpoint that takes one (HTTP)', cases, lost: failures.length });
    expect(failures).toEqual([]);
  });

  it('bytes that are not HTTP: {"error"} or a closed connection, never 5xx, nothing written', { timeout: 120_000 }, async () => {
    const h = world.headersA.ADMIN;
    const auth = `Authorization: ${h.authorization}\r\nX-Tenant-ID: ${h['x-tenant-id']}\r\nX-Org-ID: ${h['x-org-id']}\r\n`;
    const post = (extra: string, body: string) => `POST /api/v1/pim/products HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: application/json\r\n${extra}\r\n${body}`;
    const cases: [string, string | Buffer][] = [
      ['bad request line', 'GARBAGE\r\n\r\n'],
      ['header without colon', 'GET /healthz HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n'],
      ['NUL in a header value', 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\u0000b\r\n\r\n'],
      ['invalid UTF-8 in a header value', Buffer.concat([Buffer.from('GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: '), Buffer.from([0xff, 0xfe]), Buffer.from('\r\n\r\n')])],
      ['two different Content-Lengths', post('Content-Length: 13\r\nContent-Length: 2\r\n', '{"title":"x"}')],
      ['Content-Length and chunked', post('Content-Length: 13\r\nTransfer-Encoding: chunked\r\n', '{"title":"x"}')],
      ['bad chunk size', post('Transfer-Encoding: chunked\r\n', 'zz\r\n{"title":"x"}\r\n0\r\n\r\n')],
      ['negative Content-Length', post('Content-Length: -1\r\n', '{"title":"x"}')],
      ['body shorter than Content-Length', post('Content-Length: 100\r\n', '{"title":"x"}')],
      ['headers over 16 KB', `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`],
      ['HTTP/0.9 request', 'GET /healthz\r\n'],
      ['unknown method', 'BREW /healthz HTTP/1.1\r\nHost: x\r\n\r\n'],
      ['absolute-form target', 'GET http://evil.example/healthz HTTP/1.1\r\nHost: x\r\n\r\n'],
    ];
    const failures: string[] = [];
    for (const [name, bytes] of cases) {
      const mark = await world.probe.mark();
      const answer = await rawExchange(bytes);
      const wrote = (await world.probe.since(mark)).filter((w) => !isBackground(w));
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(answer)?.[1];
      const body = answer.slice(answer.indexOf('\r\n\r\n') + 4);
      if (wrote.length > 0) failures.push(`${name}: wrote ${wrote.map((w) => w.tbl).join(', ')}`);
      if (status === undefined) continue; // the server closed the connection: an answer too
      if (Number(status) >= 500) failures.push(`${name}: answered ${status}`);
      if (Number(status) >= 400 && !isErrorBody(body)) failures.push(`${name}: ${status} with body ${body.slice(0, 200)}`);
    }
    recordTrial({ suite: 'fuzz', tried: 'malformed HTTP on a raw socket', cases: cases.length, lost: failures.length });
    expect(failures).toEqual([]);
  });
});

function isErrorBody(body: string): boolean {
  try {
    const o = JSON.parse(body) as unknown;
    return o !== null && typeof o === 'object' && Object.keys(o).join() === 'error' && typeof (o as { error: unknown }).error === 'string';
  } catch {
    return false;
  }
}

/** Over HTTP; `chunked` leaves Content-Length out. A connection the server cuts short yields null. */
async function sendBody(req: BuiltRequest, chunked: boolean): Promise<Answer | null> {
  if (!chunked) return httpSend(world.svc.url, req).catch(() => null);
  return new Promise((resolve) => {
    const r = request(`${world.svc.url}${req.url}`, { method: req.method, headers: req.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ statusCode: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', () => resolve(null));
    });
    r.on('error', () => resolve(null));
    const body = req.body ?? Buffer.alloc(0);
    for (let i = 0; i < body.length; i += 1 << 20) r.write(body.subarray(i, i + (1 << 20)));
    r.end();
  });
}

function rawExchange(bytes: string | Buffer): Promise<string> {
  const { port } = new URL(world.svc.url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), '127.0.0.1', () => socket.write(bytes));
    const chunks: Buffer[] = [];
    // An answer or a close within 1 s; a server still waiting for more bytes is cut off then.
    const timer = setTimeout(() => socket.destroy(), 1_000);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
    socket.on('error', () => {});
  });
}
