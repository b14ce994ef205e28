// `synq env`: every provider variable from the provider table, with whether it is set
// (secrets are never printed), and the README's provider configuration table, which is
// generated from the same declarations so it cannot drift from what is parsed.
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { ProviderModule } from '../providers/descriptor.ts';
import type { Env } from '../providers/envSpec.ts';
import { PROVIDERS } from '../providers/registry.ts';

export const README_BEGIN = '<!-- provider-config:begin (generated: npx synq env --readme README.md) -->';
export const README_END = '<!-- provider-config:end -->';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The README table of provider variables: one row per declared group, in table order. */
export function providerConfigTable(providers: readonly ProviderModule[] = PROVIDERS): string {
  const rows = providers.flatMap((p) =>
    p.envVars.map((r) => `| ${r.vars.map((v) => `\`${v}\``).join(', ')} | ${cell(p.facts.displayName)}: ${cell(r.meaning)} | ${cell(r.default)} |`),
  );
  return ['| Variable | Meaning | Default |', '|---|---|---|', ...rows].join('\n');
}

/** README text with the block between the markers replaced; null when the markers are missing. */
export function withProviderTable(readme: string, providers: readonly ProviderModule[] = PROVIDERS): string | null {
  const begin = readme.indexOf(README_BEGIN);
  const end = readme.indexOf(README_END);
  if (begin < 0 || end < begin) return null;
  return `${readme.slice(0, begin + README_BEGIN.length)}\n${providerConfigTable(providers)}\n${readme.slice(end)}`;
}

/** What an operator sees: per provider, offered or not, problems, and each variable's state. */
export function envReport(env: Env, providers: readonly ProviderModule[] = PROVIDERS): string {
  const production = env.NODE_ENV === 'production';
  const lines: string[] = [];
  for (const p of providers) {
    const problems: string[] = [];
    const loaded = p.load(env, problems, production);
    const offered = problems.length === 0 && loaded.createConnector().isConfigured();
    lines.push(`${p.id} (${p.facts.displayName}): ${offered ? 'offered' : 'not offered'}`);
    for (const problem of problems) lines.push(`  ! ${problem}`);
    for (const row of p.envVars) {
      for (const name of row.vars) {
        const value = env[name];
        const state = value === undefined || value === '' ? 'unset' : row.secrets?.includes(name) ? 'set (secret)' : JSON.stringify(value);
        lines.push(`  ${name} = ${state}`);
      }
    }
  }
  return lines.join('\n');
}

export function envCommand(argv: string[], env: Env = process.env): number {
  const { values } = parseArgs({ args: argv, options: { markdown: { type: 'boolean', default: false }, readme: { type: 'string' } } });
  if (values.readme !== undefined) {
    const updated = withProviderTable(readFileSync(values.readme, 'utf8'));
    if (updated === null) {
      console.error(`${values.readme} has no ${README_BEGIN} … ${README_END} block`);
      return 1;
    }
    writeFileSync(values.readme, updated);
    console.log(`${values.readme}: provider configuration table updated`);
    return 0;
  }
  console.log(values.markdown ? providerConfigTable() : envReport(env));
  return 0;
}
