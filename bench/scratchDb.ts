// A throwaway PostgreSQL database for one bench run, on the server DATABASE_URL points at
// (default: the local test server), dropped afterwards even if connections are left open.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface ScratchDb {
  url: string;
  drop(): Promise<void>;
}

export const baseDatabaseUrl = (): string => process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export async function scratchPostgres(prefix = 'synq_bench'): Promise<ScratchDb> {
  const base = baseDatabaseUrl();
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(base);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
