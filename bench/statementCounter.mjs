// Counts the SQL statements a process sends through node-postgres, by their first words.
// Preloaded into the fan-out bench's worker processes (node --import) with
// SYNQ_STATEMENT_COUNT_DIR set, it writes the counts to <dir>/<pid>.json whenever it receives
// SIGUSR2: the bench signals before and after its measured window and reports the difference
// per task, a figure that, unlike throughput, does not move with the machine's load. The bench
// process counts its own (the push route's) with installStatementCounter(). pg_stat_statements
// is not installed on these machines, and pg_stat_database lags for idle backends.
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';

/** Wraps pg.Client#query once per process; returns a function that copies the counts so far. */
export function installStatementCounter() {
  if (!pg.Client.prototype.__synqCounts) {
    const counts = new Map();
    const query = pg.Client.prototype.query;
    pg.Client.prototype.query = function (q, ...rest) {
      const text = typeof q === 'string' ? q : (q?.text ?? '?');
      const key = text.slice(0, 120).replace(/\s+/g, ' ').trim().slice(0, 60);
      counts.set(key, (counts.get(key) ?? 0) + 1);
      return query.call(this, q, ...rest);
    };
    pg.Client.prototype.__synqCounts = counts;
  }
  const counts = pg.Client.prototype.__synqCounts;
  return () => new Map(counts);
}

const dir = process.env.SYNQ_STATEMENT_COUNT_DIR;
if (dir) {
  const snapshot = installStatementCounter();
  // Written aside and renamed into place: the bench polls for the file and read a half-written one once.
  process.on('SIGUSR2', () => {
    const file = join(dir, `${process.pid}.json`);
    writeFileSync(`${file}.tmp`, JSON.stringify(Object.fromEntries(snapshot())));
    renameSync(`${file}.tmp`, file);
  });
}
