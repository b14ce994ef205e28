// TinyShop's fake: an OAuth 2 consent that approves at once, a token endpoint, and a
// product store keyed by shop and handle. Small on purpose: the point is the wiring.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TinyShopFake {
  url: string;
  clientId: string;
  clientSecret: string;
  products(shop: string): Record<string, unknown>;
  close(): Promise<void>;
}

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startTinyShopFake(port = 0): Promise<TinyShopFake> {
  const clientId = 'tiny-client';
  const clientSecret = `tiny-secret-${randomBytes(8).toString('hex')}`;
  const codes = new Map<string, string>(); // code -> shop
  const tokens = new Map<string, string>(); // token -> shop
  const shops = new Map<string, Record<string, unknown>>();
  const server = createServer((req, res) => {
    void (async () => {
      const u = new URL(req.url ?? '/', 'http://x');
      const json = (status: number, v: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(v));
      if (req.method === 'GET' && u.pathname === '/oauth/authorize') {
        const shop = u.searchParams.get('shop') ?? '';
        if (u.searchParams.get('client_id') !== clientId || shop === '') return json(400, { error: 'bad request' });
        const code = randomBytes(8).toString('hex');
        codes.set(code, shop);
        const back = new URL(u.searchParams.get('redirect_uri') ?? '');
        back.searchParams.set('code', code);
        back.searchParams.set('state', u.searchParams.get('state') ?? '');
        back.searchParams.set('shop', shop);
        return res.writeHead(302, { location: back.toString() }).end();
      }
      if (req.method === 'POST' && u.pathname === '/oauth/token') {
        const form = new URLSearchParams(await body(req));
        const shop = codes.get(form.get('code') ?? '');
        if (form.get('client_secret') !== clientSecret || shop === undefined) return json(400, { error: 'invalid_grant' });
        codes.delete(form.get('code') ?? '');
        const token = randomBytes(12).toString('hex');
        tokens.set(token, shop);
        return json(200, { access_token: token, token_type: 'bearer' });
      }
      const m = /^\/shops\/([a-z0-9-]+)\/products\/([A-Za-z0-9_-]+)$/.exec(u.pathname);
      const shop = tokens.get((req.headers.authorization ?? '').replace(/^Bearer /, ''));
      if (m && shop !== undefined && shop === m[1]) {
        const store = shops.get(shop) ?? {};
        shops.set(shop, store);
        if (req.method === 'PUT') {
          store[m[2]!] = JSON.parse(await body(req)) as unknown;
          return json(200, { id: m[2] });
        }
        if (req.method === 'DELETE') {
          delete store[m[2]!];
          return json(200, {});
        }
      }
      return json(m ? 401 : 404, { error: 'no' });
    })();
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    clientId,
    clientSecret,
    products: (shop) => ({ ...(shops.get(shop) ?? {}) }),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
