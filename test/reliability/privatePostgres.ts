// A PostgreSQL server of the test's own (initdb into a temp dir, its own port and
// socket dir), so the database-outage suite can restart it without touching the
// shared server other suites and people are using.
import { spawn, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where Debian/Ubuntu put the server binaries; the newest major wins. Null when not installed. */
export function findPostgresBin(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const majors = readdirSync(root)
    .filter((d) => /^\d+$/.test(d) && existsSync(join(root, d, 'bin', 'pg_ctl')) && existsSync(join(root, d, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return majors[0] ? join(root, majors[0], 'bin') : null;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export interface PrivatePostgres {
  port: number;
  /** postgres://postgres@127.0.0.1:<port>/<db> */
  url(db: string): string;
  /** `pg_ctl restart -m <mode> -w`: resolves once the server accepts connections again. */
  restart(mode: 'fast' | 'immediate'): Promise<void>;
  /** Stops the server (immediate shutdown) and keeps it down for `ms` before starting it again. */
  bounce(ms: number): Promise<void>;
  stop(): Promise<void>;
  /** The server's log, for a failure message. */
  log(): string;
}

export async function startPrivatePostgres(bin: string): Promise<PrivatePostgres> {
  // initdb and postgres refuse to run as root: run them as the postgres OS user then.
  const asRoot = process.getuid?.() === 0;
  const ids = asRoot
    ? { uid: Number(execFileSync('id', ['-u', 'postgres']).toString().trim()), gid: Number(execFileSync('id', ['-g', 'postgres']).toString().trim()) }
    : null;
  const base = mkdtempSync(join(tmpdir(), 'synq-pg-'));
  const data = join(base, 'data');
  const logFile = join(base, 'server.log');
  if (ids) chownSync(base, ids.uid, ids.gid);
  const port = await freePort();

  const run = (cmd: string, args: string[]) =>
    new Promise<void>((resolve, reject) => {
      // Async on purpose: the outage test keeps its load running while pg_ctl works.
      const child = spawn(join(bin, cmd), args, { stdio: ['ignore', 'ignore', 'pipe'], ...(ids ?? {}), env: { PATH: process.env.PATH ?? '', LANG: 'C' } });
      let err = '';
      child.stderr!.on('data', (d: Buffer) => (err += d.toString('utf8')));
      child.once('error', reject);
      child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err}`))));
    });
  // fsync off: durability is not what this server is for, and the shared disk is busy.
  const serverOpts = `-p ${port} -k ${base} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60`;
  const ctl = (action: string, extra: string[] = []) => run('pg_ctl', ['-D', data, '-l', logFile, '-o', serverOpts, '-w', '-t', '60', ...extra, action]);

  await run('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync']);
  await ctl('start');
  return {
    port,
    url: (db) => `postgres://postgres@127.0.0.1:${port}/${db}`,
    restart: (mode) => ctl('restart', ['-m', mode]),
    bounce: async (ms) => {
      await ctl('stop', ['-m', 'immediate']);
      await new Promise((r) => setTimeout(r, ms));
      await ctl('start');
    },
    stop: async () => {
      await ctl('stop', ['-m', 'immediate']).catch(() => {});
      rmSync(base, { recursive: true, force: true });
    },
    log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-4000) : ''),
  };
}
