import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

// `npm run test:reliability`: the reliability suites (test/reliability) with their full
// counts. Every trial appends a line to one report file for the run; the suite's global
// teardown prints them all as a table: what was tried, how often, and what was lost.
// With DATABASE_URL set, each suite runs on PGlite and again on PostgreSQL (as `npm test`).
const report = process.env.SYNQ_RELIABILITY_REPORT ?? join(tmpdir(), `synq-reliability-${process.pid}.jsonl`);
process.env.SYNQ_RELIABILITY_REPORT = report;
const env = { SYNQ_RELIABILITY: 'full', SYNQ_RELIABILITY_REPORT: report };

const common = {
  globalSetup: ['./test/globalSetup.ts', './test/reliability/globalSetup.ts'],
  include: ['test/reliability/**/*.test.ts'],
  // The full worker-crash run alone takes ~10 minutes on a busy 2-core machine.
  testTimeout: 30 * 60_000,
  hookTimeout: 120_000,
  pool: 'forks' as const,
};

export default defineConfig({
  test: {
    maxWorkers: 2,
    minWorkers: 1,
    projects: [
      { test: { ...common, name: 'pglite', env: { ...env, SYNQ_TEST_DB: 'pglite' } } },
      ...(process.env.DATABASE_URL ? [{ test: { ...common, name: 'postgres', env: { ...env, SYNQ_TEST_DB: 'postgres' } } }] : []),
    ],
  },
});
