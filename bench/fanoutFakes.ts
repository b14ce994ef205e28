// The push fan-out bench's providers: Shopify, WooCommerce and Amazon fakes with every
// rate limit lifted (the queue, not a provider's limit, is under test), Synq's variables
// for them, the connect flow through each fake's auto-approving consent, and a recorder of
// the moment each fake received each product (for enqueue→provider latency).
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { IncomingMessage, Server } from 'node:http';
import { startAmazonFake, type AmazonFake } from '../src/providers/amazon/fake/index.ts';
import { startShopifyFake, type ShopifyFake } from '../src/providers/shopify/fake/index.ts';
import { startWooCommerceFake, type WooCommerceFake } from '../src/providers/woocommerce/fake/index.ts';

const CLIENT_ID = 'bench-client';
const CLIENT_SECRET = 'bench-secret-0123456789';

export interface Fakes {
  shopify: ShopifyFake;
  woo: WooCommerceFake;
  amazon: AmazonFake;
  /** Variables that point Synq (API and workers) at the fakes. */
  env: Record<string, string>;
  close(): Promise<void>;
}

export async function startFakes(): Promise<Fakes> {
  const quiet = { log: () => {} };
  // Limits lifted: a 1M-point bucket restoring 500k/s; Amazon at 1M requests/s; Woo has none.
  const shopify = await startShopifyFake({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, autoApprove: true, bucket: { maximumAvailable: 1_000_000, restoreRate: 500_000 }, ...quiet });
  const woo = await startWooCommerceFake({ autoApprove: true, allowHttpCallback: true, ...quiet });
  // processingReads 0: a listing reads back live at once, so the connector's issue poll ends on its first read.
  const amazon = await startAmazonFake({ autoApprove: true, processingReads: 0, rate: { perSecond: 1_000_000, burst: 1_000_000 }, ...quiet });
  return {
    shopify,
    woo,
    amazon,
    env: {
      SHOPIFY_CLIENT_ID: CLIENT_ID,
      SHOPIFY_CLIENT_SECRET: CLIENT_SECRET,
      SYNQ_SHOPIFY_SHOP_URL_TEMPLATE: shopify.shopUrlTemplate,
      WOOCOMMERCE_APP_NAME: 'Synq Bench',
      SYNQ_WOOCOMMERCE_ALLOW_HTTP_LOOPBACK: 'true',
      AMAZON_APP_ID: amazon.appId,
      AMAZON_CLIENT_ID: amazon.clientId,
      AMAZON_CLIENT_SECRET: amazon.clientSecret,
      SYNQ_AMAZON_SELLER_CENTRAL_URL: amazon.url,
      SYNQ_AMAZON_LWA_URL: amazon.url,
      SYNQ_AMAZON_SP_API_URL: amazon.url,
      SYNQ_AMAZON_ISSUE_POLL_MS: '1',
    },
    close: async () => {
      await woo.idle();
      await Promise.all([shopify.close(), woo.close(), amazon.close()]);
    },
  };
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`bench connect flow: ${what}`);
}

/**
 * auth-url → connect page form → the fake's consent (auto-approved) → Synq's callback →
 * the success page's connection id → save. The same steps a browser takes.
 */
export async function connect(
  apiUrl: string,
  headers: Record<string, string>,
  provider: 'shopify' | 'woocommerce' | 'amazon',
  account: string | null,
): Promise<string> {
  const authUrl = await fetch(`${apiUrl}/api/v1/integrations/auth-url`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: '{}' });
  check(authUrl.status === 200, `auth-url answered ${authUrl.status}`);
  const connectUrl = ((await authUrl.json()) as { auth_url: string }).auth_url;
  const form = new URLSearchParams({ provider, ...(account !== null ? { account } : {}) });
  let res = await fetch(connectUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString(), redirect: 'manual' });
  for (let hops = 0; res.status >= 300 && res.status < 400 && hops < 5; hops++) {
    res = await fetch(res.headers.get('location')!, { redirect: 'manual' });
  }
  const html = await res.text();
  const m = /id="connection-id">(conn_[A-Za-z0-9]+)</.exec(html);
  check(res.status === 200 && m !== null, `${provider} flow ended with ${res.status}: ${html.slice(0, 200)}`);
  const saved = await fetch(`${apiUrl}/api/v1/integrations/callback`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify({ connection_id: m![1], ...(provider === 'amazon' ? { provider } : {}) }),
  });
  check(saved.status === 201, `saving the ${provider} connection answered ${saved.status}`);
  return m![1]!;
}

/**
 * When each fake first received each product (by SKU) in a write (POST/PUT), from Node's
 * http.server.request.start channel: the fakes run in this process, so no proxy (and no
 * extra hop) sits between Synq and them. The body is seen as the parser pushes it, so the
 * time is when the last byte arrived.
 */
export class ReceiptRecorder {
  /** `${port} ${sku}` → ms since epoch (performance clock). */
  readonly firstSeen = new Map<string, number>();
  private readonly ports: Set<number>;
  private readonly listener = (msg: unknown) => this.onRequest(msg as { request: IncomingMessage; server: Server });

  constructor(
    fakes: Fakes,
    private readonly skuPattern: RegExp,
  ) {
    this.ports = new Set([fakes.shopify.url, fakes.woo.url, fakes.amazon.url].map((u) => Number(new URL(u).port)));
    subscribe('http.server.request.start', this.listener);
  }

  stop(): void {
    unsubscribe('http.server.request.start', this.listener);
  }

  private onRequest({ request, server }: { request: IncomingMessage; server: Server }): void {
    if ((request.method !== 'POST' && request.method !== 'PUT')) return;
    const addr = server.address();
    const port = typeof addr === 'object' && addr ? addr.port : 0;
    if (!this.ports.has(port)) return;
    const url = safeDecode(request.url ?? '');
    const chunks: Buffer[] = [];
    const push = request.push.bind(request);
    request.push = (chunk: Buffer | null, encoding?: BufferEncoding) => {
      if (chunk === null) {
        const at = performance.timeOrigin + performance.now();
        const text = `${url} ${Buffer.concat(chunks).toString('utf8')}`;
        for (const sku of new Set(text.match(this.skuPattern) ?? [])) {
          const key = `${port} ${sku}`;
          if (!this.firstSeen.has(key)) this.firstSeen.set(key, at);
        }
      } else chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
      return push(chunk, encoding);
    };
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
