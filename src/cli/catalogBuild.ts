// `synq catalog build --tenant <uuid>`: the same build the worker runs, by hand,
// with a progress bar on stderr and one final line of counts, bytes and time.
import { parseArgs } from 'node:util';
import { buildCatalog, type BuildProgress } from '../catalog/build.ts';
import { FEED_FORMATS } from '../catalog/formats.ts';
import { ConfigError, loadConfig } from '../config.ts';
import { openDatabase } from '../db/client.ts';
import { isUuid } from '../http/auth.ts';
import { createLogger } from '../lib/logger.ts';

const USAGE = 'usage: synq catalog build --tenant <uuid>';

export const formatBytes = (n: number) =>
  n >= 1024 ** 3 ? `${(n / 1024 ** 3).toFixed(2)} GiB` : n >= 1024 ** 2 ? `${(n / 1024 ** 2).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`;

function progressBar(stream: NodeJS.WriteStream): (p: BuildProgress) => void {
  let last = 0;
  return ({ done, total }) => {
    const now = Date.now();
    // Redraw at most 10 times a second; the final state is always drawn.
    if (now - last < 100 && done < total) return;
    last = now;
    const width = 30;
    const ratio = total > 0 ? Math.min(1, done / total) : 1;
    const filled = Math.round(ratio * width);
    const line = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total} products ${(ratio * 100).toFixed(0)}%`;
    stream.write(stream.isTTY ? `\r${line}` : `${line}\n`);
  };
}

export async function catalogBuildCommand(argv: string[]): Promise<number> {
  let values: { tenant?: string | undefined };
  try {
    ({ values } = parseArgs({ args: argv, options: { tenant: { type: 'string' } }, allowPositionals: true }));
  } catch (err) {
    console.error(`synq catalog build: ${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
    return 2;
  }
  if (!isUuid(values.tenant)) {
    console.error(`synq catalog build: --tenant must be a UUID\n${USAGE}`);
    return 2;
  }
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      return 2;
    }
    throw err;
  }
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  const log = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
  try {
    const bar = progressBar(process.stderr);
    const result = await buildCatalog({ db: database.db, database, config, log }, values.tenant, { onProgress: bar });
    if (process.stderr.isTTY) process.stderr.write('\n');
    if (result.status === 'no-tenant') {
      console.error(`synq catalog build: tenant ${values.tenant} does not exist (tenants appear on their first authenticated request)`);
      return 1;
    }
    if (result.status === 'busy') {
      console.error('synq catalog build: another build of this tenant is running; try again when it finishes');
      return 1;
    }
    const j = result.files.jsonld;
    const parts = FEED_FORMATS.map((f) => `${f} ${formatBytes(result.files[f].bytesRaw)} → ${formatBytes(result.files[f].bytesGzip)} gz`);
    console.log(
      `built ${j.groups} groups, ${j.variants} variants (${j.skipped} skipped without image)${j.shards.length ? ` in ${j.shards.length} shards` : ''}; ` +
        `${parts.join(', ')}; ${(result.ms / 1000).toFixed(1)} s`,
    );
    return 0;
  } finally {
    await database.close();
  }
}
