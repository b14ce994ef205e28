// The one place Synq decides whether a tenant-supplied URL may be fetched. A store
// URL is user input: without this a tenant could make Synq call its own loopback,
// the cloud metadata service or anything on the private network and read the
// answer back. Three layers: the URL's shape, every address its host resolves to
// (checked in the resolution the socket connects with: guardedFetch.ts), and every
// redirect hop (re-checked before it is followed).
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

export interface SsrfPolicy {
  /**
   * Development only: plain http and loopback addresses are allowed when the host is a
   * loopback name or address (local fakes, `synq sandbox`). Private, link-local and
   * metadata addresses stay refused.
   */
  allowHttpLoopback: boolean;
}

export class SsrfError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SsrfError';
  }
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** Special-purpose ranges (IANA registries) no store lives on. */
const BLOCKED = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT; also Alibaba's metadata 100.100.100.200
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local; AWS/GCP/Azure metadata 169.254.169.254
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  BLOCKED.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['100::', 64], // discard
  ['2001:db8::', 32], // documentation
  ['fc00::', 7], // unique local; AWS's IPv6 metadata fd00:ec2::254
  ['fe80::', 10], // link-local
  ['fec0::', 10], // deprecated site-local
  ['ff00::', 8], // multicast
] as const) {
  BLOCKED.addSubnet(net, prefix, 'ipv6');
}

/** Host names that mean "this machine" or a cloud's internal services whatever DNS says. */
const BLOCKED_NAMES = /^(localhost|.*\.localhost|metadata|metadata\.google\.internal|.*\.internal|.*\.local|instance-data|instance-data\.ec2\.internal)$/;
const LOOPBACK_NAMES = /^(localhost|.*\.localhost)$/;

function expandIpv6(address: string): number[] | null {
  // Node has parsed it already (isIP === 6); expand "::" and a trailing dotted quad.
  let a = address.toLowerCase();
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (dotted) {
    const parts = dotted[1]!.split('.').map(Number);
    a = a.slice(0, -dotted[1]!.length) + `${((parts[0]! << 8) | parts[1]!).toString(16)}:${((parts[2]! << 8) | parts[3]!).toString(16)}`;
  }
  const [head, tail] = a.includes('::') ? a.split('::') : [a, undefined];
  const h = head ? head.split(':').filter(Boolean) : [];
  const t = tail ? tail.split(':').filter(Boolean) : [];
  const fill = tail === undefined ? 0 : 8 - h.length - t.length;
  const groups = [...h, ...Array<string>(fill).fill('0'), ...t].map((g) => parseInt(g, 16));
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : null;
}

/** The IPv4 address an IPv6 address carries (mapped ::ffff:a.b.c.d, compatible ::a.b.c.d, NAT64 64:ff9b::/96, 6to4 2002::/16). */
function embeddedIpv4(address: string): string | null {
  const g = expandIpv6(address);
  if (g === null) return null;
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  const zeros = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  if (zeros(0, 5) && (g[5] === 0xffff || g[5] === 0) && !(g[5] === 0 && g[6] === 0)) return v4(g[6]!, g[7]!);
  if (g[0] === 0x64 && g[1] === 0xff9b && zeros(2, 6)) return v4(g[6]!, g[7]!);
  if (g[0] === 0x2002) return v4(g[1]!, g[2]!);
  return null;
}

export type AddressVerdict = 'public' | 'loopback' | 'blocked';

/** Classifies one IP address (no DNS). */
export function classifyAddress(address: string): AddressVerdict {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = isIP(bare);
  if (family === 0) return 'blocked';
  if (family === 6) {
    const inner = embeddedIpv4(bare);
    if (inner !== null) return classifyAddress(inner);
    if (LOOPBACK.check(bare, 'ipv6')) return 'loopback';
    return BLOCKED.check(bare, 'ipv6') ? 'blocked' : 'public';
  }
  if (LOOPBACK.check(bare, 'ipv4')) return 'loopback';
  return BLOCKED.check(bare, 'ipv4') ? 'blocked' : 'public';
}

const allowed = (v: AddressVerdict, policy: SsrfPolicy) => v === 'public' || (v === 'loopback' && policy.allowHttpLoopback);

/** Whether a resolved address may be connected to under the policy. */
export const addressAllowed = (address: string, policy: SsrfPolicy): boolean => allowed(classifyAddress(address), policy);

/**
 * Parses and checks a URL without DNS: http(s) only, https unless the dev flag allows http
 * to a loopback host, no user info, and an IP-literal host (WHATWG URL parsing has already
 * turned 2130706433, 0x7f000001 and 0177.0.0.1 into 127.0.0.1) in no blocked range.
 */
export function checkUrlShape(raw: string | URL, policy: SsrfPolicy): URL {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new SsrfError('is not a valid URL');
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new SsrfError('must be an https URL');
  // https://x@127.0.0.1 reads like "x" to a human; credentials in a URL are never legitimate here.
  if (u.username !== '' || u.password !== '') throw new SsrfError('must not contain a user name or password');
  const host = u.hostname.toLowerCase();
  if (host === '') throw new SsrfError('has no host');
  const literal = host.replace(/^\[|\]$/g, '');
  let loopbackHost: boolean;
  if (isIP(literal) !== 0) {
    const verdict = classifyAddress(literal);
    if (!allowed(verdict, policy)) throw new SsrfError('points at a private, loopback, link-local or reserved address');
    loopbackHost = verdict === 'loopback';
  } else {
    if (!host.includes('.') && !LOOPBACK_NAMES.test(host)) throw new SsrfError('must be a fully qualified host name');
    loopbackHost = LOOPBACK_NAMES.test(host);
    if (BLOCKED_NAMES.test(host) && !(loopbackHost && policy.allowHttpLoopback)) throw new SsrfError('points at an internal host name');
  }
  if (u.protocol === 'http:' && !(loopbackHost && policy.allowHttpLoopback)) throw new SsrfError('must be an https URL');
  return u;
}

export type Resolver = (host: string) => Promise<{ address: string; family: number }[]>;

export const systemResolver: Resolver = (host) => lookup(host, { all: true, verbatim: true });

/**
 * checkUrlShape plus DNS: every address the host resolves to must be allowed (one bad
 * record is enough to refuse: the client may pick any of them).
 */
export async function checkUrl(raw: string | URL, policy: SsrfPolicy, resolve: Resolver = systemResolver): Promise<URL> {
  const u = checkUrlShape(raw, policy);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) !== 0) return u;
  let addresses: { address: string }[];
  try {
    addresses = await resolve(host);
  } catch {
    throw new SsrfError('host name does not resolve');
  }
  if (addresses.length === 0) throw new SsrfError('host name does not resolve');
  for (const a of addresses) {
    if (!allowed(classifyAddress(a.address), policy)) throw new SsrfError('resolves to a private, loopback, link-local or reserved address');
  }
  return u;
}
