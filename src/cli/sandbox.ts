// `synq sandbox <provider>|all`: local fake providers, so a newcomer can run the whole
// authorize → push → webhook flow offline. Every provider of the table that has a sandbox
// spec (src/providers/<name>/provider.ts) gets one; each prints the variables to give Synq.
// `all` starts every fake at once on its default port for local demos.
import { parseArgs } from 'node:util';
import type { ProviderModule, RunningSandbox, SandboxSpec } from '../providers/descriptor.ts';
import { PROVIDERS } from '../providers/registry.ts';

const waitForSignal = () =>
  new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });

export interface SandboxCommandOptions {
  providers?: readonly ProviderModule[];
  /** Resolves when the fakes should stop (default: SIGINT/SIGTERM). */
  wait?: () => Promise<void>;
  out?: (text: string) => void;
  err?: (text: string) => void;
}

type Sandboxed = ProviderModule & { sandbox: SandboxSpec };
const hasSandbox = (p: ProviderModule): p is Sandboxed => p.sandbox !== null;

function usageLine(p: Sandboxed): string {
  const own = Object.entries(p.sandbox.options).map(([name, o]) => (o.type === 'boolean' ? `[--${name}]` : `[--${name} <${o.help}>]`));
  return `synq sandbox ${p.id} [--port ${p.sandbox.defaultPort}] [--synq-url http://localhost:8080] [--manual-approve] ${own.join(' ')}`.trimEnd();
}

export function sandboxUsage(providers: readonly ProviderModule[] = PROVIDERS): string {
  const sandboxed = providers.filter(hasSandbox);
  const ports = sandboxed.map((p) => `${p.facts.displayName} ${p.sandbox.defaultPort}`).join(', ');
  return [`usage: synq sandbox all   (every fake on its default port: ${ports})`, ...sandboxed.map((p) => `       ${usageLine(p)}`)].join('\n');
}

const envLine = (env: Record<string, string>) =>
  Object.entries(env)
    .map(([k, v]) => `${k}='${v.replace(/'/g, `'\\''`)}'`)
    .join(' ');

function describe(p: Sandboxed, running: RunningSandbox): string {
  return [
    `fake ${p.facts.displayName} listening on ${running.url} (request validation: ${running.schemaValidated ? 'on' : 'OFF'})`,
    'Start Synq with:',
    `  ${envLine(running.env)} npm start`,
    ...running.notes,
  ].join('\n');
}

async function start(p: Sandboxed, argv: string[]): Promise<RunningSandbox> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      ...Object.fromEntries(Object.entries(p.sandbox.options).map(([name, o]) => [name, o.default !== undefined ? { type: o.type, default: o.default } : { type: o.type }])),
      port: { type: 'string', default: String(p.sandbox.defaultPort) },
      'synq-url': { type: 'string', default: 'http://localhost:8080' },
      'manual-approve': { type: 'boolean', default: false },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new TypeError(`--port must be an integer 0-65535`);
  const synqUrl = String(values['synq-url'] ?? 'http://localhost:8080').replace(/\/+$/, '');
  return p.sandbox.start({ port, synqUrl, autoApprove: values['manual-approve'] !== true, values });
}

export async function sandboxCommand(argv: string[], opts: SandboxCommandOptions = {}): Promise<number> {
  const providers = opts.providers ?? PROVIDERS;
  const out = opts.out ?? ((t: string) => console.log(t));
  const err = opts.err ?? ((t: string) => console.error(t));
  const wait = opts.wait ?? waitForSignal;
  const [which, ...rest] = argv;
  const sandboxed = providers.filter(hasSandbox);
  const chosen = which === 'all' ? sandboxed : sandboxed.filter((p) => p.id === which);
  if (chosen.length === 0) {
    err(sandboxUsage(providers));
    return 2;
  }
  const running: RunningSandbox[] = [];
  try {
    for (const p of chosen) {
      // `all` keeps every fake on its default port; a single fake takes the command's options.
      const r = await start(p, which === 'all' ? [] : rest);
      running.push(r);
      out(describe(p, r) + '\n');
    }
  } catch (e) {
    await Promise.all(running.map((r) => r.close()));
    if (e instanceof TypeError) {
      // parseArgs' unknown or malformed option, or a bad --port.
      err(`${e.message}\n${sandboxUsage(providers)}`);
      return 2;
    }
    throw e;
  }
  if (running.length > 1) out(`Start Synq with every fake at once:\n  ${envLine(Object.assign({}, ...running.map((r) => r.env)))} npm start`);
  await wait();
  await Promise.all(running.map((r) => r.close()));
  return 0;
}
