// The fake's bulk mutation flow refuses what Shopify refuses: a second bulk mutation while one
// runs (OPERATION_IN_PROGRESS), a staged path it never issued (NO_SUCH_FILE), a mutation that is
// not one valid top-level field (INVALID_MUTATION), a file over 100 MB (EntityTooLarge), and a
// JSONL line whose variables do not match the Admin schema (errors on that line only).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BULK_OPERATION_RUN_MUTATION, BULK_PRODUCT_SET_LINE, STAGED_UPLOADS_CREATE } from '../queries.ts';
import { connectorFor, install, CLIENT_ID, CLIENT_SECRET } from '../testing/harness.ts';
import { startShopifyFake, type ShopifyFake } from './index.ts';
import { schemaFileExists } from './schema.ts';

const SHOP = 'bulk-fake.myshopify.com';
let fake: ShopifyFake;
let token: string;

beforeAll(async () => {
  // 20 lines/s: an operation of 40 lines is still running when the second one is tried.
  fake = await startShopifyFake({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, autoApprove: true, bulkLinesPerSecond: 20, maxStagedFileBytes: 64 * 1024, log: () => {} });
  token = (await install(connectorFor(fake), SHOP)).accessToken;
});
afterAll(async () => {
  await fake.close();
});

async function gql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const res = await fetch(`${fake.url}/shops/${SHOP}/admin/api/2025-01/graphql.json`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-shopify-access-token': token },
    body: JSON.stringify({ query, variables }),
  });
  return ((await res.json()) as { data: T }).data;
}

async function stage(content: string | Blob): Promise<{ key: string; status: number }> {
  const data = await gql<{ stagedUploadsCreate: { stagedTargets: { url: string; parameters: { name: string; value: string }[] }[] } }>(STAGED_UPLOADS_CREATE.query, {
    input: [{ resource: 'BULK_MUTATION_VARIABLES', filename: 'bulk_op_vars', mimeType: 'text/jsonl', httpMethod: 'POST' }],
  });
  const target = data.stagedUploadsCreate.stagedTargets[0]!;
  const form = new FormData();
  for (const p of target.parameters) form.append(p.name, p.value);
  form.append('file', typeof content === 'string' ? new Blob([content]) : content, 'bulk_op_vars');
  const res = await fetch(target.url, { method: 'POST', body: form });
  await res.text();
  return { key: target.parameters.find((p) => p.name === 'key')!.value, status: res.status };
}

type Run = { bulkOperationRunMutation: { bulkOperation: { id: string } | null; userErrors: { code: string }[] } };
const run = (path: string, mutation = BULK_PRODUCT_SET_LINE) => gql<Run>(BULK_OPERATION_RUN_MUTATION.query, { mutation, stagedUploadPath: path });

describe.skipIf(!schemaFileExists())('Shopify fake: bulk mutations', () => {
  it('refuses unknown staged paths, invalid mutations and a second concurrent bulk mutation; a bad line fails alone', async () => {
    expect((await run('tmp/never/issued')).bulkOperationRunMutation.userErrors[0]!.code).toBe('NO_SUCH_FILE');
    const a = await stage('{"input":{"title":"x"}}\n');
    expect((await run(a.key, 'mutation { shop { id } }')).bulkOperationRunMutation.userErrors[0]!.code).toBe('INVALID_MUTATION');

    const lines = [JSON.stringify({ input: { status: 'LIVE', title: 'bad status' } }), ...Array.from({ length: 39 }, (_, i) => JSON.stringify({ input: { title: `Bulk ${i}` } }))];
    const first = await run((await stage(lines.join('\n'))).key);
    const id = first.bulkOperationRunMutation.bulkOperation!.id;
    const second = await run((await stage(lines[1]!)).key);
    expect(second.bulkOperationRunMutation.userErrors[0]!.code).toBe('OPERATION_IN_PROGRESS');

    let op: { status: string; url: string | null } | null = null;
    for (let i = 0; i < 100 && op?.status !== 'COMPLETED'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      op = (await gql<{ node: { status: string; url: string | null } }>('query($id: ID!) { node(id: $id) { ... on BulkOperation { status url } } }', { id })).node;
    }
    expect(op?.status).toBe('COMPLETED');
    const result = (await (await fetch(op!.url!)).text()).trim().split('\n').map((l) => JSON.parse(l) as { __lineNumber: number; errors?: unknown[]; data?: unknown });
    expect(result).toHaveLength(40);
    expect(result[0]).toMatchObject({ __lineNumber: 0, errors: [expect.objectContaining({ message: expect.stringMatching(/ProductStatus/) })] });
    expect(result.slice(1).every((r) => r.errors === undefined && r.data !== null)).toBe(true);
    expect(fake.shop(SHOP).products).toHaveLength(39);
  });

  it('answers EntityTooLarge for a staged file over the limit (100 MB at Shopify, 64 KiB here)', async () => {
    const before = fake.bulkRejectedForLimit;
    const big = await stage(new Blob([new Uint8Array(64 * 1024 + 1).fill(0x20)]));
    expect(big.status).toBe(400);
    expect(fake.bulkRejectedForLimit).toBe(before + 1);
  });
});
