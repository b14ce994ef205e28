// startXeroFake: one HTTP server (plain http on 127.0.0.1) standing in for Xero's three
// origins under path prefixes - <url>/login (consent page), <url>/identity (token,
// revocation) and <url>/api (/connections, /api.xro/2.0/Items) - plus signed webhook
// deliveries and a JSON control API under /_control for tests and `synq sandbox xero`.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleApi } from './api.ts';
import { DEFAULT_CONTRACT_DIR, loadXeroContract } from './contract.ts';
import { handleAuthorize, handleRevocation, handleToken } from './identity.ts';
import { FakeWorld, type FailureInjection, type FakeItem, type FakeStats, type HttpAnswer } from './state.ts';
import { deliverEvents, eventPayload, intentToReceive, type DeliveryResult, type EventInput, type IntentToReceiveResult, type WebhookTarget } from './webhooksOut.ts';
import { jsonObject, readBody } from '../../fakeHttp.ts';

export type { DeliveryResult, EventInput, IntentToReceiveResult } from './webhooksOut.ts';
export type { FailureInjection, FakeItem, FakeStats } from './state.ts';

export interface XeroFakeOptions {
  port?: number;
  host?: string;
  clientId?: string;
  clientSecret?: string;
  /** Signs webhook deliveries; Synq's XERO_WEBHOOK_KEY. */
  webhookKey?: string;
  /** Where deliveries go (Synq's /unified/webhook/xero); settable later. */
  webhookUrl?: string;
  /** Directory of the contracts. Default ../shared/contracts/xero; null runs unvalidated. */
  contractDir?: string | null;
  autoApprove?: boolean;
  /** Access token lifetime; Xero's is 1800 s. Tests shorten it to exercise refresh. */
  accessTokenTtlSeconds?: number;
  /** Calls per minute per organisation before 429; Xero's is 60. */
  perMinute?: number;
  log?: (line: string) => void;
}

export interface OrganisationSnapshot {
  tenantId: string;
  name: string;
  items: FakeItem[];
}

export interface XeroFake {
  url: string;
  loginUrl: string;
  identityUrl: string;
  apiUrl: string;
  clientId: string;
  clientSecret: string;
  webhookKey: string;
  /** False when the contract files were missing and requests run unvalidated. */
  schemaValidated: boolean;
  readonly stats: FakeStats;
  /** The environment Synq needs to talk to this fake. */
  env(): Record<string, string>;
  organisations(): OrganisationSnapshot[];
  organisation(tenantId: string): OrganisationSnapshot;
  setWebhookUrl(url: string): void;
  setAccessTokenTtl(seconds: number): void;
  /** Revokes every grant covering the organisation (the user disconnected the app). */
  revokeGrant(tenantId: string): void;
  injectFailure(failure: FailureInjection): void;
  sendEvents(tenantId: string, events: EventInput[], opts?: { wrongSignature?: boolean }): Promise<DeliveryResult>;
  /** Re-sends exactly this payload (a redelivery). */
  resend(payload: unknown): Promise<DeliveryResult>;
  intentToReceive(): Promise<IntentToReceiveResult>;
  reset(): void;
  close(): Promise<void>;
}

export async function startXeroFake(opts: XeroFakeOptions = {}): Promise<XeroFake> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const contractDir = opts.contractDir === undefined ? DEFAULT_CONTRACT_DIR : opts.contractDir;
  const contract = contractDir === null ? null : loadXeroContract(contractDir);
  if (contract === null) log('!!! xero fake: contracts not found. Running WITHOUT request validation.');
  const clientId = opts.clientId ?? 'FAKEXEROCLIENTID0000000000000000';
  const clientSecret = opts.clientSecret ?? randomBytes(24).toString('base64url');
  const target: WebhookTarget = { url: opts.webhookUrl ?? null, key: opts.webhookKey ?? randomBytes(32).toString('base64') };
  let baseUrl = '';
  const world = new FakeWorld(clientId, clientSecret, opts.accessTokenTtlSeconds ?? 1800, opts.perMinute ?? 60, 'https://identity.xero.com');
  const autoApprove = opts.autoApprove ?? false;

  const snapshot = (tenantId: string): OrganisationSnapshot => {
    const o = world.organisations.get(tenantId);
    if (!o) throw new Error(`fake Xero: no organisation ${tenantId}`);
    return { tenantId: o.tenantId, name: o.name, items: [...o.items.values()].map((i) => ({ ...i })) };
  };
  const sendEvents = (tenantId: string, events: EventInput[], o: { wrongSignature?: boolean } = {}) =>
    deliverEvents(world, contract, target, eventPayload(`${baseUrl}/api`, tenantId, events), o);

  async function control(method: string, parts: string[], raw: string): Promise<HttpAnswer> {
    const [area, id, sub] = parts;
    const b = jsonObject(raw);
    if (area === 'stats' && method === 'GET') return { status: 200, body: { ...world.stats, schemaValidated: contract !== null } };
    if (area === 'reset' && method === 'POST') {
      world.reset();
      return { status: 200, body: { ok: true } };
    }
    if (area === 'token-lifetime' && method === 'POST' && typeof b.seconds === 'number') {
      world.accessTtlSeconds = b.seconds;
      return { status: 200, body: { seconds: b.seconds } };
    }
    if (area === 'failures' && method === 'POST') {
      if (b.kind !== 'http429' && b.kind !== 'http500' && b.kind !== 'http503') return { status: 400, body: { error: 'kind must be http429, http500 or http503' } };
      const f: FailureInjection = { kind: b.kind, count: typeof b.count === 'number' ? b.count : 1 };
      if (typeof b.tenantId === 'string') f.tenantId = b.tenantId;
      if (typeof b.retryAfterSeconds === 'number') f.retryAfterSeconds = b.retryAfterSeconds;
      if (typeof b.problem === 'string') f.problem = b.problem;
      world.failures.push(f);
      return { status: 200, body: world.failures };
    }
    if (area === 'webhooks' && id === 'config' && method === 'POST') {
      if (typeof b.url === 'string') target.url = b.url;
      return { status: 200, body: { url: target.url } };
    }
    if (area === 'webhooks' && id === 'intent-to-receive' && method === 'POST') return { status: 200, body: await intentToReceive(world, contract, target) };
    if (area === 'organisations' && id === undefined && method === 'GET') return { status: 200, body: [...world.organisations.keys()].map(snapshot) };
    if (area === 'organisations' && id !== undefined && world.organisations.has(id)) {
      if (sub === undefined && method === 'GET') return { status: 200, body: snapshot(id) };
      if (sub === 'revoke' && method === 'POST') return { status: 200, body: { revoked: world.revokeOrganisation(id) } };
      if (sub === 'events' && method === 'POST') {
        const events = Array.isArray(b.events) ? (b.events as EventInput[]) : [{ category: 'INVOICE', type: 'CREATE' } as EventInput];
        return { status: 200, body: await sendEvents(id, events) };
      }
    }
    return { status: 404, body: { error: 'no such control route' } };
  }

  async function route(req: IncomingMessage, url: URL, raw: string): Promise<HttpAnswer> {
    const method = req.method ?? 'GET';
    const path = url.pathname;
    if (path.startsWith('/_control/')) return control(method, path.slice('/_control/'.length).split('/').filter(Boolean).map(decodeURIComponent), raw);
    if (path === '/login/identity/connect/authorize' && (method === 'GET' || method === 'POST')) {
      return handleAuthorize({ world, autoApprove }, method, method === 'GET' ? url.searchParams : new URLSearchParams(raw));
    }
    if (path === '/identity/connect/token' && method === 'POST') return handleToken(world, req.headers.authorization, req.headers['content-type'], raw);
    if (path === '/identity/connect/revocation' && method === 'POST') return handleRevocation(world, req.headers.authorization, raw);
    if (path.startsWith('/api/')) return handleApi({ world, contract }, method, path.slice('/api'.length), url.searchParams, req.headers, raw);
    return { status: 404, body: 'Not found' };
  }

  const server = createServer((req, res) => {
    void (async () => {
      let answer: HttpAnswer;
      try {
        const url = new URL(req.url ?? '/', 'http://fake.invalid');
        answer = await route(req, url, await readBody(req));
      } catch (err) {
        answer = { status: 500, body: { Title: 'Internal Server Error', Detail: err instanceof Error ? err.message : 'error' } };
      }
      const isText = typeof answer.body === 'string';
      const type = isText ? ((answer.body as string).startsWith('<') ? 'text/html; charset=utf-8' : 'text/plain; charset=utf-8') : 'application/json; charset=utf-8';
      res.writeHead(answer.status, { ...(answer.body === undefined ? {} : { 'content-type': type }), ...answer.headers });
      res.end(answer.body === undefined ? '' : isText ? (answer.body as string) : JSON.stringify(answer.body));
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address() as AddressInfo;
  baseUrl = `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`;
  log(`xero fake listening on ${baseUrl} (contract: ${contract ? contract.source : 'NOT VALIDATED'})`);

  return {
    url: baseUrl,
    loginUrl: `${baseUrl}/login`,
    identityUrl: `${baseUrl}/identity`,
    apiUrl: `${baseUrl}/api`,
    clientId,
    clientSecret,
    webhookKey: target.key,
    schemaValidated: contract !== null,
    get stats() {
      return { ...world.stats };
    },
    env: () => ({
      XERO_CLIENT_ID: clientId,
      XERO_CLIENT_SECRET: clientSecret,
      XERO_WEBHOOK_KEY: target.key,
      SYNQ_XERO_LOGIN_URL: `${baseUrl}/login`,
      SYNQ_XERO_IDENTITY_URL: `${baseUrl}/identity`,
      SYNQ_XERO_API_URL: `${baseUrl}/api`,
    }),
    organisations: () => [...world.organisations.keys()].map(snapshot),
    organisation: snapshot,
    setWebhookUrl: (u) => {
      target.url = u;
    },
    setAccessTokenTtl: (s) => {
      world.accessTtlSeconds = s;
    },
    revokeGrant: (tenantId) => {
      world.revokeOrganisation(tenantId);
    },
    injectFailure: (f) => {
      world.failures.push({ ...f });
    },
    sendEvents,
    resend: (payload) => deliverEvents(world, contract, target, payload),
    intentToReceive: () => intentToReceive(world, contract, target),
    reset: () => world.reset(),
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
