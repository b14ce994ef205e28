// Which endpoints the running app serves, read from the app itself so a new route is
// fuzzed (or the suite fails for lack of a generator) without anyone listing it here:
// Fastify's route tree gives every method and path, HEAD and the docs' static files
// included; the OpenAPI document gives the schemas and which routes need a tenant token.
import type { App } from '../../src/http/app.ts';
import type { JsonSchema } from './fuzzSchema.ts';

export interface RegisteredRoute {
  method: string;
  /** Fastify syntax: /api/v1/pim/products/:id, /docs/* */
  path: string;
}

export interface OpenApiOperation {
  security?: unknown[];
  parameters?: { name: string; in: 'path' | 'query' | 'header'; required?: boolean; schema?: JsonSchema }[];
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
  responses?: Record<string, { content?: Record<string, unknown> }>;
}

export const routeKey = (method: string, path: string) => `${method.toUpperCase()} ${path}`;

/**
 * Parses `app.printRoutes({ commonPrefix: false })`: one line per node, four columns of
 * indentation per level, a node's path relative to its parent, its methods in parentheses.
 * The printout can misplace a wildcard (`/docs/static/*` prints as a `*` child of `/docs`), so
 * each path is confirmed with app.hasRoute, and a wildcard that does not match is tried under
 * every prefix of the routes found so far.
 */
export function registeredRoutes(app: App): RegisteredRoute[] {
  const tree = app.printRoutes({ commonPrefix: false });
  const stack: string[] = [];
  const out: RegisteredRoute[] = [];
  for (const line of tree.split('\n')) {
    const m = /^([│ ]*)[├└]── (.*?)(?: \(([^)]*)\))?$/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    stack.length = depth;
    const path = (stack[depth - 1] ?? '') + m[2]!;
    stack.push(path);
    for (const method of (m[3] ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '' && s !== '-')) {
      const prefixes = path.endsWith('*') ? out.flatMap((r) => r.path.split('/').map((_, i, parts) => parts.slice(0, i).join('/'))) : [];
      const candidates = [path, ...new Set(prefixes.map((p) => `${p}/*`))];
      const found = candidates.find((url) => app.hasRoute({ method: method as 'GET', url }));
      out.push({ method, path: found ?? path });
    }
  }
  return out;
}

/** OpenAPI operations keyed like routeKey, with `{param}` turned back into `:param`. */
export function openApiOperations(doc: { paths?: Record<string, Record<string, OpenApiOperation>> }): Map<string, OpenApiOperation> {
  const ops = new Map<string, OpenApiOperation>();
  for (const [path, methods] of Object.entries(doc.paths ?? {})) {
    const fastifyPath = path.replace(/\{([^}]+)\}/g, ':$1');
    for (const [method, op] of Object.entries(methods)) ops.set(routeKey(method, fastifyPath), op);
  }
  return ops;
}

export function jsonBodySchema(op: OpenApiOperation | undefined): JsonSchema | undefined {
  return op?.requestBody?.content?.['application/json']?.schema;
}

export function paramSchemas(op: OpenApiOperation | undefined, where: 'path' | 'query'): Record<string, { schema: JsonSchema; required: boolean }> {
  return Object.fromEntries(
    (op?.parameters ?? []).filter((p) => p.in === where).map((p) => [p.name, { schema: p.schema ?? {}, required: p.required === true }]),
  );
}

export const pathParams = (path: string) => [...path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]!);
