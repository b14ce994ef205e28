import { defineConfig } from 'vitest/config';

// Every suite runs on embedded PGlite; when DATABASE_URL is set (CI sets it) the
// same suites run again against PostgreSQL, each with a database of its own.
const common = {
  globalSetup: ['./test/globalSetup.ts'],
  include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'bench/**/*.test.ts'],
  testTimeout: 60_000,
  hookTimeout: 120_000,
  pool: 'forks' as const,
};

export default defineConfig({
  test: {
    // Two cores: more workers only adds contention (each PGlite is a WASM Postgres).
    maxWorkers: 2,
    minWorkers: 1,
    projects: [
      { test: { ...common, name: 'pglite', env: { SYNQ_TEST_DB: 'pglite' } } },
      ...(process.env.DATABASE_URL ? [{ test: { ...common, name: 'postgres', env: { SYNQ_TEST_DB: 'postgres' } } }] : []),
    ],
  },
});
