// Bulk mutations in the fake, after Shopify's import flow (shopify.dev "Bulk import data"):
//   stagedUploadsCreate(resource: BULK_MUTATION_VARIABLES) → a target URL and form parameters;
//   multipart POST of the JSONL to that URL (served here under /_staged, like the storage bucket);
//   bulkOperationRunMutation(mutation, stagedUploadPath) → a CREATED/RUNNING BulkOperation, at most
//   one bulk mutation per shop at a time (OPERATION_IN_PROGRESS otherwise, as in API 2025-01);
//   node(id:) / currentBulkOperation(type: MUTATION) → status and objectCount;
//   url → the result JSONL, one line per input line with __lineNumber.
// Each line's variables are coerced against the Admin schema (a bad line gets errors in its
// result line, as Shopify does), then the mutation runs against the shop. Shopify does not
// publish how fast it works through a file; the fake processes `linesPerSecond` lines per
// second (SHOPIFY_FACTS.bulkPush), so a bulk push has a floor the bench can compute.
import { randomUUID } from 'node:crypto';
import { execute, getOperationAST, getVariableValues, Kind, parse, validate, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import { productSet } from './mutations.ts';
import type { LoadedSchema } from './schema.ts';
import type { FakeShop, FakeStore } from './state.ts';
import type { HttpAnswer } from './graphqlEndpoint.ts';

/** Shopify refuses bulk mutation variable files above 100 MB. */
export const MAX_STAGED_FILE_BYTES = 100 * 1024 * 1024;

interface StagedFile {
  shop: string;
  content: string | null;
}

interface BulkOp {
  id: string;
  shop: string;
  doc: DocumentNode;
  op: OperationDefinitionNode;
  lines: string[];
  processed: number;
  results: string[];
  createdAt: number;
  completedAt: number | null;
  status: 'RUNNING' | 'COMPLETED' | 'FAILED';
  errorCode: string | null;
}

export interface BulkDeps {
  store: FakeStore;
  schema: LoadedSchema;
  currency: string;
  baseUrl: () => string;
  linesPerSecond: number;
  /** Largest staged file accepted (Shopify: 100 MB); tests lower it to check the refusal cheaply. */
  maxFileBytes: number;
}

export class FakeBulk {
  readonly #staged = new Map<string, StagedFile>();
  readonly #ops = new Map<string, BulkOp>();
  /** Lines refused because the file or the operation broke a limit; the bench expects 0. */
  rejectedForLimit = 0;

  constructor(private readonly deps: BulkDeps) {}

  stagedUploadsCreate(shop: FakeShop, input: { resource: string; filename: string; mimeType: string; httpMethod?: string | null }[]): Record<string, unknown> {
    const targets = input.map((i) => {
      if (i.resource !== 'BULK_MUTATION_VARIABLES') return null;
      const key = `tmp/${shop.domain}/bulk/${randomUUID()}/${i.filename}`;
      this.#staged.set(key, { shop: shop.domain, content: null });
      return {
        url: `${this.deps.baseUrl()}/_staged/upload`,
        resourceUrl: null,
        parameters: [
          { name: 'key', value: key },
          { name: 'Content-Type', value: i.mimeType },
          { name: 'success_action_status', value: '201' },
        ],
      };
    });
    if (targets.some((t) => t === null)) return { stagedTargets: null, userErrors: [{ field: ['input', 'resource'], message: 'The fake only stages BULK_MUTATION_VARIABLES' }] };
    return { stagedTargets: targets, userErrors: [] };
  }

  /** The storage bucket's multipart POST: form parameters first, then `file`. */
  async upload(contentType: string | undefined, raw: Buffer): Promise<HttpAnswer> {
    if (raw.length > this.deps.maxFileBytes) {
      this.rejectedForLimit += 1;
      return { status: 400, body: '<Error><Code>EntityTooLarge</Code></Error>' };
    }
    let form: FormData;
    try {
      form = await new Response(raw, { headers: { 'content-type': contentType ?? '' } }).formData();
    } catch {
      return { status: 400, body: '<Error><Code>MalformedPOSTRequest</Code></Error>' };
    }
    const key = form.get('key');
    const file = form.get('file');
    const staged = typeof key === 'string' ? this.#staged.get(key) : undefined;
    if (!staged || !(file instanceof Blob)) return { status: 400, body: '<Error><Code>InvalidArgument</Code></Error>' };
    staged.content = await file.text();
    return { status: 201, body: `<PostResponse><Key>${key as string}</Key></PostResponse>` };
  }

  run(shop: FakeShop, mutation: string, stagedUploadPath: string, now: number): Record<string, unknown> {
    const err = (code: string, message: string) => ({ bulkOperation: null, userErrors: [{ field: null, message, code }] });
    const running = [...this.#ops.values()].find((o) => o.shop === shop.domain && this.#advance(o, now).status === 'RUNNING');
    if (running) return err('OPERATION_IN_PROGRESS', `A bulk mutation operation for this app and shop is already in progress: ${running.id}.`);
    const staged = this.#staged.get(stagedUploadPath);
    if (!staged || staged.shop !== shop.domain || staged.content === null) return err('NO_SUCH_FILE', 'The JSONL file could not be found.');
    let doc: DocumentNode;
    try {
      doc = parse(mutation);
    } catch {
      return err('INVALID_MUTATION', 'Failed to parse the mutation - syntax error.');
    }
    const op = getOperationAST(doc);
    const problems = this.deps.schema.validated ? validate(this.deps.schema.schema, doc) : [];
    if (!op || op.operation !== 'mutation' || problems.length > 0 || op.selectionSet.selections.length !== 1) {
      return err('INVALID_MUTATION', 'Invalid mutation: expected exactly one valid top-level mutation field.');
    }
    const field = op.selectionSet.selections[0]!;
    if (field.kind !== Kind.FIELD || field.name.value !== 'productSet') return err('INVALID_MUTATION', 'The fake runs productSet in bulk only.');
    const lines = staged.content.split('\n').filter((l) => l.trim() !== '');
    this.#staged.delete(stagedUploadPath);
    const id = `gid://shopify/BulkOperation/${this.deps.store.nextNumericId()}`;
    const bulk: BulkOp = { id, shop: shop.domain, doc, op, lines, processed: 0, results: [], createdAt: now, completedAt: null, status: 'RUNNING', errorCode: null };
    this.#ops.set(id, bulk);
    return { bulkOperation: this.#view(bulk, now), userErrors: [] };
  }

  node(shop: FakeShop, id: string, now: number): Record<string, unknown> | null {
    const op = this.#ops.get(id);
    return op && op.shop === shop.domain ? this.#view(op, now) : null;
  }

  current(shop: FakeShop, now: number): Record<string, unknown> | null {
    const mine = [...this.#ops.values()].filter((o) => o.shop === shop.domain);
    const last = mine[mine.length - 1];
    return last ? this.#view(last, now) : null;
  }

  resultFile(name: string): HttpAnswer {
    const op = [...this.#ops.values()].find((o) => o.id.endsWith(`/${name}`));
    if (!op || op.status !== 'COMPLETED') return { status: 404, body: '<Error><Code>NoSuchKey</Code></Error>' };
    return { status: 200, headers: { 'content-type': 'application/jsonl' }, body: `${op.results.join('\n')}\n` };
  }

  /** Works through the lines the modelled rate allows by `now`. */
  #advance(op: BulkOp, now: number): BulkOp {
    if (op.status !== 'RUNNING') return op;
    const due = Math.min(op.lines.length, Math.floor(((now - op.createdAt) / 1000) * this.deps.linesPerSecond));
    const shop = this.deps.store.shop(op.shop);
    for (; op.processed < due; op.processed++) op.results.push(this.#runLine(shop, op, op.processed));
    if (op.processed === op.lines.length) {
      op.status = 'COMPLETED';
      op.completedAt = now;
    }
    return op;
  }

  #runLine(shop: FakeShop, op: BulkOp, n: number): string {
    let vars: unknown;
    try {
      vars = JSON.parse(op.lines[n]!);
    } catch {
      return JSON.stringify({ errors: [{ message: 'Invalid JSON on this line' }], __lineNumber: n });
    }
    const values = typeof vars === 'object' && vars !== null && !Array.isArray(vars) ? (vars as Record<string, unknown>) : {};
    const coerced = getVariableValues(this.deps.schema.schema, op.op.variableDefinitions ?? [], values);
    if (coerced.errors) {
      this.deps.store.stats.invalidDocuments += 1;
      return JSON.stringify({ errors: coerced.errors.map((e) => ({ message: e.message })), __lineNumber: n });
    }
    const rootValue = { productSet: (args: { input: Parameters<typeof productSet>[2] }) => productSet(this.deps.store, shop, args.input, this.deps.currency) };
    const result = execute({ schema: this.deps.schema.schema, document: op.doc, rootValue, variableValues: values });
    if (result instanceof Promise) throw new Error('fake resolvers are synchronous');
    return JSON.stringify({ ...(result.errors ? { errors: result.errors.map((e) => ({ message: e.message })) } : {}), data: result.data ?? null, __lineNumber: n });
  }

  #view(op: BulkOp, now: number): Record<string, unknown> {
    this.#advance(op, now);
    return {
      __typename: 'BulkOperation',
      id: op.id,
      status: op.status,
      errorCode: op.errorCode,
      type: 'MUTATION',
      query: '',
      createdAt: new Date(op.createdAt).toISOString(),
      completedAt: op.completedAt === null ? null : new Date(op.completedAt).toISOString(),
      objectCount: String(op.processed),
      rootObjectCount: String(op.processed),
      fileSize: op.status === 'COMPLETED' ? String(op.results.reduce((n, l) => n + l.length + 1, 0)) : null,
      url: op.status === 'COMPLETED' ? `${this.deps.baseUrl()}/_bulk/results/${op.id.split('/').pop() ?? ''}` : null,
      partialDataUrl: null,
    };
  }
}
