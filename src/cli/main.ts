// The `synq` command: thin commands over the same code the service runs.
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config.ts';
import { openDatabase, migrateDatabase } from '../db/client.ts';
import { JobQueue } from '../jobs/queue.ts';
import { mintDevToken, isUuid, type Role } from '../http/auth.ts';
import { runUntilSignalled } from '../main.ts';
import { sandboxCommand } from './sandbox.ts';
import { catalogBuildCommand } from './catalogBuild.ts';
import { envCommand } from './env.ts';

const USAGE = `usage: synq <command>

  start                 API and worker in one process (what npm start runs)
  api                   HTTP API only
  worker                background worker only
  migrate               apply database migrations and exit
  token --tenant <uuid> --org <uuid> [--role ADMIN|EDITOR|VIEWER] [--sub <id>] [--ttl 1h]
                        print a development token signed with the dev secret
  sandbox all|<provider> [options]
                        local fake providers ('synq sandbox' alone lists them and their options)
  env [--markdown | --readme <README.md>]
                        the providers' variables and whether each is set (secrets never shown);
                        --markdown prints the README rows, --readme rewrites them in place`;

async function tokenCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { tenant: { type: 'string' }, org: { type: 'string' }, role: { type: 'string', default: 'ADMIN' }, sub: { type: 'string', default: 'dev-user' }, ttl: { type: 'string', default: '1h' } },
  });
  const role = (values.role ?? 'ADMIN').toUpperCase();
  if (!isUuid(values.tenant) || !isUuid(values.org) || !['ADMIN', 'EDITOR', 'VIEWER'].includes(role) || !/^\d+\s*[smhdw]$/.test(values.ttl ?? '')) {
    console.error('synq token: --tenant and --org must be UUIDs, --role ADMIN|EDITOR|VIEWER, --ttl like 1h');
    return 2;
  }
  const config = loadConfig();
  if (config.auth.mode !== 'dev-secret') {
    console.error('synq token: tokens come from your identity provider when SYNQ_AUTH_JWKS_URL is set');
    return 2;
  }
  process.stdout.write(
    (await mintDevToken(config.auth.secret, {
      tenantId: values.tenant,
      orgId: values.org,
      role: role as Role,
      sub: values.sub ?? 'dev-user',
      ttl: values.ttl ?? '1h',
      issuer: config.auth.issuer,
      audience: config.auth.audience,
    })) + '\n',
  );
  return 0;
}

async function migrateCommand(): Promise<number> {
  const config = loadConfig();
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  await migrateDatabase(database);
  const queue = JobQueue.create(database, { schedule: false, supervise: false });
  await queue.start(); // creates/updates the job queue's own schema
  await queue.stop(false);
  await database.close();
  console.log(`migrations applied (${database.kind})`);
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'start':
        return await runUntilSignalled(loadConfig(), { api: true, worker: true });
      case 'api':
        return await runUntilSignalled(loadConfig(), { api: true, worker: false });
      case 'worker':
        return await runUntilSignalled(loadConfig(), { api: false, worker: true });
      case 'migrate':
        return await migrateCommand();
      case 'token':
        return await tokenCommand(rest);
      case 'sandbox':
        return await sandboxCommand(rest);
      case 'env':
        return envCommand(rest);
      case 'catalog':
        if (rest[0] !== 'build') {
          console.error('usage: synq catalog build --tenant <uuid>');
          return 2;
        }
        return await catalogBuildCommand(rest.slice(1));
      case undefined:
      case 'help':
      case '--help':
        console.log(USAGE);
        return command === undefined ? 2 : 0;
      default:
        console.error(`unknown command "${command}"\n\n${USAGE}`);
        return 2;
    }
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      return 78; // EX_CONFIG
    }
    throw err;
  }
}
