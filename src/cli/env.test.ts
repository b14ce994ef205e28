import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PROVIDERS } from '../providers/registry.ts';
import { UndeclaredEnvVarError } from '../providers/envSpec.ts';
import { defineProvider } from '../providers/descriptor.ts';
import { envReport, providerConfigTable, withProviderTable } from './env.ts';

describe('provider variables', () => {
  it("README's provider configuration table is the one generated from the provider table (npx synq env --readme README.md)", () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const regenerated = withProviderTable(readme);
    expect(regenerated, 'README.md lacks the provider-config markers').not.toBeNull();
    expect(regenerated).toBe(readme);
    for (const name of PROVIDERS.flatMap((p) => p.envVars.flatMap((r) => r.vars))) expect(readme).toContain(`\`${name}\``);
  });

  it('synq env says which providers are offered and never prints a secret', () => {
    const report = envReport({ SHOPIFY_CLIENT_ID: 'cid', SHOPIFY_CLIENT_SECRET: 'shpss_do_not_print', XERO_CLIENT_ID: 'only' });
    expect(report).toContain('shopify (Shopify): offered');
    expect(report).toContain('SHOPIFY_CLIENT_ID = "cid"');
    expect(report).toContain('SHOPIFY_CLIENT_SECRET = set (secret)');
    expect(report).not.toContain('shpss_do_not_print');
    expect(report).toContain('xero (Xero): not offered');
    expect(report).toContain('! XERO_CLIENT_ID and XERO_CLIENT_SECRET must be set together');
    expect(providerConfigTable().split('\n')).toHaveLength(2 + PROVIDERS.reduce((n, p) => n + p.envVars.length, 0));
  });

  it('a provider that reads a variable it did not declare fails loudly, so the declared list stays complete', () => {
    const sneaky = defineProvider({
      ...PROVIDERS[0]!,
      facts: { ...PROVIDERS[0]!.facts, id: 'sneaky' },
      config: { vars: [{ vars: ['SNEAKY_A'], meaning: '', default: '' }], parse: (env) => env.raw('SNEAKY_B') },
      createConnector: () => {
        throw new Error('unused');
      },
    });
    expect(() => sneaky.load({}, [], false)).toThrow(UndeclaredEnvVarError);
  });
});
