// Generators for the public routes the OpenAPI document cannot describe well enough:
// webhooks (raw bytes, each provider's own signature over them), provider callbacks and
// the hosted connect page (HTML answers, single-use states), signed feed links. Each
// starts from a request the route would accept (live states, connection ids and accounts
// from the fuzz world, correct signatures) so mutations reach past the first check.
import { createHmac, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { UnifiedEnvelope } from '../../src/http/routes/webhooks/unifiedWebhook.ts';
import { CloudEventsNotification, LegacyNotification } from '../../src/providers/quickbooks/webhooks.ts';
import { callbackSigningMessage } from '../../src/providers/shopify/oauth.ts';
import { XeroWebhookPayload } from '../../src/providers/xero/webhooks.ts';
import { TEST_WEBHOOK_SECRET } from '../harness.ts';
import { arbitraryFor, type JsonSchema } from './fuzzSchema.ts';
import type { BodyParser, Draft } from './fuzzMutations.ts';
import { routeKey, type RegisteredRoute } from './fuzzRoutes.ts';
import { fromPools, mutationsFor, type FuzzTarget } from './fuzzTargets.ts';
import { FUZZ_SECRETS, Pool, type World } from './fuzzWorld.ts';

type Make = (route: RegisteredRoute) => FuzzTarget;

const PROVIDERS = ['shopify', 'woocommerce', 'xero', 'quickbooks', 'amazon'];
const providerArb = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...PROVIDERS) }, { weight: 1, arbitrary: fc.constantFrom('SHOPIFY', 'nope', 'shopify ', '__proto__') });
const hmac = (key: string, bytes: Buffer, enc: 'hex' | 'base64') => createHmac('sha256', key).update(bytes).digest(enc);

function draft(route: RegisteredRoute, parser: BodyParser, parts: Partial<Draft>): Draft {
  return { method: route.method, pathTemplate: route.path, params: {}, query: [], headers: {}, body: { kind: 'none' }, parser, auth: 'public', tags: [], mustReject: null, ...parts };
}

const target = (world: World, route: RegisteredRoute, parser: BodyParser, signed: boolean, arb: fc.Arbitrary<Draft>, errorBody: FuzzTarget['errorBody'] = 'json'): FuzzTarget => ({
  key: routeKey(route.method, route.path),
  errorBody,
  draft: arb,
  mutations: mutationsFor(world, { parser, tenant: false, signed }),
});

/** JSON bytes of a value shaped by `schema`, with some fields forced to live values. */
const jsonBytes = (v: unknown) => ({ kind: 'bytes' as const, bytes: Buffer.from(JSON.stringify(v)), contentType: 'application/json' });

export function publicTargets(world: World): Map<string, Make> {
  const conns = [...world.connections.a, ...world.connections.b];
  const accounts = (p: string) => new Pool(conns.filter((c) => c.provider === p).map((c) => c.account));
  const connIds = new Pool(conns.map((c) => c.publicId));
  const live = world.pools.states;
  const stateArb = fromPools([live], fc.stringMatching(/^[A-Za-z0-9_-]{43}$/));
  const m = new Map<string, Make>();

  m.set('POST /unified/webhook', (route) => {
    const envelope = fc.tuple(arbitraryFor(UnifiedEnvelope as JsonSchema), fromPools([connIds], fc.constant('conn_unknown'))).map(([e, id]) => ({ ...(e as object), connection_id: id }));
    const sign = (bytes: Buffer, h: Record<string, string>) => void (h['x-unified-signature'] = hmac(TEST_WEBHOOK_SECRET, bytes, 'hex'));
    return target(world, route, 'raw', true, envelope.map((e) => draft(route, 'raw', { body: jsonBytes(e), sign })));
  });

  m.set('POST /unified/webhook/shopify', (route) => {
    const arb = fc.record({
      topic: fc.oneof(fc.constantFrom('orders/create', 'orders/updated', 'products/update', 'app/uninstalled'), fc.string({ maxLength: 30 })),
      shop: fromPools([accounts('shopify')], fc.oneof(fc.constant('evil.example.com'), fc.string({ maxLength: 40 }))),
      id: fc.oneof(fc.uuid(), fc.string({ maxLength: 300 })),
      data: fc.jsonValue({ maxDepth: 3 }),
    });
    const sign = (bytes: Buffer, h: Record<string, string>) => void (h['x-shopify-hmac-sha256'] = hmac(FUZZ_SECRETS.shopify, bytes, 'base64'));
    return target(world, route, 'raw', true, arb.map((x) =>
      draft(route, 'raw', { headers: { 'x-shopify-topic': x.topic, 'x-shopify-shop-domain': x.shop, 'x-shopify-webhook-id': x.id }, body: jsonBytes(x.data), sign }),
    ));
  });

  m.set('POST /unified/webhook/xero', (route) => {
    const tenants = accounts('xero');
    const arb = fc.tuple(arbitraryFor(XeroWebhookPayload as JsonSchema), fc.nat()).map(([p, i]) => {
      const payload = p as { events: { tenantId: string }[] };
      return { ...payload, events: payload.events.map((e, j) => (j % 2 === 0 ? { ...e, tenantId: tenants.pick(i + j, e.tenantId) } : e)) };
    });
    const sign = (bytes: Buffer, h: Record<string, string>) => void (h['x-xero-signature'] = hmac(FUZZ_SECRETS.xero, bytes, 'base64'));
    return target(world, route, 'raw', true, arb.map((p) => draft(route, 'raw', { body: jsonBytes(p), sign })));
  });

  m.set('POST /unified/webhook/quickbooks', (route) => {
    const realms = accounts('quickbooks');
    const legacy = fc.tuple(arbitraryFor(LegacyNotification as JsonSchema), fc.nat()).map(([p, i]) => {
      const body = p as { eventNotifications: { realmId: string }[] };
      return { eventNotifications: body.eventNotifications.map((n, j) => ({ ...n, realmId: realms.pick(i + j, n.realmId) })) };
    });
    const cloud = fc.tuple(arbitraryFor(CloudEventsNotification as JsonSchema), fc.nat()).map(([p, i]) =>
      (p as { intuitaccountid: string }[]).map((e, j) => ({ ...e, intuitaccountid: realms.pick(i + j, e.intuitaccountid) })),
    );
    const sign = (bytes: Buffer, h: Record<string, string>) => void (h['intuit-signature'] = hmac(FUZZ_SECRETS.quickbooks, bytes, 'base64'));
    return target(world, route, 'raw', true, fc.oneof(legacy, cloud).map((b) => draft(route, 'raw', { body: jsonBytes(b), sign })));
  });

  // Connection-secret providers each have their own route (POST /unified/webhook/<provider>/:connectionId).
  for (const provider of ['woocommerce', 'amazon']) {
    m.set(`POST /unified/webhook/${provider}/:connectionId`, (route) => {
      const secretOf = (id: string) => conns.find((c) => c.publicId === id)?.webhookSecret ?? 'no-secret-for-this-connection-000000';
      const sign = (bytes: Buffer, h: Record<string, string>, d: Draft) => {
        const secret = secretOf(d.params.connectionId ?? '');
        if (provider === 'amazon') h['x-synq-notification-secret'] = secret;
        else h['x-wc-webhook-signature'] = hmac(secret, bytes, 'base64');
      };
      const own = new Pool(conns.filter((c) => c.provider === provider).map((c) => c.publicId));
      const arb = fc.record({
        connectionId: fromPools([own, connIds], fc.stringMatching(/^conn_[A-Za-z0-9]{1,30}$/)),
        topic: fc.oneof(fc.constantFrom('order.created', 'order.updated', 'product.deleted'), fc.string({ maxLength: 20 })),
        ping: fc.boolean(),
        data: fc.oneof(
          fc.jsonValue({ maxDepth: 3 }),
          fc.record({ NotificationType: fc.constantFrom('ORDER_CHANGE', 'LISTINGS_ITEM_STATUS_CHANGE', 'X'), NotificationMetadata: fc.record({ NotificationId: fc.uuid() }), Payload: fc.jsonValue({ maxDepth: 2 }), EventTime: fc.constant(new Date().toISOString()) }),
        ),
      });
      return target(world, route, 'raw', true, arb.map((x) =>
        x.ping && provider === 'woocommerce'
          ? draft(route, 'raw', { params: { connectionId: x.connectionId }, body: { kind: 'bytes', bytes: Buffer.from('webhook_id=42'), contentType: 'application/x-www-form-urlencoded' } })
          : draft(route, 'raw', {
              params: { connectionId: x.connectionId },
              headers: { 'x-wc-webhook-topic': x.topic, 'x-wc-webhook-source': world.stubUrl, 'x-wc-webhook-delivery-id': randomUUID() },
              body: jsonBytes(x.data),
              sign,
            }),
      ));
    });
  }

  m.set('GET /api/v1/integrations/oauth/:provider/callback', (route) => {
    const arb = fc.record({ provider: providerArb, state: stateArb, code: fc.string({ minLength: 1, maxLength: 60 }), error: fc.option(fc.constantFrom('access_denied', 'x'), { freq: 5 }), n: fc.nat() });
    return target(world, route, 'none', false, arb.map((x) => {
      const q: Record<string, string> = { state: x.state, code: x.code };
      if (x.provider === 'shopify') {
        Object.assign(q, { shop: accounts('shopify').pick(x.n, 'fuzz-1.myshopify.com'), timestamp: String(Math.floor(Date.now() / 1000)) });
        q.hmac = hmac(FUZZ_SECRETS.shopify, Buffer.from(callbackSigningMessage(q)), 'hex');
      }
      if (x.provider === 'quickbooks') q.realmId = accounts('quickbooks').pick(x.n, '1');
      if (x.provider === 'amazon') Object.assign(q, { selling_partner_id: accounts('amazon').pick(x.n, 'A1'), spapi_oauth_code: x.code.replace(/[^\x21-\x7e]/g, 'x') });
      if (x.error) q.error = x.error;
      return draft(route, 'none', { params: { provider: x.provider }, query: Object.entries(q) });
    }), 'json-or-html');
  });

  m.set('POST /api/v1/integrations/keys/:provider/callback', (route) => {
    const post = fc.record({
      key_id: fc.integer({ min: -1, max: 1e6 }),
      user_id: stateArb,
      consumer_key: fc.oneof(fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 40, maxLength: 40 }).map((h) => `ck_${h}`), fc.string()),
      consumer_secret: fc.oneof(fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 40, maxLength: 40 }).map((h) => `cs_${h}`), fc.string()),
      key_permissions: fc.constantFrom('read_write', 'read'),
    });
    return target(world, route, 'json', false, fc.tuple(post, fc.oneof({ weight: 4, arbitrary: fc.constant('woocommerce') }, { weight: 1, arbitrary: providerArb })).map(([b, p]) =>
      draft(route, 'json', { params: { provider: p }, body: { kind: 'json', value: b } }),
    ));
  });

  m.set('GET /api/v1/integrations/keys/:provider/return', (route) => {
    const arb = fc.record({ provider: fc.oneof({ weight: 4, arbitrary: fc.constant('woocommerce') }, { weight: 1, arbitrary: providerArb }), user_id: stateArb, success: fc.constantFrom('0', '1', '2', '') });
    return target(world, route, 'none', false, arb.map((x) => draft(route, 'none', { params: { provider: x.provider }, query: [['user_id', x.user_id], ['success', x.success]] })), 'json-or-html');
  });

  m.set('GET /connect/:state', (route) => target(world, route, 'none', false, stateArb.map((s) => draft(route, 'none', { params: { state: s } })), 'json-or-html'));

  m.set('POST /connect/:state', (route) => {
    const arb = fc.record({
      state: stateArb,
      provider: providerArb,
      account: fc.oneof(fc.constantFrom('fuzz-1.myshopify.com', world.stubUrl, 'evil.example.com', '9130', ''), fc.string({ maxLength: 60 })),
    });
    return target(world, route, 'form', false, arb.map((x) => draft(route, 'form', { params: { state: x.state }, body: { kind: 'form', fields: { provider: x.provider, account: x.account } } })), 'json-or-html');
  });

  m.set('GET /feeds/:tenant/:file', (route) => {
    const links = world.pools.feedLinks;
    const arb = fc.record({ i: fc.nat(), tenant: fc.constantFrom('own', 'other', 'random'), file: fc.oneof({ weight: 3, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.stringMatching(/^[a-f0-9]{1,64}\.(jsonld|jsonl\.gz|xml|txt)$/) }) });
    return target(world, route, 'none', false, arb.map((x) => {
      const u = new URL(links.pick(x.i, '/feeds/x/y.jsonld'), 'http://h');
      const [, , tenant = '', file = ''] = u.pathname.split('/');
      const t = x.tenant === 'own' ? tenant : x.tenant === 'other' ? world.b.tenantId : randomUUID();
      return draft(route, 'none', { params: { tenant: t, file: x.file || file }, query: [...u.searchParams.entries()] });
    }));
  });

  return m;
}
