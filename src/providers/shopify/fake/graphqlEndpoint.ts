// POST /shops/{shop}/admin/api/{version}/graphql.json: token check, injected
// failures, then parse -> validate -> coerce variables -> cost -> execute, each
// refusal shaped like Shopify's.
import {
  GraphQLError,
  Kind,
  execute,
  getOperationAST,
  getVariableValues,
  parse,
  validate,
  type DocumentNode,
  type FragmentDefinitionNode,
} from 'graphql';
import { LeakyBucket, MAX_SINGLE_QUERY_COST, queryCost } from './cost.ts';
import { productDelete, productSet, webhookSubscriptionCreate, webhookSubscriptionDelete } from './mutations.ts';
import type { LoadedSchema } from './schema.ts';
import type { FakeBulk } from './bulk.ts';
import type { FakeStore } from './state.ts';
import { queryRoot } from './views.ts';

export interface HttpAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** Hold the request open until the client gives up (simulates a hung upstream). */
  hang?: boolean;
}

export interface GraphqlDeps {
  store: FakeStore;
  schema: LoadedSchema;
  bucket: LeakyBucket;
  currency: string;
  bulk: FakeBulk;
}

const INVALID_TOKEN = { errors: '[API] Invalid API key or access token (unrecognized login or wrong password)' };

function errorsOnly(errors: readonly GraphQLError[], extensions?: Record<string, unknown>): HttpAnswer {
  return { status: 200, body: { errors: errors.map((e) => e.toJSON()), ...(extensions ? { extensions } : {}) } };
}

export function handleGraphql(deps: GraphqlDeps, shopDomain: string, token: string | undefined, rawBody: string): HttpAnswer {
  const { store, schema, bucket } = deps;
  const now = Date.now();
  const rec = token ? store.accessTokens.get(token) : undefined;
  const shop = store.shop(shopDomain);
  if (!rec || rec.revoked || rec.shop !== shop.domain || rec.generation !== shop.grantGeneration || (rec.expiresAt !== null && rec.expiresAt <= now)) {
    store.stats.unauthorized += 1;
    return { status: 401, body: INVALID_TOKEN };
  }
  store.stats.graphqlRequests += 1;

  const failure = store.takeFailure(shop.domain);
  if (failure?.kind === 'http429') return { status: 429, headers: { 'retry-after': String(failure.retryAfterSeconds ?? 2) }, body: { errors: 'Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service.' } };
  if (failure?.kind === 'http500') return { status: 500, body: { errors: 'Internal Server Error' } };
  if (failure?.kind === 'hang') return { status: 504, hang: true };

  let body: { query?: unknown; variables?: unknown; operationName?: unknown };
  try {
    body = JSON.parse(rawBody) as typeof body;
  } catch {
    return { status: 400, body: { errors: 'Bad Request' } };
  }
  if (typeof body.query !== 'string') return errorsOnly([new GraphQLError('Parameter Missing or Invalid: query')]);
  const variables = typeof body.variables === 'object' && body.variables !== null ? (body.variables as Record<string, unknown>) : {};
  const operationName = typeof body.operationName === 'string' ? body.operationName : null;

  let doc: DocumentNode;
  try {
    doc = parse(body.query);
  } catch (err) {
    store.stats.invalidDocuments += 1;
    if (schema.validated) store.stats.validatedRequests += 1;
    else store.stats.unvalidatedRequests += 1;
    return errorsOnly([err instanceof GraphQLError ? err : new GraphQLError('Parse error')]);
  }
  if (schema.validated) {
    store.stats.validatedRequests += 1;
    const problems = validate(schema.schema, doc);
    if (problems.length > 0) {
      store.stats.invalidDocuments += 1;
      return errorsOnly(problems);
    }
  } else {
    store.stats.unvalidatedRequests += 1;
  }
  const op = getOperationAST(doc, operationName);
  if (!op) return errorsOnly([new GraphQLError('An operation name is required when the document has several operations')]);
  const coerced = getVariableValues(schema.schema, op.variableDefinitions ?? [], variables);
  if (coerced.errors) {
    store.stats.invalidDocuments += 1;
    return errorsOnly(coerced.errors);
  }

  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of doc.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const requested = queryCost(schema.schema, op, fragments, coerced.coerced);
  if (requested > MAX_SINGLE_QUERY_COST) {
    return errorsOnly([
      new GraphQLError(`Query cost is ${requested}, which exceeds the single query max cost limit (${MAX_SINGLE_QUERY_COST}).`, {
        extensions: { code: 'MAX_COST_EXCEEDED', cost: requested, maxCost: MAX_SINGLE_QUERY_COST },
      }),
    ]);
  }
  if (failure?.kind === 'throttled' || !bucket.take(shop.bucket, requested, now)) {
    store.stats.throttled += 1;
    const status = bucket.status(shop.bucket, now);
    // An injected THROTTLED reports a bucket one second short of this query, so clients compute ~1 s.
    if (failure?.kind === 'throttled') status.currentlyAvailable = Math.max(0, requested - bucket.restoreRate);
    return errorsOnly([new GraphQLError('Throttled', { extensions: { code: 'THROTTLED', documentation: 'https://shopify.dev/api/usage/rate-limits' } })], {
      cost: { requestedQueryCost: requested, actualQueryCost: null, throttleStatus: status },
    });
  }

  const root = queryRoot(shop, deps.currency);
  const rootValue = {
    ...root,
    productSet: (args: { input: Parameters<typeof productSet>[2] }) => productSet(store, shop, args.input, deps.currency),
    productDelete: (args: { input: { id: string } }) => ({ ...productDelete(shop, args.input), shop: root.shop }),
    webhookSubscriptionCreate: (args: Parameters<typeof webhookSubscriptionCreate>[2]) => webhookSubscriptionCreate(store, shop, args),
    webhookSubscriptionDelete: (args: { id: string }) => webhookSubscriptionDelete(shop, args),
    stagedUploadsCreate: (args: { input: Parameters<FakeBulk['stagedUploadsCreate']>[1] }) => deps.bulk.stagedUploadsCreate(shop, args.input),
    bulkOperationRunMutation: (args: { mutation: string; stagedUploadPath: string }) => deps.bulk.run(shop, args.mutation, args.stagedUploadPath, Date.now()),
    currentBulkOperation: () => deps.bulk.current(shop, Date.now()),
    node: (args: { id: string }) => deps.bulk.node(shop, args.id, Date.now()),
  };
  const result = execute({ schema: schema.schema, document: doc, rootValue, variableValues: variables, operationName });
  if (result instanceof Promise) throw new Error('fake resolvers are synchronous');
  const actual = Math.min(requested, queryCost(schema.schema, op, fragments, coerced.coerced, result.data ?? null));
  bucket.refund(shop.bucket, requested - actual, Date.now());
  return {
    status: 200,
    body: {
      ...(result.errors ? { errors: result.errors.map((e) => e.toJSON()) } : {}),
      data: result.data ?? null,
      extensions: { cost: { requestedQueryCost: requested, actualQueryCost: actual, throttleStatus: bucket.status(shop.bucket, Date.now()) } },
    },
  };
}
