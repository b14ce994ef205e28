// Counts every row the service writes, so a test can say "this request wrote nothing".
// A row trigger on every table of the suite's own database (public, pgboss, anything
// added later; installed by the test, never by a migration) appends one line per
// inserted, updated or deleted row to fuzzprobe.writes. The log is transactional: a
// write that rolls back leaves no line, so "no new line" means "no committed change".
// Checking is one index lookup (max(id)), about 0.3 ms, cheap enough to run per request;
// a fingerprint of counts and max(updated_at) per table costs ~20 queries and misses
// UPDATEs of tables without a timestamp.
import pg from 'pg';
import type { PGlite } from '@electric-sql/pglite';
import type { TestService } from '../harness.ts';

export interface WriteRow {
  id: number;
  tbl: string;
  op: 'INSERT' | 'UPDATE' | 'DELETE';
  /** tenant_id (or tenants.id) of the row, when it has one. */
  tenant: string | null;
  /** For UPDATE: the columns whose value changed. */
  changed: string[] | null;
}

export interface WriteProbe {
  /** The id of the newest logged write: compare two marks to see whether anything was written. */
  mark(): Promise<number>;
  /** Every write logged after `mark`. */
  since(mark: number): Promise<WriteRow[]>;
  /** Tables carrying the trigger (schema.table). */
  tables: string[];
  close(): Promise<void>;
}

type Query = (text: string) => Promise<Record<string, unknown>[]>;

// SECURITY DEFINER: the service may connect as a role that cannot write the log; the
// function runs as the superuser that installed it. search_path pinned for the same reason.
const INSTALL = `
CREATE SCHEMA IF NOT EXISTS fuzzprobe;
CREATE TABLE IF NOT EXISTS fuzzprobe.writes (id bigserial PRIMARY KEY, tbl text NOT NULL, op text NOT NULL, tenant text, changed text[]);
CREATE OR REPLACE FUNCTION fuzzprobe.log_write() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = fuzzprobe, pg_catalog AS $$
DECLARE
  n jsonb := CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE to_jsonb(NEW) END;
  o jsonb := CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE to_jsonb(OLD) END;
  r jsonb := coalesce(n, o);
  diff text[];
BEGIN
  IF TG_OP = 'UPDATE' THEN
    SELECT array_agg(k ORDER BY k) INTO diff FROM jsonb_each(n) AS e(k, v) WHERE v IS DISTINCT FROM o -> k;
  END IF;
  INSERT INTO fuzzprobe.writes (tbl, op, tenant, changed)
  VALUES (TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME, TG_OP,
          coalesce(r ->> 'tenant_id', CASE WHEN TG_TABLE_NAME = 'tenants' THEN r ->> 'id' END), diff);
  RETURN NULL;
END $$;
`;

/** Every ordinary or partitioned table outside the catalogs (partitions inherit the parent's trigger). */
const TABLES = `
SELECT n.nspname || '.' || c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
  AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'fuzzprobe') AND n.nspname NOT LIKE 'pg_toast%'
ORDER BY 1`;

const quoteIdent = (s: string) => `"${s.replace(/"/g, '""')}"`;

export async function installWriteProbe(svc: TestService): Promise<WriteProbe> {
  let query: Query;
  let close: () => Promise<void>;
  if (svc.deps.database.kind === 'pglite') {
    // The service's own PGlite: it is the superuser session, and the only connection there is.
    const pglite: PGlite = svc.deps.database.pglite;
    query = async (text) => (await pglite.query<Record<string, unknown>>(text)).rows;
    close = async () => {};
  } else {
    const client = new pg.Client({ connectionString: svc.config.databaseUrl });
    await client.connect();
    query = async (text) => (await client.query<Record<string, unknown>>(text)).rows;
    close = () => client.end();
  }
  if (svc.deps.database.kind === 'pglite') await svc.deps.database.pglite.exec(INSTALL);
  else await query(INSTALL);
  const tables = (await query(TABLES)).map((r) => String(r.name));
  for (const t of tables) {
    const [schema, name] = t.split('.') as [string, string];
    const trigger = quoteIdent(`fuzzprobe_${name}`.slice(0, 63));
    await query(`DROP TRIGGER IF EXISTS ${trigger} ON ${quoteIdent(schema)}.${quoteIdent(name)}`);
    await query(`CREATE TRIGGER ${trigger} AFTER INSERT OR UPDATE OR DELETE ON ${quoteIdent(schema)}.${quoteIdent(name)} FOR EACH ROW EXECUTE FUNCTION fuzzprobe.log_write()`);
  }
  return {
    tables,
    mark: async () => Number((await query('SELECT coalesce(max(id), 0) AS m FROM fuzzprobe.writes'))[0]?.m ?? 0),
    since: async (mark) =>
      (await query(`SELECT id, tbl, op, tenant, changed FROM fuzzprobe.writes WHERE id > ${Math.floor(mark)} ORDER BY id LIMIT 1000`)).map((r) => ({
        id: Number(r.id),
        tbl: String(r.tbl),
        op: r.op as WriteRow['op'],
        tenant: r.tenant === null ? null : String(r.tenant),
        changed: (r.changed as string[] | null) ?? null,
      })),
    close,
  };
}

/**
 * The one write a rejected request may make: spending the single-use OAuth state it
 * presented (oauth_states.consumed_at set). A callback that fails after the state checks
 * out (denied at the provider, account mismatch, code exchange refused) must still burn
 * it, or the same state could be replayed.
 */
export function isStateSpend(w: WriteRow): boolean {
  return w.tbl === 'public.oauth_states' && w.op === 'UPDATE' && w.changed !== null && w.changed.length === 1 && w.changed[0] === 'consumed_at';
}

/**
 * Rows the job queue writes on its own timer whatever requests arrive: pg-boss 12 records
 * each instance's heartbeat in pgboss.instance and claims its periodic passes in the
 * *_on columns of pgboss.version. Not the request's doing.
 */
export function isBackground(w: WriteRow): boolean {
  return w.tbl === 'pgboss.instance' || (w.tbl === 'pgboss.version' && w.op === 'UPDATE' && (w.changed ?? []).every((c) => c.endsWith('_on')));
}
