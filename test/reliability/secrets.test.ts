// The run-wide "no secret in any log line" check (test/logCapture.ts, scanned by
// test/globalSetup.ts when the run ends) can fail: the scanner finds planted secrets in
// every shape they take, and the harness really does capture every service's lines and
// register the secrets it handles. The check itself runs over the whole suite's logs.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { newTenant, startService, TEST_ENCRYPTION_KEYS, TEST_WEBHOOK_SECRET } from '../harness.ts';
import { findLeaks, scanCaptureDir, type Secret } from '../secretScan.ts';

const jwt = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0ZW5hbnRfaWQiOiJ4In0.q3bJ5u9VwR1h8m2Zt0yXk4LpN6sDfGa7cEeHiJoKlMn';
const secrets: Secret[] = [
  { what: 'bearer token', value: jwt },
  { what: 'credentials.refreshToken', value: 'Atzr|IwEBIA-refresh-9f8e7d6c5b4a39281706' },
  { what: 'SYNQ_ENCRYPTION_KEYS t1', value: 'q+/Zx9Lk3mN8pQ2rS5tU7vW1yA4bC6dE0fG9hJ2kL4M=' },
  { what: 'SHOPIFY_CLIENT_SECRET', value: 'shpss_0123456789abcdef0123456789abcdef' },
];

describe('the secret scanner', () => {
  it.each([
    ['a token as a JSON value', `{"level":30,"token":"${jwt}","msg":"x"}`, 'bearer token'],
    ['a token in an Authorization header echo', `{"headers":{"authorization":"Bearer ${jwt}"}}`, 'bearer token'],
    ['a token glued to other text', `{"url":"/cb?x=1&code=abc${jwt}def"}`, 'bearer token'],
    ['a refresh token with its | prefix', `{"body":"refresh_token=Atzr|IwEBIA-refresh-9f8e7d6c5b4a39281706&grant_type=refresh_token"}`, 'credentials.refreshToken'],
    ['a base64 key with + and /', `{"err":"bad key q+/Zx9Lk3mN8pQ2rS5tU7vW1yA4bC6dE0fG9hJ2kL4M= given"}`, 'SYNQ_ENCRYPTION_KEYS t1'],
    ['a client secret in an error message', `{"err":{"message":"POST failed: client_secret=shpss_0123456789abcdef0123456789abcdef"}}`, 'SHOPIFY_CLIENT_SECRET'],
  ])('finds %s', (_name, line, what) => {
    const leaks = findLeaks(secrets, ['{"msg":"clean line"}', line], 'logs-1.jsonl');
    expect(leaks.map((l) => [l.what, l.line])).toEqual([[what, 2]]);
    expect(leaks[0]!.excerpt).toContain('[SECRET]');
    expect(leaks[0]!.excerpt).not.toContain(secrets.find((s) => s.what === what)!.value);
  });

  it('does not flag redacted values, fragments or unrelated ids', () => {
    const lines = [
      '{"authorization":"[redacted]","url":"/feeds/x?sig=[redacted]"}',
      `{"half":"${jwt.slice(0, 40)}"}`,
      '{"id":"4f6b2d1e-0c3a-4b5d-8e9f-0a1b2c3d4e5f","msg":"request"}',
      '{"key":"q+/Zx9Lk3mN8pQ2rS5tU7vW1yA4bC6dE0fG9hJ2kL4"}',
    ];
    expect(findLeaks(secrets, lines, 'logs-1.jsonl')).toEqual([]);
  });

  it('reads a capture directory and reports the file and line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'synq-scan-test-'));
    try {
      writeFileSync(join(dir, 'secrets-1.jsonl'), secrets.map((s) => JSON.stringify(s)).join('\n') + '\n');
      writeFileSync(join(dir, 'logs-1.jsonl'), '{"msg":"a"}\n{"msg":"b"}\n');
      writeFileSync(join(dir, 'logs-2.jsonl'), `{"msg":"c"}\n{"leak":"${secrets[3]!.value}"}\n`);
      const { leaks, secrets: n } = scanCaptureDir(dir);
      expect(n).toBe(4);
      expect(leaks.map((l) => `${l.file}:${l.line} ${l.what}`)).toEqual(['logs-2.jsonl:2 SHOPIFY_CLIENT_SECRET']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // At the scale of a whole run (a quadratic scan would hit the test timeout here).
  it('finds the one leak among 200,000 log lines and 5,000 secrets', () => {
    const many: Secret[] = Array.from({ length: 5_000 }, (_, i) => ({ what: 'bearer token', value: `${jwt.slice(0, 60)}${i.toString(36).padStart(8, 'x')}Zz` }));
    const lines = Array.from({ length: 200_000 }, (_, i) => `{"level":30,"reqId":"${i}","method":"GET","url":"/api/v1/pim/products/4f6b2d1e-0c3a-4b5d-8e9f-${String(i).padStart(12, '0')}","status":200,"ms":3,"msg":"request"}`);
    lines[123_456] = `{"token":"${many[4_321]!.value}"}`;
    const leaks = findLeaks(many, lines, 'logs-1.jsonl');
    expect(leaks.map((l) => l.line)).toEqual([123_457]);
  });
});

describe('the capture the run-wide check reads', () => {
  let svc: Awaited<ReturnType<typeof startService>> | undefined;
  afterAll(async () => {
    await svc?.close();
  });

  it("holds every line this worker's services log and the secrets they handled", async () => {
    svc = await startService();
    const t = newTenant();
    const headers = await svc.headers(t);
    const marker = `capture-check-${Date.now()}`;
    const res = await svc.app.inject({ method: 'POST', url: '/api/v1/pim/products', headers, payload: { title: marker } });
    expect(res.statusCode).toBe(201);
    const dir = inject('logCaptureDir');
    const read = (prefix: string) => readdirSync(dir).filter((f) => f.startsWith(`${prefix}-${process.pid}`)).map((f) => readFileSync(join(dir, f), 'utf8')).join('');
    const logs = read('logs');
    expect(logs).toContain('"url":"/api/v1/pim/products"');
    expect(svc.logs.every((l) => logs.includes(l.trim()))).toBe(true);
    const registered = read('secrets')
      .split('\n')
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as Secret).value);
    expect(registered).toContain(headers.authorization!.slice('Bearer '.length));
    expect(registered).toContain(TEST_WEBHOOK_SECRET);
    expect(registered).toContain(TEST_ENCRYPTION_KEYS.split(':')[1]);
  });
});
