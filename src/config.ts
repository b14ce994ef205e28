// One schema for every environment variable Synq reads. Parsed once at start-up
// (never at import time); a bad value stops start-up with one message listing
// every problem, so an operator fixes them all in one go.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { checkProviderTable, type LoadedProvider, type ProviderModule } from './providers/descriptor.ts';
import type { Env } from './providers/envSpec.ts';
import { PROVIDERS } from './providers/registry.ts';

export type AuthConfig =
  | { mode: 'jwks'; jwksUrl: string; issuer: string | undefined; audience: string | undefined }
  | { mode: 'dev-secret'; secret: Uint8Array; issuer: string | undefined; audience: string | undefined };

export interface EncryptionKey {
  kid: string;
  key: Buffer;
}

export interface FeedSigningKey {
  kid: string;
  key: Buffer;
}

/** S3-compatible bucket for catalog feeds; absent = the data directory. */
export interface FeedS3Config {
  bucket: string;
  endpoint: string | undefined;
  region: string;
  /** Both or neither: neither means the SDK's default chain (instance role, env, profile). */
  credentials: { accessKeyId: string; secretAccessKey: string } | undefined;
  forcePathStyle: boolean;
}

export interface FeedConfig {
  /** Lifetime of a signed feed URL, seconds. */
  urlTtlSeconds: number;
  /** The first key signs; the others still verify (rotation: prepend the new key, drop the old after one TTL). */
  signingKeys: FeedSigningKey[];
  s3: FeedS3Config | undefined;
  /** Debounce window of the rebuild job after a product change, seconds. */
  buildDelaySeconds: number;
}

export interface Config {
  env: 'development' | 'production' | 'test';
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  publicUrl: string;
  auth: AuthConfig;
  webhookSecret: Buffer;
  encryptionKeys: EncryptionKey[];
  connectRedirectAllowlist: string[];
  /** Every provider of the table with its parsed settings (see src/providers/registry.ts). */
  providers: readonly LoadedProvider[];
  logLevel: string;
  /** How often each active connection is reconciled, in minutes (cron granularity). */
  reconcileEveryMinutes: number;
  /** Push retries: capped exponential backoff with full jitter, then dead. */
  pushRetry: { baseMs: number; capMs: number; maxAttempts: number };
  /** How often the queue looks for jobs whose worker died (missed heartbeats), seconds. */
  queueSuperviseSeconds: number;
  /** Catalog feed: signed-URL lifetime and keys, storage, rebuild debounce. */
  feed: FeedConfig;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}


/** Secrets generated on first start in development live in the data dir so restarts keep them. */
function devSecret(dataDir: string, name: string, bytes: number): string {
  const dir = join(dataDir, 'secrets');
  const file = join(dir, name);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const value = randomBytes(bytes).toString('base64');
  writeFileSync(file, value + '\n', { mode: 0o600 });
  return value;
}

function parsePort(raw: string | undefined, problems: string[]): number {
  if (raw === undefined || raw === '') return 8080;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    problems.push(`PORT must be an integer 0-65535, got "${raw}"`);
    return 8080;
  }
  return n;
}

function parseUrl(name: string, raw: string, problems: string[], protocols: string[]): string | undefined {
  try {
    const u = new URL(raw);
    if (!protocols.includes(u.protocol)) {
      problems.push(`${name} must use ${protocols.join(' or ')}, got "${u.protocol}"`);
      return undefined;
    }
    return raw;
  } catch {
    problems.push(`${name} is not a valid URL`);
    return undefined;
  }
}

function parseEncryptionKeys(raw: string, problems: string[]): EncryptionKey[] {
  const keys: EncryptionKey[] = [];
  for (const part of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
    const idx = part.indexOf(':');
    const kid = idx > 0 ? part.slice(0, idx) : '';
    const b64 = idx > 0 ? part.slice(idx + 1) : '';
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(kid)) {
      problems.push('SYNQ_ENCRYPTION_KEYS: each entry must be kid:base64key with a kid of [A-Za-z0-9_-]{1,32}');
      continue;
    }
    const key = Buffer.from(b64, 'base64');
    if (key.length !== 32) {
      problems.push(`SYNQ_ENCRYPTION_KEYS: key "${kid}" must decode to 32 bytes (AES-256), got ${key.length}`);
      continue;
    }
    if (keys.some((k) => k.kid === kid)) problems.push(`SYNQ_ENCRYPTION_KEYS: duplicate kid "${kid}"`);
    keys.push({ kid, key });
  }
  if (keys.length === 0 && problems.every((p) => !p.startsWith('SYNQ_ENCRYPTION_KEYS'))) {
    problems.push('SYNQ_ENCRYPTION_KEYS must list at least one kid:base64key');
  }
  return keys;
}

function parseFeedSigningKeys(raw: string, problems: string[]): FeedSigningKey[] {
  const keys: FeedSigningKey[] = [];
  for (const part of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
    const idx = part.indexOf(':');
    const kid = idx > 0 ? part.slice(0, idx) : '';
    const key = Buffer.from(idx > 0 ? part.slice(idx + 1) : '', 'base64');
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(kid)) {
      problems.push('SYNQ_FEED_SIGNING_KEYS: each entry must be kid:base64key with a kid of [A-Za-z0-9_-]{1,32}');
      continue;
    }
    // HMAC-SHA256 keys shorter than the hash add no margin; 32 bytes is the floor.
    if (key.length < 32) {
      problems.push(`SYNQ_FEED_SIGNING_KEYS: key "${kid}" must decode to at least 32 bytes, got ${key.length}`);
      continue;
    }
    if (keys.some((k) => k.kid === kid)) problems.push(`SYNQ_FEED_SIGNING_KEYS: duplicate kid "${kid}"`);
    keys.push({ kid, key });
  }
  if (keys.length === 0 && problems.every((p) => !p.startsWith('SYNQ_FEED_SIGNING_KEYS'))) {
    problems.push('SYNQ_FEED_SIGNING_KEYS must list at least one kid:base64key');
  }
  return keys;
}

function parseFeedConfig(env: Env, production: boolean, dataDir: string, problems: string[]): FeedConfig {
  const ttlRaw = env.SYNQ_FEED_URL_TTL;
  const urlTtlSeconds = ttlRaw ? Number(ttlRaw) : 15 * 60;
  // Upper bound 7 days: the longest an S3 presigned URL (SigV4) may live.
  if (!Number.isInteger(urlTtlSeconds) || urlTtlSeconds < 60 || urlTtlSeconds > 7 * 24 * 3600) {
    problems.push('SYNQ_FEED_URL_TTL must be an integer number of seconds, 60-604800');
  }
  let keysRaw = env.SYNQ_FEED_SIGNING_KEYS;
  if (!keysRaw) {
    if (production) problems.push('SYNQ_FEED_SIGNING_KEYS is required when NODE_ENV=production');
    else keysRaw = `dev1:${devSecret(dataDir, 'feed-signing-key', 32)}`;
  }
  const signingKeys = keysRaw ? parseFeedSigningKeys(keysRaw, problems) : [];
  const delayRaw = env.SYNQ_FEED_BUILD_DELAY;
  const buildDelaySeconds = delayRaw ? Number(delayRaw) : 15;
  if (!Number.isInteger(buildDelaySeconds) || buildDelaySeconds < 0 || buildDelaySeconds > 3600) {
    problems.push('SYNQ_FEED_BUILD_DELAY must be an integer number of seconds, 0-3600');
  }

  let s3: FeedS3Config | undefined;
  const s3Vars = ['SYNQ_FEED_S3_ENDPOINT', 'SYNQ_FEED_S3_REGION', 'SYNQ_FEED_S3_ACCESS_KEY_ID', 'SYNQ_FEED_S3_SECRET_ACCESS_KEY'];
  if (env.SYNQ_FEED_S3_BUCKET) {
    const bucket = env.SYNQ_FEED_S3_BUCKET;
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) problems.push(`SYNQ_FEED_S3_BUCKET "${bucket}" is not a valid bucket name`);
    const endpoint = env.SYNQ_FEED_S3_ENDPOINT ? parseUrl('SYNQ_FEED_S3_ENDPOINT', env.SYNQ_FEED_S3_ENDPOINT, problems, ['http:', 'https:']) : undefined;
    const accessKeyId = env.SYNQ_FEED_S3_ACCESS_KEY_ID;
    const secretAccessKey = env.SYNQ_FEED_S3_SECRET_ACCESS_KEY;
    if (Boolean(accessKeyId) !== Boolean(secretAccessKey)) {
      problems.push('SYNQ_FEED_S3_ACCESS_KEY_ID and SYNQ_FEED_S3_SECRET_ACCESS_KEY must be set together');
    }
    const pathStyle = env.SYNQ_FEED_S3_FORCE_PATH_STYLE;
    if (pathStyle !== undefined && pathStyle !== '' && pathStyle !== 'true' && pathStyle !== 'false') {
      problems.push('SYNQ_FEED_S3_FORCE_PATH_STYLE must be true or false');
    }
    s3 = {
      bucket,
      endpoint,
      region: env.SYNQ_FEED_S3_REGION || 'us-east-1',
      credentials: accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined,
      // S3-compatible servers (MinIO, R2, test servers) mostly want path-style addressing.
      forcePathStyle: pathStyle ? pathStyle === 'true' : endpoint !== undefined,
    };
  } else {
    const stray = s3Vars.filter((v) => env[v]);
    if (stray.length > 0) problems.push(`${stray.join(', ')} set without SYNQ_FEED_S3_BUCKET`);
  }
  return { urlTtlSeconds, signingKeys, s3, buildDelaySeconds };
}

/**
 * Parses every variable once. `providers` is the provider table (tests pass one with an
 * extra row); each provider parses its own variables and reports into the same list.
 */
export function loadConfig(env: Env = process.env, providers: readonly ProviderModule[] = PROVIDERS): Config {
  const problems: string[] = [];
  const nodeEnv = env.NODE_ENV === 'production' ? 'production' : env.NODE_ENV === 'test' ? 'test' : 'development';
  const production = nodeEnv === 'production';
  const port = parsePort(env.PORT, problems);
  const host = env.HOST || '127.0.0.1';
  const dataDir = resolve(env.SYNQ_DATA_DIR || './.synq');

  let databaseUrl: string | undefined;
  if (env.DATABASE_URL) databaseUrl = parseUrl('DATABASE_URL', env.DATABASE_URL, problems, ['postgres:', 'postgresql:']);

  let publicUrl = `http://localhost:${port}`;
  if (env.SYNQ_PUBLIC_URL) {
    const u = parseUrl('SYNQ_PUBLIC_URL', env.SYNQ_PUBLIC_URL, problems, ['http:', 'https:']);
    if (u) publicUrl = u.replace(/\/+$/, '');
  }

  const issuer = env.SYNQ_AUTH_ISSUER || undefined;
  const audience = env.SYNQ_AUTH_AUDIENCE || undefined;
  let auth: AuthConfig;
  if (env.SYNQ_AUTH_JWKS_URL) {
    const jwksUrl = parseUrl('SYNQ_AUTH_JWKS_URL', env.SYNQ_AUTH_JWKS_URL, problems, ['https:', 'http:']) ?? '';
    if (production && !issuer) problems.push('SYNQ_AUTH_ISSUER is required with SYNQ_AUTH_JWKS_URL in production');
    if (production && !audience) problems.push('SYNQ_AUTH_AUDIENCE is required with SYNQ_AUTH_JWKS_URL in production');
    auth = { mode: 'jwks', jwksUrl, issuer, audience };
  } else {
    let secret = env.SYNQ_AUTH_SECRET;
    if (!secret) {
      if (production) problems.push('SYNQ_AUTH_JWKS_URL (or SYNQ_AUTH_SECRET) is required when NODE_ENV=production');
      else secret = devSecret(dataDir, 'auth-secret', 32);
    }
    if (secret !== undefined && Buffer.byteLength(secret) < 32) {
      problems.push('SYNQ_AUTH_SECRET must be at least 32 bytes (HS256 key)');
    }
    auth = { mode: 'dev-secret', secret: new TextEncoder().encode(secret ?? ''), issuer, audience };
  }

  let webhookSecret = env.SYNQ_WEBHOOK_SECRET;
  if (!webhookSecret) {
    if (production) problems.push('SYNQ_WEBHOOK_SECRET is required when NODE_ENV=production');
    else webhookSecret = devSecret(dataDir, 'webhook-secret', 32);
  } else if (Buffer.byteLength(webhookSecret) < 16) {
    problems.push('SYNQ_WEBHOOK_SECRET must be at least 16 bytes');
  }

  let encRaw = env.SYNQ_ENCRYPTION_KEYS;
  if (!encRaw) {
    if (production) problems.push('SYNQ_ENCRYPTION_KEYS is required when NODE_ENV=production');
    else encRaw = `dev1:${devSecret(dataDir, 'encryption-key', 32)}`;
  }
  const encryptionKeys = encRaw ? parseEncryptionKeys(encRaw, problems) : [];

  const connectRedirectAllowlist: string[] = [];
  for (const origin of (env.SYNQ_CONNECT_REDIRECT_ALLOWLIST ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    try {
      const u = new URL(origin);
      if (u.origin !== origin.replace(/\/+$/, '')) throw new Error('not an origin');
      connectRedirectAllowlist.push(u.origin);
    } catch {
      problems.push(`SYNQ_CONNECT_REDIRECT_ALLOWLIST: "${origin}" is not an origin (scheme://host[:port])`);
    }
  }

  checkProviderTable(providers);
  const loadedProviders = providers.map((p) => p.load(env, problems, production));

  const logLevel = env.LOG_LEVEL || (nodeEnv === 'test' ? 'warn' : 'info');
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    problems.push(`LOG_LEVEL must be one of fatal,error,warn,info,debug,trace,silent`);
  }
  const reconcileEveryMinutes = env.SYNQ_RECONCILE_MINUTES ? Number(env.SYNQ_RECONCILE_MINUTES) : 15;
  if (!Number.isInteger(reconcileEveryMinutes) || reconcileEveryMinutes < 1 || reconcileEveryMinutes > 59) {
    problems.push('SYNQ_RECONCILE_MINUTES must be an integer 1-59');
  }

  const intVar = (name: string, def: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return def;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${name} must be an integer ${min}-${max}`);
      return def;
    }
    return n;
  };
  const pushRetry = {
    baseMs: intVar('SYNQ_PUSH_RETRY_BASE_MS', 2000, 1, 3_600_000),
    capMs: intVar('SYNQ_PUSH_RETRY_CAP_MS', 300_000, 1, 86_400_000),
    maxAttempts: intVar('SYNQ_PUSH_MAX_ATTEMPTS', 8, 1, 100),
  };

  const feed = parseFeedConfig(env, production, dataDir, problems);

  const queueSuperviseSeconds = intVar('SYNQ_QUEUE_SUPERVISE_SECONDS', 10, 1, 3600);

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    env: nodeEnv,
    port,
    host,
    databaseUrl,
    dataDir,
    publicUrl,
    auth,
    webhookSecret: Buffer.from(webhookSecret ?? ''),
    encryptionKeys,
    connectRedirectAllowlist,
    providers: loadedProviders,
    logLevel,
    reconcileEveryMinutes,
    pushRetry,
    queueSuperviseSeconds,
    feed,
  };
}

/** One provider's settings on their own, typed (tools and tests); throws ConfigError like loadConfig. */
export function loadProviderSettings<C>(provider: ProviderModule<C>, env: Env, production = false): C {
  const problems: string[] = [];
  const loaded = provider.load(env, problems, production);
  if (problems.length > 0) throw new ConfigError(problems);
  return loaded.settings;
}
