// Loads Shopify's published Admin API introspection (2025-01) so the fake
// answers bad documents the way Shopify does. Without the file it falls back to
// a small hand-written schema and runs unvalidated, and says so.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { buildClientSchema, buildSchema, type GraphQLSchema, type IntrospectionQuery } from 'graphql';
import { FALLBACK_SDL } from './fallbackSchema.ts';

/** src/providers/shopify/fake -> the repository root is four levels up. */
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

export const DEFAULT_SCHEMA_PATH = resolve(REPO_ROOT, '..', 'shared', 'contracts', 'shopify', 'admin_schema_2025-01.json.gz');

export interface LoadedSchema {
  schema: GraphQLSchema;
  /** True when this is Shopify's real schema and every document is validated against it. */
  validated: boolean;
  source: string;
}

// Parsing the 9 MB introspection takes ~0.4 s; every fake in one process shares it.
const cache = new Map<string, GraphQLSchema>();

function loadIntrospection(path: string): GraphQLSchema {
  const cached = cache.get(path);
  if (cached !== undefined) return cached;
  const raw = readFileSync(path);
  const text = path.endsWith('.gz') ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
  const json = JSON.parse(text) as { data?: IntrospectionQuery } & Partial<IntrospectionQuery>;
  const introspection = json.data ?? (json as IntrospectionQuery);
  const schema = buildClientSchema(introspection);
  cache.set(path, schema);
  return schema;
}

let fallback: GraphQLSchema | undefined;

export function loadSchema(schemaPath: string | null | undefined, log: (line: string) => void): LoadedSchema {
  const path = schemaPath === undefined ? DEFAULT_SCHEMA_PATH : schemaPath;
  if (path !== null && existsSync(path)) {
    return { schema: loadIntrospection(path), validated: true, source: path };
  }
  log(
    `!!! shopify fake: Admin API schema not found${path === null ? ' (disabled)' : ` at ${path}`}. ` +
      'Running WITHOUT schema validation: requests are NOT checked against Shopify\'s real schema.',
  );
  fallback ??= buildSchema(FALLBACK_SDL);
  return { schema: fallback, validated: false, source: 'fallback' };
}

export function schemaFileExists(schemaPath: string = DEFAULT_SCHEMA_PATH): boolean {
  return existsSync(schemaPath);
}
