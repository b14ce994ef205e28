// Fetching tenant-supplied URLs against loopback stubs with a stub resolver: nothing here
// resolves a real name or leaves the machine. The DNS-rebinding cases are the point: the
// address checked must be the address connected to, on every request and every redirect hop.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGuardedFetch } from './guardedFetch.ts';
import { checkUrl, SsrfError, type Resolver } from './ssrfGuard.ts';

const strict = { allowHttpLoopback: false };
const dev = { allowHttpLoopback: true };

/** Answers from `table`; a list of answers is handed out one per lookup (the last one repeats), like a rebinding DNS server. */
function stubResolver(table: Record<string, string[] | string[][]>) {
  const calls: string[] = [];
  const resolve: Resolver = async (host) => {
    calls.push(host);
    const entry = table[host];
    if (!entry) throw Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' });
    const answers: string[][] = Array.isArray(entry[0]) ? (entry as string[][]) : [entry as string[]];
    const n = calls.filter((h) => h === host).length - 1;
    return answers[Math.min(n, answers.length - 1)]!.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return { resolve, calls };
}

let server: Server;
let port = 0;
let base = '';
const hits: { url: string; host: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    hits.push({ url: `${req.method} ${req.url}`, host: req.headers.host ?? '' });
    const go = (status: number, location: string) => res.writeHead(status, { location }).end();
    if (req.url === '/to-metadata') return go(302, 'http://169.254.169.254/latest/meta-data/');
    if (req.url === '/to-decimal') return go(301, 'http://2852039166/'); // 169.254.169.254 as one decimal number
    if (req.url === '/to-mapped') return go(307, 'http://[::ffff:10.0.0.1]/');
    if (req.url === '/to-rebound') return go(302, `http://rebound.localhost:${port}/ok`);
    if (req.url === '/to-ok') return go(302, '/ok');
    if (req.url === '/post-307') return go(307, '/ok');
    if (req.url === '/post-302') return go(302, '/ok');
    if (req.url === '/loop') return go(302, '/loop');
    res.writeHead(200, { 'content-type': 'text/plain' }).end(`${req.method} ok`);
  });
  // 127.0.0.2, not .1: the system resolver maps *.localhost to 127.0.0.1 (or nothing), so a
  // request that reaches this stub through a name connected to the stub resolver's answer.
  await new Promise<void>((r) => server.listen(0, '127.0.0.2', r));
  port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.2:${port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

describe('guardedFetch: URL checks and redirects', () => {
  it('refuses the stub itself without the development flag', async () => {
    await expect(createGuardedFetch({ policy: strict })(`${base}/ok`, {})).rejects.toBeInstanceOf(SsrfError);
  });

  it('never follows a redirect to a metadata, encoded-loopback or mapped-private address', async () => {
    const fetch = createGuardedFetch({ policy: dev });
    for (const path of ['/to-metadata', '/to-decimal', '/to-mapped']) {
      await expect(fetch(`${base}${path}`, {}), path).rejects.toBeInstanceOf(SsrfError);
    }
  });

  it('follows an allowed redirect after re-checking it, keeps the method on 307, and hands back a 302 to a POST', async () => {
    const fetch = createGuardedFetch({ policy: dev });
    expect(await (await fetch(`${base}/to-ok`, {})).text()).toBe('GET ok');
    expect(await (await fetch(`${base}/post-307`, { method: 'POST', body: 'x' })).text()).toBe('POST ok');
    expect((await fetch(`${base}/post-302`, { method: 'POST', body: 'x' })).status).toBe(302);
    await expect(fetch(`${base}/loop`, {})).rejects.toThrow(/too many redirects/);
  });
});

describe('guardedFetch: connects only to the addresses it checked (DNS rebinding)', () => {
  it('connects to the address the resolver gave (not a second resolution), keeping the host name in Host', async () => {
    const dns = stubResolver({ 'shop.localhost': ['127.0.0.2'] });
    const res = await createGuardedFetch({ policy: dev, resolve: dns.resolve })(`http://shop.localhost:${port}/ok`, {});
    expect(await res.text()).toBe('GET ok');
    expect(dns.calls).toEqual(['shop.localhost']);
    expect(hits.at(-1)).toEqual({ url: 'GET /ok', host: `shop.localhost:${port}` });
  });

  it('a name that passed the connect-time check and then rebinds to a private address is refused, and nothing is sent', async () => {
    const dns = stubResolver({ 'rebind.localhost': [['127.0.0.2'], ['10.0.0.5']] });
    const url = `http://rebind.localhost:${port}/ok`;
    await expect(checkUrl(url, dev, dns.resolve)).resolves.toBeInstanceOf(URL);
    const before = hits.length;
    await expect(createGuardedFetch({ policy: dev, resolve: dns.resolve })(url, {})).rejects.toBeInstanceOf(SsrfError);
    expect(dns.calls).toEqual(['rebind.localhost', 'rebind.localhost']);
    expect(hits.length).toBe(before);
  });

  it.each([
    ['one bad record among good ones', ['127.0.0.2', '169.254.169.254']],
    ['IPv4-mapped IPv6 private', ['::ffff:10.0.0.1']],
    ['IPv4-mapped IPv6 metadata', ['::ffff:169.254.169.254']],
    ['IPv6 unique local (AWS metadata)', ['fd00:ec2::254']],
    ['no address at all', []],
  ])('refuses a host resolving to %s', async (_name, addresses) => {
    const dns = stubResolver({ 'bad.localhost': addresses });
    const before = hits.length;
    await expect(createGuardedFetch({ policy: dev, resolve: dns.resolve })(`http://bad.localhost:${port}/ok`, {})).rejects.toBeInstanceOf(SsrfError);
    expect(hits.length).toBe(before);
  });

  it('without the development flag, a public-looking name that resolves to loopback is refused at connect', async () => {
    const dns = stubResolver({ 'store.example.com': ['127.0.0.1'] });
    await expect(createGuardedFetch({ policy: strict, resolve: dns.resolve })(`https://store.example.com:${port}/ok`, {})).rejects.toBeInstanceOf(SsrfError);
    expect(dns.calls).toEqual(['store.example.com']);
  });

  it('checks the resolution of every redirect hop', async () => {
    const dns = stubResolver({ 'rebound.localhost': ['10.1.2.3'] });
    const before = hits.length;
    await expect(createGuardedFetch({ policy: dev, resolve: dns.resolve })(`${base}/to-rebound`, {})).rejects.toBeInstanceOf(SsrfError);
    expect(dns.calls).toEqual(['rebound.localhost']);
    expect(hits.slice(before).map((h) => h.url)).toEqual(['GET /to-rebound']);
  });
});

/** A self-signed certificate for shop.localhost, made with the openssl CLI; null when it is not installed. */
function selfSigned(): { key: Buffer; cert: Buffer } | null {
  const dir = mkdtempSync(join(tmpdir(), 'synq-tls-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-subj', '/CN=shop.localhost', '-addext', 'subjectAltName=DNS:shop.localhost'], { stdio: 'ignore' });
    return { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
  } catch {
    return null;
  }
}

const tls = selfSigned();
if (!tls) console.warn('SKIPPED: openssl CLI not found; the TLS name checks of guardedFetch did not run');

describe.skipIf(!tls)('guardedFetch over TLS: pinned address, host name for SNI and the certificate', () => {
  let httpsServer: HttpsServer;
  let tlsPort = 0;
  const seen: { servername: string | false | null; host: string }[] = [];
  beforeAll(async () => {
    httpsServer = createHttpsServer({ key: tls!.key, cert: tls!.cert }, (req, res) => {
      seen.push({ servername: (req.socket as TLSSocket).servername, host: req.headers.host ?? '' });
      res.end('tls ok');
    });
    await new Promise<void>((r) => httpsServer.listen(0, '127.0.0.1', r));
    tlsPort = (httpsServer.address() as AddressInfo).port;
  });
  afterAll(async () => {
    httpsServer.closeAllConnections();
    await new Promise<void>((r) => httpsServer.close(() => r()));
  });

  it('sends SNI and Host for the name and verifies the certificate against it, not against the IP', async () => {
    const dns = stubResolver({ 'shop.localhost': ['127.0.0.1'], 'other.localhost': ['127.0.0.1'] });
    const fetch = createGuardedFetch({ policy: dev, resolve: dns.resolve, ca: tls!.cert });
    expect(await (await fetch(`https://shop.localhost:${tlsPort}/`, {})).text()).toBe('tls ok');
    expect(seen.at(-1)).toEqual({ servername: 'shop.localhost', host: `shop.localhost:${tlsPort}` });
    // Same address, another name: the certificate does not cover it.
    await expect(fetch(`https://other.localhost:${tlsPort}/`, {})).rejects.toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  });
});
