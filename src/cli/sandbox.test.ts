// `synq sandbox <provider>` for every row of the provider table: the fake starts, and the
// variables it prints are ones its provider declares, which configure that provider.
import { describe, expect, it } from 'vitest';
import { loadProviderSettings } from '../config.ts';
import { PROVIDERS } from '../providers/registry.ts';
import { sandboxCommand, sandboxUsage } from './sandbox.ts';

async function runSandbox(argv: string[]) {
  const lines: string[] = [];
  let stop!: () => void;
  const stopped = new Promise<void>((r) => (stop = r));
  const exit = sandboxCommand(argv, { wait: () => stopped, out: (t) => lines.push(t), err: (t) => lines.push(t) });
  const first = await Promise.race([exit.then(() => null), new Promise<string>((resolve) => {
    const poll = setInterval(() => {
      if (lines.length > 0) {
        clearInterval(poll);
        resolve(lines[0]!);
      }
    }, 20);
  })]);
  return { first, lines, stop: async () => (stop(), exit) };
}

describe('synq sandbox', () => {
  it.each(PROVIDERS.filter((p) => p.sandbox !== null).map((p) => [p.id, p] as const))('%s: starts its fake and prints only its own variables, which configure it', async (_id, provider) => {
    const run = await runSandbox([provider.id, '--port', '0']);
    try {
      expect(run.first).toMatch(new RegExp(`^fake ${provider.facts.displayName} listening on (http://127\\.0\\.0\\.1:\\d+)`));
      const url = /listening on (\S+)/.exec(run.first!)![1]!;
      expect((await fetch(url)).status).toBeGreaterThan(0);
      const start = /Start Synq with:\n {2}(.*) npm start/.exec(run.first!);
      const env = Object.fromEntries([...(start?.[1] ?? '').matchAll(/([A-Z0-9_]+)='([^']*)'/g)].map((m) => [m[1]!, m[2]!]));
      const declared = provider.envVars.flatMap((r) => r.vars);
      expect(Object.keys(env).length).toBeGreaterThan(0);
      for (const name of Object.keys(env)) expect(declared).toContain(name);
      const loaded = provider.load(env, [], false);
      expect(loaded.createConnector().isConfigured()).toBe(true);
      expect(() => loadProviderSettings(provider, env)).not.toThrow();
    } finally {
      expect(await run.stop()).toBe(0);
    }
  });

  it('answers an unknown provider or option with the usage and exit code 2', async () => {
    const lines: string[] = [];
    const out = { out: (t: string) => lines.push(t), err: (t: string) => lines.push(t), wait: async () => {} };
    expect(await sandboxCommand(['nope'], out)).toBe(2);
    expect(await sandboxCommand(['woocommerce', '--bogus'], out)).toBe(2);
    expect(await sandboxCommand(['woocommerce', '--port', 'x'], out)).toBe(2);
    expect(lines.join('\n')).toContain(sandboxUsage());
    for (const p of PROVIDERS) expect(sandboxUsage()).toContain(`synq sandbox ${p.id} [--port `);
  });
});
