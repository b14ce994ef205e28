// Fetching tenant-supplied URLs (WooCommerce store URLs): requests that connect only to
// addresses the SSRF policy allows, checked in the
// very resolution the socket connects with. Checking a host's addresses and then letting
// fetch resolve it again leaves a window: a DNS server answering with a short TTL can hand
// the check a public address and the connection a private one (DNS rebinding). Here the
// socket's own `lookup` resolves, refuses the whole answer if any address is not allowed,
// and connects to what it checked. TLS still names the host (SNI and certificate check use
// the URL's hostname), and the Host header is the URL's.
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { LookupAddress, LookupOptions } from 'node:dns';
import { Readable } from 'node:stream';
import { addressAllowed, checkUrlShape, SsrfError, systemResolver, type Resolver, type SsrfPolicy } from './ssrfGuard.ts';

export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export interface PinnedTransportOptions {
  policy: SsrfPolicy;
  resolve?: Resolver;
  /** Extra trusted CAs (tests with a self-signed store); the system store is used otherwise. */
  ca?: string | Buffer;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A `lookup` for net.connect that refuses a host when any of its addresses is not allowed. */
export function pinnedLookup(policy: SsrfPolicy, resolve: Resolver = systemResolver) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    resolve(hostname)
      .then((addresses) => {
        if (addresses.length === 0) throw new SsrfError('host name does not resolve');
        // One bad record refuses the host: the socket may pick any of them (happy eyeballs).
        if (!addresses.every((a) => addressAllowed(a.address, policy))) {
          throw new SsrfError('resolves to a private, loopback, link-local or reserved address');
        }
        const wanted = options.family === 4 || options.family === 6 ? addresses.filter((a) => a.family === options.family) : addresses;
        if (wanted.length === 0) throw new SsrfError(`host name has no IPv${String(options.family)} address`);
        if (options.all) callback(null, wanted.map((a) => ({ address: a.address, family: a.family })));
        else callback(null, wanted[0]!.address, wanted[0]!.family);
      })
      .catch((err: unknown) => {
        const e = err instanceof SsrfError ? err : new SsrfError('host name does not resolve');
        callback(Object.assign(e, { code: 'ESSRF' }), '', 0);
      });
  };
}

function headersOf(res: IncomingMessage): Headers {
  const h = new Headers();
  for (const [k, v] of Object.entries(res.headers)) {
    if (Array.isArray(v)) for (const x of v) h.append(k, x);
    else if (v !== undefined) h.set(k, v);
  }
  return h;
}

function bodyBytes(body: RequestInit['body']): Buffer | null {
  if (body === undefined || body === null) return null;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof Uint8Array) return Buffer.from(body);
  throw new TypeError('pinned transport sends string or byte bodies only');
}

/**
 * A fetch-shaped function over node:http(s) with the pinned lookup. It never follows
 * redirects (guardedFetch follows them by hand, re-checking each hop) and does not
 * decompress: it sends no Accept-Encoding, so servers answer uncompressed.
 */
export function createPinnedTransport(opts: PinnedTransportOptions): FetchLike {
  const lookup = pinnedLookup(opts.policy, opts.resolve);
  // Own agents: pooled sockets were all connected through this lookup, never through another
  // policy's; keep-alive still saves the TLS handshake between a product's calls.
  const agents = {
    http: new HttpAgent({ keepAlive: true, lookup }),
    https: new HttpsAgent({ keepAlive: true, lookup, ...(opts.ca !== undefined ? { ca: opts.ca } : {}) }),
  };
  return (url, init) =>
    new Promise<Response>((resolve, reject) => {
      const u = new URL(url);
      const secure = u.protocol === 'https:';
      if (!secure && u.protocol !== 'http:') return reject(new SsrfError('must be an https URL'));
      const headers: Record<string, string> = {};
      new Headers(init.headers).forEach((v, k) => (headers[k] = v));
      const body = bodyBytes(init.body);
      if (body !== null) headers['content-length'] = String(body.length);
      const method = (init.method ?? 'GET').toUpperCase();
      const options: RequestOptions = {
        method,
        headers,
        lookup,
        agent: secure ? agents.https : agents.http,
        ...(init.signal ? { signal: init.signal } : {}),
      };
      const req = (secure ? httpsRequest : httpRequest)(u, options, (res) => {
        const status = res.statusCode ?? 502;
        const empty = method === 'HEAD' || status === 204 || status === 205 || status === 304;
        if (empty) res.resume();
        try {
          const stream = empty ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>);
          resolve(new Response(stream, { status, statusText: res.statusMessage ?? '', headers: headersOf(res) }));
        } catch (err) {
          // A status Response cannot represent (above 599): the server is not speaking HTTP we understand.
          res.destroy();
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      });
      req.on('error', reject);
      req.end(body ?? undefined);
    });
}

export interface GuardedFetchOptions extends PinnedTransportOptions {
  /** Redirect hops followed (each re-checked); 3 covers http->https->www chains. */
  maxRedirects?: number;
}

/**
 * fetch for tenant-supplied URLs: the URL's shape is checked (checkUrlShape), the connection
 * goes only to an allowed address of the host (pinned lookup), and redirects are never
 * followed by the platform: each Location is resolved against the current URL, checked like
 * the original, and followed by hand. 307/308 keep method and body; 301/302/303 turn into GET
 * only for GET/HEAD requests; a non-GET request redirected that way is answered as the
 * redirect itself (the caller decides).
 */
export function createGuardedFetch(opts: GuardedFetchOptions): FetchLike {
  const transport = createPinnedTransport(opts);
  const max = opts.maxRedirects ?? 3;
  return async (url, init) => {
    let current = checkUrlShape(url, opts.policy);
    for (let hop = 0; ; hop++) {
      const res = await transport(current.toString(), init);
      const location = res.headers.get('location');
      if (res.status < 300 || res.status >= 400 || res.status === 304 || location === null) return res;
      const method = (init.method ?? 'GET').toUpperCase();
      const keepsMethod = res.status === 307 || res.status === 308;
      if (!keepsMethod && method !== 'GET' && method !== 'HEAD') return res;
      if (hop >= max) throw new SsrfError(`too many redirects (more than ${max})`);
      await res.body?.cancel();
      current = checkUrlShape(new URL(location, current), opts.policy);
    }
  };
}
