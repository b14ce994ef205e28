import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { catalogBuildCommand } from '../cli/catalogBuild.ts';
import { loadConfig, ConfigError } from '../config.ts';
import { acceptsGzip } from '../http/routes/feeds/getFeedFile.ts';
import { parseFeedFileName } from './formats.ts';
import { gtinProperty, isValidGtin } from './gtin.ts';
import { xmlText } from './merchant.ts';
import { formatDecimal, toMinorUnits } from './money.ts';
import { FeedSigner } from './signing.ts';

describe('gtin', () => {
  it('accepts GTIN-8/12/13/14 with a correct check digit only', () => {
    expect(isValidGtin('4006381333931')).toBe(true);
    expect(isValidGtin('4006381333932')).toBe(false);
    expect(isValidGtin('96385074')).toBe(true);
    expect(isValidGtin('036000291452')).toBe(true);
    expect(isValidGtin('10012345678902')).toBe(true);
    expect(isValidGtin('12345')).toBe(false);
    expect(gtinProperty('036000291452')).toEqual({ property: 'gtin12', value: '036000291452' });
    expect(gtinProperty(null)).toBeNull();
  });

  it('agrees with the regex-and-checksum definition on any string', () => {
    const reference = (code: string) => {
      if (!/^\d{8}$|^\d{12,14}$/.test(code)) return false;
      const digits = [...code].map(Number);
      const check = digits.pop()!;
      const sum = digits.reverse().reduce((n, d, i) => n + d * (i % 2 === 0 ? 3 : 1), 0);
      return (10 - (sum % 10)) % 10 === check;
    };
    // Digits and their neighbours in the code table ('/' and ':'), other scripts' digits, any length around the valid ones.
    const unit = fc.oneof(fc.constantFrom(...'0123456789'), fc.constantFrom('/', ':', ' ', '٣', '０', 'a'));
    fc.assert(
      fc.property(fc.string({ unit, minLength: 6, maxLength: 15 }), (code) => {
        expect(isValidGtin(code)).toBe(reference(code));
      }),
      { numRuns: 2000 },
    );
    // Valid codes are rare among random strings: every length, with its right check digit.
    for (const body of ['9638507', '03600029145', '400638133393', '1001234567890']) {
      for (let d = 0; d <= 9; d++) expect(isValidGtin(body + d)).toBe(reference(body + d));
    }
  });
});

describe('money', () => {
  it('converts exact decimal strings to minor units and back, per currency', () => {
    expect(toMinorUnits('89.99', 'USD')).toBe(8999);
    expect(toMinorUnits('39', 'USD')).toBe(3900);
    expect(toMinorUnits('1500', 'JPY')).toBe(1500);
    expect(toMinorUnits('1.2345', 'USD')).toBe(123);
    expect(toMinorUnits('1.235', 'USD')).toBe(124);
    expect(toMinorUnits('9999999999999.9999', 'USD')).toBe(1_000_000_000_000_000); // still a safe integer
    expect(formatDecimal('39', 'USD')).toBe('39.00');
    expect(formatDecimal('0.5', 'BHD')).toBe('0.500');
    expect(formatDecimal('1500', 'JPY')).toBe('1500');
  });
});

describe('feed file names and encodings', () => {
  it('parses only names Synq publishes', () => {
    const v = 'a'.repeat(32);
    expect(parseFeedFileName(`${v}.jsonld`)).toEqual({ version: v, format: 'jsonld' });
    expect(parseFeedFileName(`${v}.jsonl.gz`)).toEqual({ version: v, format: 'acp' });
    expect(parseFeedFileName(`${v}.xml`)).toEqual({ version: v, format: 'merchant' });
    expect(parseFeedFileName(`${v}.json`)).toBeNull();
    expect(parseFeedFileName(`../${v}.xml`)).toBeNull();
  });
  it('reads Accept-Encoding with q-values', () => {
    expect(acceptsGzip('gzip, deflate, br')).toBe(true);
    expect(acceptsGzip('br;q=1, gzip;q=0')).toBe(false);
    expect(acceptsGzip('*')).toBe(true);
    expect(acceptsGzip(undefined)).toBe(false);
  });
  it('keeps XML well-formed whatever the text', () => {
    expect(xmlText('a < b & "c"\u0000\uFFFE\uD800')).toBe('a &lt; b &amp; &quot;c&quot;');
  });
});

describe('FeedSigner', () => {
  const k1 = { kid: 'k1', key: Buffer.alloc(32, 1) };
  const k2 = { kid: 'k2', key: Buffer.alloc(32, 2) };
  const path = '/feeds/6f1c3a52-7c1e-4c57-9a55-0c0b8f0f4d11/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.jsonld';
  const now = Date.UTC(2026, 0, 1);

  it('verifies its own links, rejects tampering, reports expiry after the signature', () => {
    const s = new FeedSigner([k1]);
    const exp = s.expiryFor(now, 900);
    expect(exp % 60).toBe(0);
    const q = s.sign(path, exp);
    const query = { exp: String(q.exp), kid: q.kid, sig: q.sig };
    expect(s.verify(path, query, now)).toBe('ok');
    expect(s.verify(path.replace('aaaa', 'aaab'), query, now)).toBe('invalid');
    expect(s.verify(path, { ...query, exp: String(exp + 1) }, now)).toBe('invalid');
    expect(s.verify(path, query, exp * 1000)).toBe('expired');
    expect(s.verify(path, { ...query, sig: 'x' }, exp * 1000)).toBe('invalid');
  });

  it('rotates: the first key signs, older keys still verify until removed', () => {
    const old = new FeedSigner([k1]);
    const rotated = new FeedSigner([k2, k1]);
    const exp = old.expiryFor(now, 900);
    const q = old.sign(path, exp);
    expect(rotated.verify(path, { exp: String(exp), kid: 'k1', sig: q.sig }, now)).toBe('ok');
    expect(rotated.sign(path, exp).kid).toBe('k2');
    expect(new FeedSigner([k2]).verify(path, { exp: String(exp), kid: 'k1', sig: q.sig }, now)).toBe('invalid');
  });
});

describe('feed config', () => {
  const base = { NODE_ENV: 'production', SYNQ_AUTH_SECRET: 'x'.repeat(32), SYNQ_WEBHOOK_SECRET: 'y'.repeat(16), SYNQ_ENCRYPTION_KEYS: `k:${Buffer.alloc(32).toString('base64')}` };
  const problems = (env: Record<string, string>) => {
    try {
      loadConfig({ ...base, ...env });
      return [];
    } catch (err) {
      return (err as ConfigError).problems;
    }
  };
  it('requires signing keys in production and checks their shape', () => {
    expect(problems({})).toContain('SYNQ_FEED_SIGNING_KEYS is required when NODE_ENV=production');
    expect(problems({ SYNQ_FEED_SIGNING_KEYS: `a:${Buffer.alloc(8).toString('base64')}` })[0]).toMatch(/at least 32 bytes/);
    const ok = { SYNQ_FEED_SIGNING_KEYS: `new:${Buffer.alloc(32, 1).toString('base64')},old:${Buffer.alloc(32, 2).toString('base64')}` };
    expect(problems(ok)).toEqual([]);
    expect(problems({ ...ok, SYNQ_FEED_URL_TTL: '5' })[0]).toMatch(/SYNQ_FEED_URL_TTL/);
    expect(problems({ ...ok, SYNQ_FEED_S3_ENDPOINT: 'http://localhost:9000' })[0]).toMatch(/without SYNQ_FEED_S3_BUCKET/);
    expect(problems({ ...ok, SYNQ_FEED_S3_BUCKET: 'feeds', SYNQ_FEED_S3_ACCESS_KEY_ID: 'a' })[0]).toMatch(/set together/);
  });
});

describe('synq catalog build', () => {
  it('refuses a missing or malformed tenant with usage and exit code 2', async () => {
    expect(await catalogBuildCommand([])).toBe(2);
    expect(await catalogBuildCommand(['--tenant', 'not-a-uuid'])).toBe(2);
    expect(await catalogBuildCommand(['--bogus'])).toBe(2);
  });
});
