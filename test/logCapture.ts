// The whole test run's logs and secrets, for the check that no secret is ever logged.
// globalSetup gives every run a directory; each vitest worker appends the log lines of the
// services it starts (logs-<pid>.jsonl) and every secret those services were given or
// handed (secrets-<pid>.jsonl): configured keys and client secrets, the bearer tokens the
// tests mint, and every credential Synq seals (tokens the fake providers issued, webhook
// secrets it chose). globalSetup's teardown scans them (secretScan.ts) and fails the run.
import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { inject } from 'vitest';
import type { Config } from '../src/config.ts';
import type { CredentialCipher } from '../src/lib/credentialCipher.ts';
import { MIN_SECRET_LENGTH } from './secretScan.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    logCaptureDir: string;
  }
}

let logFd: number | undefined;
let secretFd: number | undefined;
const registered = new Set<string>();

function dir(): string | undefined {
  try {
    return inject('logCaptureDir') || undefined;
  } catch {
    return undefined; // outside a vitest run with our globalSetup: nothing to capture into
  }
}

function fd(kind: 'logs' | 'secrets'): number | undefined {
  const d = dir();
  if (d === undefined) return undefined;
  if (kind === 'logs') return (logFd ??= openSync(join(d, `logs-${process.pid}.jsonl`), 'a'));
  return (secretFd ??= openSync(join(d, `secrets-${process.pid}.jsonl`), 'a'));
}

/** One chunk a service's logger wrote (pino writes whole lines). */
export function captureLogLine(line: string): void {
  const f = fd('logs');
  if (f !== undefined) writeSync(f, line.endsWith('\n') ? line : `${line}\n`);
}

export function registerSecret(what: string, value: string | undefined): void {
  if (value === undefined || value.length < MIN_SECRET_LENGTH || registered.has(value)) return;
  registered.add(value);
  const f = fd('secrets');
  if (f !== undefined) writeSync(f, `${JSON.stringify({ what, value })}\n`);
}

/** Every secret a service was configured with. */
export function registerConfigSecrets(config: Config, env: Record<string, string | undefined>): void {
  if (config.auth.mode === 'dev-secret') registerSecret('SYNQ_AUTH_SECRET', Buffer.from(config.auth.secret).toString('utf8'));
  registerSecret('SYNQ_WEBHOOK_SECRET', config.webhookSecret.toString('utf8'));
  for (const k of config.encryptionKeys) {
    registerSecret(`SYNQ_ENCRYPTION_KEYS ${k.kid}`, k.key.toString('base64'));
    registerSecret(`SYNQ_ENCRYPTION_KEYS ${k.kid} (hex)`, k.key.toString('hex'));
  }
  for (const k of config.feed.signingKeys) registerSecret(`SYNQ_FEED_SIGNING_KEYS ${k.kid}`, k.key.toString('base64'));
  // Every variable a provider declares as a secret (its config spec), as the service was given it.
  for (const p of config.providers) {
    for (const row of p.module.envVars) for (const name of row.secrets ?? []) registerSecret(name, env[name]);
  }
  registerSecret('SYNQ_FEED_S3_SECRET_ACCESS_KEY', config.feed.s3?.credentials?.secretAccessKey);
}

/**
 * Registers each credential as Synq seals it: every access and refresh token a provider
 * (fake) issued, every key pair and webhook secret, including ones later rotated away.
 */
export function watchSealedCredentials(cipher: CredentialCipher): void {
  const encrypt = cipher.encrypt.bind(cipher);
  cipher.encrypt = (plaintext, aad) => {
    try {
      const creds = JSON.parse(plaintext) as Record<string, unknown>;
      for (const [k, v] of Object.entries(creds)) if (typeof v === 'string' && /token|secret/i.test(k)) registerSecret(`credentials.${k}`, v);
    } catch {
      // not a credentials object: nothing to register
    }
    return encrypt(plaintext, aad);
  };
}

/** For tests of this module: closes this process's capture files. */
export function closeCapture(): void {
  if (logFd !== undefined) closeSync(logFd);
  if (secretFd !== undefined) closeSync(secretFd);
  logFd = secretFd = undefined;
}
