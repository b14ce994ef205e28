// Regressions for what the fuzzer found (test/reliability/fuzz*.test.ts): answers Fastify
// and Node gave by themselves in another shape than {"error": "…"}, and JSON bodies with
// invalid UTF-8 that were stored with U+FFFD in place of the bytes sent.
import { connect } from 'node:net';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newTenant, startService, type TestService, type TestTenant } from '../../test/harness.ts';
import { rowsOf } from '../db/client.ts';

let svc: TestService;
let t: TestTenant;

beforeAll(async () => {
  svc = await startService();
  t = newTenant();
});
afterAll(async () => {
  await svc?.close();
});

const productCount = async () => Number(rowsOf<{ n: number | string }>(await svc.deps.db.execute(sql`SELECT count(*) AS n FROM products`))[0]!.n);

/** Writes raw bytes to the listener and reads everything until the server closes. */
function rawExchange(bytes: string | Buffer): Promise<string> {
  const { port } = new URL(svc.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => socket.end(bytes));
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' || err.code === 'EPIPE' ? resolve(Buffer.concat(chunks).toString('latin1')) : reject(err)));
  });
}

describe('answers given before any route runs', () => {
  it('a malformed percent-escape in the path is 400 {"error"}, without echoing the URL', async () => {
    const res = await svc.app.inject({ method: 'GET', url: '/feeds/%ff/x.jsonld?sig=secret-looking-value' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: expect.any(String) });
    expect(res.body).not.toContain('secret-looking-value');
  });

  it('a path segment longer than maxParamLength is 414 {"error"}', async () => {
    const res = await svc.app.inject({ method: 'GET', url: `/api/v1/pim/products/${'x'.repeat(300)}`, headers: await svc.headers(t) });
    expect(res.statusCode).toBe(414);
    expect(res.json()).toEqual({ error: expect.any(String) });
  });

  it('bytes that are not HTTP get 400 {"error"} on the socket', async () => {
    const answer = await rawExchange('GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toEqual({ error: expect.any(String) });
  });

  it('a HEAD request that is not valid HTTP gets the status and headers only: a body would break the client', async () => {
    // The HTTP fuzz run's counterexample: HEAD with raw garbage in the query. Node's client
    // then failed with "Data after Connection: close" on the JSON body.
    for (const bytes of ['HEAD /healthz?a=b c HTTP/1.1\r\nHost: x\r\n\r\n', 'HEAD /healthz HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n']) {
      const answer = await rawExchange(bytes);
      expect(answer).toMatch(/^HTTP\/1\.1 400 /);
      expect(answer.endsWith('\r\n\r\n')).toBe(true);
    }
  });

  it('request headers over the limit get 431 {"error"}', async () => {
    const answer = await rawExchange(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 431 /);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toEqual({ error: expect.any(String) });
  });
});

describe('JSON bodies', () => {
  it('invalid UTF-8 is refused with 400 and stores nothing (it was stored as U+FFFD)', async () => {
    const h = await svc.headers(t);
    const before = await productCount();
    for (const bad of [[0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82]]) {
      const payload = Buffer.concat([Buffer.from('{"title":"a'), Buffer.from(bad), Buffer.from('b"}')]);
      const res = await svc.app.inject({ method: 'POST', url: '/api/v1/pim/products', headers: { ...h, 'content-type': 'application/json' }, payload });
      expect(res.statusCode, Buffer.from(bad).toString('hex')).toBe(400);
      expect(res.json()).toEqual({ error: 'Request body is not valid UTF-8' });
    }
    expect(await productCount()).toBe(before);
  });

  it('valid UTF-8, prototype keys and empty bodies behave as before', async () => {
    const h = { ...(await svc.headers(t)), 'content-type': 'application/json' };
    const ok = await svc.app.inject({ method: 'POST', url: '/api/v1/pim/products', headers: h, payload: Buffer.from('{"title":"Grüße 🎉"}') });
    expect(ok.statusCode).toBe(201);
    expect(ok.json().title).toBe('Grüße 🎉');
    const proto = await svc.app.inject({ method: 'POST', url: '/api/v1/pim/products', headers: h, payload: '{"title":"x","__proto__":{"a":1}}' });
    expect(proto.statusCode).toBe(400);
    const empty = await svc.app.inject({ method: 'POST', url: '/unified/sync/push/product', headers: h, payload: '' });
    expect(empty.statusCode).toBe(400);
    expect(empty.json()).toEqual({ error: expect.any(String) });
  });
});
