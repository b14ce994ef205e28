// Process entry for the service: parse config once, open the database, run the
// API and/or the worker, and shut down gracefully on SIGTERM/SIGINT.
import type { Config } from './config.ts';
import { createDeps, type Deps } from './deps.ts';
import { buildApp, type App } from './http/app.ts';
import { startWorker, type Worker } from './jobs/worker.ts';

export interface RunOptions {
  api: boolean;
  worker: boolean;
}

export interface Running {
  deps: Deps;
  app: App | null;
  worker: Worker | null;
  stop(): Promise<void>;
}

export async function runService(config: Config, opts: RunOptions): Promise<Running> {
  const deps = await createDeps(config, { migrate: true, schedule: opts.worker });
  const authMode = config.auth.mode === 'jwks' ? `JWKS (${config.auth.jwksUrl})` : 'HS256 development secret';
  deps.log.info(
    {
      database: deps.database.kind === 'postgres' ? 'postgresql (DATABASE_URL)' : `embedded PGlite in ${config.dataDir}/pgdata`,
      auth: authMode,
      roles: [opts.api ? 'api' : null, opts.worker ? 'worker' : null].filter(Boolean),
      providers: deps.providers.configured().map((c) => c.facts.id),
    },
    'synq starting',
  );
  if (deps.database.kind === 'pglite' && config.env === 'production') {
    deps.log.warn('embedded PGlite runs with fsync off: use PostgreSQL (DATABASE_URL) for durable production data');
  }
  let app: App | null = null;
  if (opts.api) {
    app = await buildApp(deps);
    await app.listen({ port: config.port, host: config.host });
    deps.log.info({ url: config.publicUrl, listen: `${config.host}:${config.port}` }, 'api listening');
  }
  const worker = opts.worker ? await startWorker(deps) : null;
  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      deps.log.info('shutting down: no new requests, letting running tasks finish');
      // Stop taking requests first (in-flight ones complete), then let running tasks finish;
      // jobs that do not finish in time stay active and are retried after their heartbeat lapses.
      await app?.close();
      await worker?.stop();
      await deps.queue.stop(true, 20_000).catch((err: unknown) => deps.log.warn({ err }, 'queue stop'));
      await deps.database.close().catch(() => {});
      deps.log.info('stopped');
    })());
  return { deps, app, worker, stop };
}

/** Runs until SIGTERM/SIGINT. */
export async function runUntilSignalled(config: Config, opts: RunOptions): Promise<number> {
  const running = await runService(config, opts);
  await new Promise<void>((resolve) => {
    const onSignal = (sig: NodeJS.Signals) => {
      running.deps.log.info({ signal: sig }, 'signal received');
      resolve();
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
  await running.stop();
  return 0;
}
