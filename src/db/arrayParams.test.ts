// The array literals are parsed by the database, so the property is checked there: any list of
// strings sent as textArray comes back from unnest exactly, in order.
import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/harness.ts';
import { textArray, tokenArray } from './arrayParams.ts';
import { openDatabase, rowsOf, type Database } from './client.ts';

describe('array parameters', () => {
  let testDb: TestDatabase;
  let database: Database;
  beforeAll(async () => {
    testDb = await createTestDatabase();
    database = await openDatabase({ databaseUrl: testDb.databaseUrl, dataDir: '', ...(testDb.pglite ? { pglite: testDb.pglite } : {}) });
  });
  afterAll(async () => {
    await database?.close();
    await testDb?.drop();
  });

  const roundTrip = async (literal: string) =>
    rowsOf<{ v: string | null }>(await database.db.execute(sql`SELECT v FROM unnest(${literal}::text[]) WITH ORDINALITY AS t(v, n) ORDER BY n`)).map((r) => r.v);

  it('textArray: any strings come back exactly, in order', async () => {
    // PostgreSQL text cannot hold NUL; everything else, including the array syntax's own characters.
    const char = fc.oneof(fc.constantFrom('"', '\\', '{', '}', ',', ' ', 'N', 'U', 'L', '\n', 'é'), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }));
    const text = fc.array(char, { maxLength: 40 }).map((cs) => cs.join('').replaceAll('\u0000', ''));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(text, fc.constantFrom('NULL', 'null', '', '""', '\\\\', '{}', ' padded ')), { maxLength: 12 }), async (values) => {
        expect(await roundTrip(textArray(values))).toEqual(values);
      }),
      { numRuns: 300 },
    );
  });

  it('tokenArray: uuids come back as given', async () => {
    const ids = ['6f1c1d1e-0000-4000-8000-000000000001', '6f1c1d1e-0000-4000-8000-000000000002'];
    const rows = rowsOf<{ v: string }>(await database.db.execute(sql`SELECT v::text AS v FROM unnest(${tokenArray(ids)}::uuid[]) AS t(v)`));
    expect(rows.map((r) => r.v)).toEqual(ids);
  });
});
