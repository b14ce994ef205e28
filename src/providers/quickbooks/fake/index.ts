// startQuickBooksFake: an HTTP server (plain http on 127.0.0.1) that speaks Intuit's OAuth 2
// (consent page, bearer token endpoint with rotating refresh tokens, revocation), the
// Accounting API subset Synq uses (Item create/update/read, CompanyInfo, the query endpoint
// for Item and Account) with request bodies validated against a JSON Schema derived from
// ../shared/contracts/quickbooks (Finance.xsd + IntuitBaseTypes.xsd), and signed webhook
// deliveries; plus a JSON control API under /_control for tests and `synq sandbox quickbooks`.
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleApi, type ApiDeps } from './api.ts';
import { handleAuthorize, handleRevoke, handleToken, revokeGrantOf, type OAuthDeps } from './oauth.ts';
import { FakeWorld, type FailureInjection, type FakeItem, type FakeStats, type HttpAnswer } from './state.ts';
import { DEFAULT_CONTRACT_DIR, loadContract } from './xsdSchema.ts';
import { jsonObject, readBody as readBodyWithin } from '../../fakeHttp.ts';

export type { FailureInjection, FakeStats } from './state.ts';

export interface QuickBooksFakeOptions {
  port?: number;
  host?: string;
  clientId: string;
  clientSecret: string;
  /** Signs webhook deliveries (intuit-signature). */
  verifierToken: string;
  /** Directory with Finance.xsd and IntuitBaseTypes.xsd. Default ../shared/contracts/quickbooks; null: run unvalidated. */
  contractDir?: string | null;
  autoApprove?: boolean;
  accessTokenTtlSeconds?: number;
  refreshTokenTtlSeconds?: number;
  rotateRefreshTokens?: boolean;
  /** Where webhooks are delivered (Synq's /unified/webhook/quickbooks); settable later. */
  webhookUrl?: string;
  log?: (line: string) => void;
}

export interface EntityChange {
  name: string;
  id: string;
  operation: string;
  lastUpdated?: string;
}

export interface DeliveryResult {
  status: number;
  body: string;
}

export interface QuickBooksFake {
  url: string;
  /** False when the XSDs (or the XML parser) were missing and requests run unvalidated. */
  schemaValidated: boolean;
  readonly stats: FakeStats;
  /** Items of a company, as stored. */
  items(realmId: string): FakeItem[];
  setWebhookUrl(url: string): void;
  /** Token lifetimes and rotation for tokens issued from now on (short lifetimes exercise refresh). */
  configure(o: { accessTokenTtlSeconds?: number; rotateRefreshTokens?: boolean }): void;
  /** The current refresh token of each live grant of a company. */
  refreshTokens(realmId: string): string[];
  /** The realm the next consent picks (otherwise a new one each time). */
  setNextRealm(realmId: string): void;
  /** A signed delivery in the legacy eventNotifications shape (or CloudEvents); `signature` overrides it (tests). */
  notify(realmId: string, entities: EntityChange[], opts?: { format?: 'legacy' | 'cloudevents'; signature?: string }): Promise<DeliveryResult>;
  revokeCompany(realmId: string): void;
  injectFailure(failure: FailureInjection): void;
  reset(): void;
  close(): Promise<void>;
}

const MAX_BODY = 2 * 1024 * 1024;
const readBody = (req: IncomingMessage) => readBodyWithin(req, MAX_BODY);
/** CloudEvents types name the operation in the past tense (qbo.invoice.created.v1). */
const PAST: Record<string, string> = { Create: 'created', Update: 'updated', Delete: 'deleted', Merge: 'merged', Void: 'voided', Emailed: 'emailed' };

export async function startQuickBooksFake(opts: QuickBooksFakeOptions): Promise<QuickBooksFake> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const dir = opts.contractDir === undefined ? DEFAULT_CONTRACT_DIR : opts.contractDir;
  const contract = dir === null ? null : await loadContract(dir, ['Item', 'Account']);
  if (contract === null) log('!!! quickbooks fake: Finance.xsd/IntuitBaseTypes.xsd (or fast-xml-parser) not found. Running WITHOUT request validation.');
  else if (contract.unsupported.length > 0) log(`quickbooks fake: XSD constructs read permissively: ${contract.unsupported.join('; ')}`);
  const world = new FakeWorld();
  let webhookUrl = opts.webhookUrl ?? null;
  const oauth: OAuthDeps = {
    world,
    clientId: opts.clientId,
    clientSecret: opts.clientSecret,
    autoApprove: opts.autoApprove ?? false,
    accessTokenTtlSeconds: opts.accessTokenTtlSeconds ?? 3600,
    refreshTokenTtlSeconds: opts.refreshTokenTtlSeconds ?? 8_726_400,
    rotateRefreshTokens: opts.rotateRefreshTokens ?? true,
  };
  const api: ApiDeps = { world, contract };

  async function notify(realmId: string, entities: EntityChange[], o: { format?: 'legacy' | 'cloudevents'; signature?: string } = {}): Promise<DeliveryResult> {
    if (webhookUrl === null) throw new Error('quickbooks fake: no webhook URL set');
    const now = new Date().toISOString();
    const payload =
      o.format === 'cloudevents'
        ? entities.map((e, i) => ({
            specversion: '1.0',
            id: `${realmId}-${e.name}-${e.id}-${Date.now()}-${i}`,
            source: 'intuit.dsnBgbseACLLRZNxo2dfc4evmEJdxde58xeeYcZliOU=',
            type: `qbo.${e.name.toLowerCase()}.${PAST[e.operation] ?? e.operation.toLowerCase()}.v1`,
            datacontenttype: 'application/json',
            time: e.lastUpdated ?? now,
            intuitentityid: e.id,
            intuitaccountid: realmId,
            data: {},
          }))
        : { eventNotifications: [{ realmId, dataChangeEvent: { entities: entities.map((e) => ({ name: e.name, id: e.id, operation: e.operation, lastUpdated: e.lastUpdated ?? now })) } }] };
    const body = JSON.stringify(payload);
    const signature = o.signature ?? createHmac('sha256', opts.verifierToken).update(body).digest('base64');
    world.stats.webhookDeliveries += 1;
    const res = await fetch(webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json', 'intuit-signature': signature }, body });
    return { status: res.status, body: await res.text() };
  }

  const revokeCompany = (realmId: string) => {
    for (const g of world.grants.values()) if (g.realmId === realmId) revokeGrantOf(world, g.refreshToken);
  };

  async function control(method: string, parts: string[], raw: string): Promise<HttpAnswer> {
    const [area, realm, sub] = parts;
    if (area === 'stats' && method === 'GET') return { status: 200, body: { ...world.stats, schemaValidated: contract !== null } };
    if (area === 'reset' && method === 'POST') {
      world.reset();
      return { status: 200, body: { ok: true } };
    }
    if (area === 'webhook-url' && method === 'POST') {
      const b = jsonObject(raw);
      if (typeof b.url !== 'string') return { status: 400, body: { error: 'url is required' } };
      webhookUrl = b.url;
      return { status: 200, body: { ok: true } };
    }
    if (area === 'failures' && method === 'POST') {
      const b = jsonObject(raw);
      if (b.kind !== 'http429' && b.kind !== 'http500' && b.kind !== 'concurrentEdit') return { status: 400, body: { error: 'kind must be http429, http500 or concurrentEdit' } };
      const f: FailureInjection = { kind: b.kind, count: typeof b.count === 'number' ? b.count : 1 };
      if (typeof b.realmId === 'string') f.realmId = b.realmId;
      world.failures.push(f);
      return { status: 200, body: world.failures };
    }
    if (area === 'companies' && realm === undefined && method === 'GET') return { status: 200, body: [...world.companies.keys()] };
    if (area === 'companies' && realm !== undefined && /^\d+$/.test(realm)) {
      if (sub === undefined && method === 'GET') {
        const c = world.company(realm);
        return { status: 200, body: { realmId: realm, name: c.name, items: [...c.items.values()], accounts: c.accounts } };
      }
      if (sub === 'revoke' && method === 'POST') {
        revokeCompany(realm);
        return { status: 200, body: { ok: true } };
      }
      if (sub === 'notify' && method === 'POST') {
        const b = jsonObject(raw);
        if (!Array.isArray(b.entities)) return { status: 400, body: { error: 'entities[] is required' } };
        return { status: 200, body: await notify(realm, b.entities as EntityChange[], b.format === 'cloudevents' ? { format: 'cloudevents' } : {}) };
      }
    }
    return { status: 404, body: { error: 'no such control route' } };
  }

  async function route(req: IncomingMessage, url: URL, raw: string): Promise<HttpAnswer> {
    const method = req.method ?? 'GET';
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const auth = typeof req.headers.authorization === 'string' ? req.headers.authorization : undefined;
    const ctype = req.headers['content-type'];
    if (parts[0] === '_control') return control(method, parts.slice(1), raw);
    if (url.pathname === '/connect/oauth2' && (method === 'GET' || method === 'POST')) {
      return handleAuthorize(oauth, method, method === 'GET' ? url.searchParams : new URLSearchParams(raw));
    }
    if (url.pathname === '/oauth2/v1/tokens/bearer' && method === 'POST') return handleToken(oauth, ctype, auth, raw);
    if (url.pathname === '/v2/oauth2/tokens/revoke' && method === 'POST') return handleRevoke(oauth, auth, raw);
    if (parts[0] === 'v3' && parts[1] === 'company' && parts[2] !== undefined && /^\d+$/.test(parts[2])) {
      return handleApi(api, method, parts[2], parts.slice(3), url.searchParams, auth, raw, ctype);
    }
    return { status: 404, body: { error: 'Not found' } };
  }

  const server = createServer((req, res) => {
    void (async () => {
      let answer: HttpAnswer;
      try {
        const url = new URL(req.url ?? '/', 'http://fake.invalid');
        answer = await route(req, url, await readBody(req));
      } catch (err) {
        answer = { status: 400, body: { error: err instanceof Error ? err.message : 'Bad Request' } };
      }
      const isText = typeof answer.body === 'string';
      res.writeHead(answer.status, { 'content-type': isText ? 'text/html; charset=utf-8' : 'application/json; charset=utf-8', ...answer.headers });
      res.end(answer.body === undefined ? '' : isText ? (answer.body as string) : JSON.stringify(answer.body));
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const baseUrl = `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`;
  log(`quickbooks fake listening on ${baseUrl} (contract: ${contract ? contract.source : 'NOT VALIDATED'})`);

  return {
    url: baseUrl,
    schemaValidated: contract !== null,
    get stats() {
      return { ...world.stats };
    },
    items: (realmId) => [...world.company(realmId).items.values()],
    setWebhookUrl: (u) => {
      webhookUrl = u;
    },
    configure: (o) => {
      if (o.accessTokenTtlSeconds !== undefined) oauth.accessTokenTtlSeconds = o.accessTokenTtlSeconds;
      if (o.rotateRefreshTokens !== undefined) oauth.rotateRefreshTokens = o.rotateRefreshTokens;
    },
    refreshTokens: (realmId) => [...world.grants.values()].filter((g) => g.realmId === realmId && !g.revoked).map((g) => g.refreshToken),
    setNextRealm: (realmId) => {
      world.nextRealm = BigInt(realmId);
    },
    notify,
    revokeCompany,
    injectFailure: (f) => {
      world.failures.push({ ...f });
    },
    reset: () => world.reset(),
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
