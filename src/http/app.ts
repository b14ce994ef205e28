// Builds the HTTP server: request ids, logging without secrets, validation,
// auth for tenant routes, the one error handler, metrics, OpenAPI, routes.
import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type RawServerDefault } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { Ajv } from 'ajv';
import addFormatsImport from 'ajv-formats';
import type { Deps } from '../deps.ts';
import { authenticate, requireRole, type AuthContext } from './auth.ts';
import { badRequest, classifyError, statusFor } from './errors.ts';
import { findUnstorableText } from './textSafety.ts';
import { clientErrorHandler, frameworkErrors, useStrictJsonParser } from './wireErrors.ts';
import { ensureTenant } from '../db/tenants.ts';
import { tenantRoutes, publicRoutes } from './routes/index.ts';
import { lazyChild, type Logger } from '../lib/logger.ts';

export type App = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, TypeBoxTypeProvider>;
export type RouteModule = (app: App, deps: Deps) => void;

declare module 'fastify' {
  interface FastifyRequest {
    auth: AuthContext;
  }
}

export const BODY_LIMIT = 10 * 1024 * 1024;

// ajv-formats ships CJS with a default export; under NodeNext the callable is on .default.
const addFormats = addFormatsImport as unknown as (ajv: Ajv) => Ajv;

function makeAjv(coerce: boolean): Ajv {
  // Bodies are validated strictly (a number where a string belongs is a 400, not a silent
  // coercion); query strings and params are text on the wire, so those coerce.
  const ajv = new Ajv({ coerceTypes: coerce ? 'array' : false, useDefaults: true, removeAdditional: false, allErrors: false, strict: false });
  addFormats(ajv);
  return ajv;
}

/** Query parameters whose values are credentials or one-time codes in every OAuth flow: never logged. */
const SECRET_QUERY_PARAMS = ['code', 'hmac', 'state', 'sig', 'token', 'access_token', 'refresh_token'];

/** Redacts those and each provider's own (facts.secretQueryParams) from a URL before it is logged. */
export function urlRedactor(providerParams: readonly string[]): (url: string) => string {
  const names = [...new Set([...SECRET_QUERY_PARAMS, ...providerParams])].map((n) => n.replace(/[^A-Za-z0-9_-]/g, (c) => `\\${c}`));
  const re = new RegExp(`([?&](?:${names.join('|')})=)[^&]*`, 'gi');
  return (url) => url.replace(re, '$1[redacted]');
}

export async function buildApp(deps: Deps): Promise<App> {
  const app = Fastify({
    loggerInstance: deps.log,
    bodyLimit: BODY_LIMIT,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[A-Za-z0-9._-]{1,64}$/.test(given) ? given : randomUUID();
    },
    requestIdHeader: false,
    trustProxy: false,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    // Our onResponse hook logs one line per request with a redacted URL instead.
    logController: new LogController({ disableRequestLogging: true }),
    // req.log is made when first used, and not at all for a call below the log level (lib/logger.ts).
    childLoggerFactory: (logger, bindings, opts) => lazyChild(logger as Logger, bindings, opts as Record<string, unknown>),
    frameworkErrors,
    clientErrorHandler,
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as App;
  useStrictJsonParser(app);

  const redactUrl = urlRedactor(deps.providers.modules().flatMap((p) => p.facts.secretQueryParams));
  const bodyAjv = makeAjv(false);
  const textAjv = makeAjv(true);
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? bodyAjv : textAjv).compile(schema));

  app.decorateRequest('auth', null as unknown as AuthContext);

  app.addHook('preValidation', async (req) => {
    // Parsed JSON bodies only; webhook routes see raw Buffers and check their own bytes.
    if (req.body === null || typeof req.body !== 'object' || Buffer.isBuffer(req.body)) return;
    const where = findUnstorableText(req.body);
    if (where !== null) throw badRequest(`${where} contains a NUL character or an unpaired surrogate`);
  });

  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    deps.metrics.observeRequest(req.method, route, reply.statusCode, reply.elapsedTime / 1000);
    const line = { reqId: req.id, method: req.method, url: redactUrl(req.url), status: reply.statusCode, ms: Math.round(reply.elapsedTime) };
    if (reply.statusCode >= 500) req.log.error(line, 'request failed');
    else req.log.info(line, 'request');
  });

  app.setErrorHandler(async (err, req, reply) => {
    const { code, message, headers } = classifyError(err);
    const status = statusFor(code);
    if (status >= 500) req.log.error({ err, code, reqId: req.id }, 'unhandled error');
    else req.log.debug({ code, reqId: req.id, message }, 'request rejected');
    for (const [k, v] of Object.entries(headers)) reply.header(k, v);
    return reply.status(status).send({ error: message });
  });
  app.setNotFoundHandler(async (_req, reply) => reply.status(404).send({ error: 'Route not found' }));

  await app.register(swagger, {
    openapi: {
      info: { title: 'Synq API', version: '1.0.0', description: 'Commerce integrations: catalog, connections, push, webhooks, orders.' },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
          tenant: { type: 'apiKey', in: 'header', name: 'X-Tenant-ID' },
          org: { type: 'apiKey', in: 'header', name: 'X-Org-ID' },
        },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  // Public routes: health, webhooks, OAuth callbacks, the connect page.
  for (const route of publicRoutes) route(app, deps);

  // Tenant routes: everything below requires a bearer token matching X-Tenant-ID / X-Org-ID.
  await app.register(async (scope) => {
    const tenantScope = scope as unknown as App;
    tenantScope.addHook('onRequest', async (req) => {
      const auth = await authenticate(deps.verifier, req.headers);
      // VIEWER may only read.
      if (req.method !== 'GET' && req.method !== 'HEAD') requireRole(auth, 'EDITOR');
      await ensureTenant(deps, auth);
      req.auth = auth;
    });
    for (const route of tenantRoutes) route(tenantScope, deps);
  });

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  return app;
}
