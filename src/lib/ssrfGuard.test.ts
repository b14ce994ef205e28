// The SSRF list (guardedFetch.test.ts has the loopback-stub tests): no test here resolves a real name or
// leaves the machine (DNS answers come from a stub resolver).
import { describe, expect, it } from 'vitest';
import { checkUrl, checkUrlShape, classifyAddress, SsrfError, type Resolver } from './ssrfGuard.ts';

const strict = { allowHttpLoopback: false };
const dev = { allowHttpLoopback: true };

describe('checkUrlShape', () => {
  const refused = [
    'https://127.0.0.1',
    'https://2130706433', // decimal 127.0.0.1
    'https://0x7f000001', // hex
    'https://0177.0.0.1', // octal
    'https://127.1',
    'https://[::ffff:127.0.0.1]', // IPv4-mapped IPv6
    'https://[::ffff:7f00:1]',
    'https://[::127.0.0.1]',
    'https://x@127.0.0.1', // user info hiding the host
    'https://user:pw@shop.example.com',
    'https://[::1]',
    'https://[::]',
    'https://0.0.0.0',
    'https://10.1.2.3',
    'https://172.16.0.1',
    'https://192.168.1.1',
    'https://100.100.100.200', // Alibaba metadata (CGNAT range)
    'https://169.254.169.254', // AWS/GCP/Azure metadata
    'https://[fd00:ec2::254]', // AWS IPv6 metadata (ULA)
    'https://[fc00::1]',
    'https://[fe80::1]', // link-local
    'https://[64:ff9b::a9fe:a9fe]', // NAT64 of 169.254.169.254
    'https://[2002:7f00:1::]', // 6to4 of 127.0.0.1
    'https://224.0.0.1',
    'https://localhost',
    'https://shop.localhost',
    'https://metadata.google.internal',
    'https://intranet', // single label: resolved through search domains
    'http://shop.example.com', // plain http
    'ftp://shop.example.com',
    'javascript:alert(1)',
    'not a url',
  ];
  for (const url of refused) {
    it(`refuses ${url}`, () => expect(() => checkUrlShape(url, strict)).toThrow(SsrfError));
  }

  it('accepts public https hosts and addresses', () => {
    expect(checkUrlShape('https://shop.example.com/store', strict).hostname).toBe('shop.example.com');
    expect(checkUrlShape('https://93.184.216.34', strict).hostname).toBe('93.184.216.34');
    expect(checkUrlShape('https://[2606:4700::1111]', strict).hostname).toBe('[2606:4700::1111]');
  });

  it('the development flag allows loopback (http or https) and nothing else', () => {
    expect(checkUrlShape('http://127.0.0.1:8082/stores/demo', dev).port).toBe('8082');
    expect(checkUrlShape('http://localhost:8082', dev).hostname).toBe('localhost');
    expect(checkUrlShape('http://[::1]:1', dev).hostname).toBe('[::1]');
    for (const url of ['http://10.0.0.1', 'https://169.254.169.254', 'http://shop.example.com', 'https://[fd00::1]', 'https://x@127.0.0.1', 'https://metadata.google.internal']) {
      expect(() => checkUrlShape(url, dev), url).toThrow(SsrfError);
    }
  });

  it('classifies addresses', () => {
    expect(classifyAddress('8.8.8.8')).toBe('public');
    expect(classifyAddress('127.0.0.5')).toBe('loopback');
    expect(classifyAddress('::ffff:10.0.0.1')).toBe('blocked');
    expect(classifyAddress('::ffff:8.8.8.8')).toBe('public');
    expect(classifyAddress('fe80::1%eth0')).toBe('blocked');
  });
});

describe('checkUrl (resolved addresses)', () => {
  const resolver =
    (table: Record<string, string[]>): Resolver =>
    async (host) => {
      const addresses = table[host];
      if (!addresses) throw Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' });
      return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    };
  const dns = resolver({
    'good.example.com': ['93.184.216.34', '2606:2800:220:1::1'],
    'rebind.example.com': ['93.184.216.34', '10.0.0.5'],
    'meta.example.com': ['169.254.169.254'],
    'mapped.example.com': ['::ffff:127.0.0.1'],
    'ula.example.com': ['fd12:3456::1'],
    'loop.example.com': ['127.0.0.1'],
  });

  it('accepts a host whose every address is public', async () => {
    await expect(checkUrl('https://good.example.com', strict, dns)).resolves.toBeInstanceOf(URL);
  });
  it('refuses a host with any private, metadata, mapped-loopback or ULA address, or none', async () => {
    for (const host of ['rebind', 'meta', 'mapped', 'ula', 'loop', 'missing']) {
      await expect(checkUrl(`https://${host}.example.com`, strict, dns), host).rejects.toBeInstanceOf(SsrfError);
    }
  });
  it('even the development flag does not admit a name resolving to loopback over http', async () => {
    await expect(checkUrl('http://loop.example.com', dev, dns)).rejects.toBeInstanceOf(SsrfError);
  });
});
