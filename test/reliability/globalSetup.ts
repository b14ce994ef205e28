// Global setup of `npm run test:reliability`: starts the run's report file empty and,
// once every suite has finished, prints each recorded trial (suite, database, what was
// tried, cases, lost, figures) and the total lost, which must be zero.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import { reportPath, type Trial } from './report.ts';

const cell = (s: string) => s.replace(/\|/g, '\\|');

export function formatReport(trials: (Trial & { at?: string })[]): string {
  const rows = trials.map((t) => {
    const figures = Object.entries(t.figures ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    return `| ${cell(t.suite)} | ${cell(t.database ?? '')} | ${cell(t.tried)} | ${t.cases} | ${t.lost} | ${cell(figures)} |`;
  });
  const lost = trials.reduce((n, t) => n + t.lost, 0);
  const cases = trials.reduce((n, t) => n + t.cases, 0);
  return [
    '| suite | database | tried | cases | lost | figures |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
    `${trials.length} trials, ${cases} cases, lost: ${lost}${lost === 0 ? '' : '   <-- NOT ZERO'}`,
  ].join('\n');
}

export default function setup(_project: TestProject): () => void {
  const path = reportPath();
  // One setup per project (module state is not shared between them, the process env is): only the
  // first empties the file, so both projects' trials are kept.
  if (process.env.SYNQ_RELIABILITY_REPORT_STARTED !== path) {
    writeFileSync(path, '');
    process.env.SYNQ_RELIABILITY_REPORT_STARTED = path;
  }
  return () => {
    // Each project's teardown sees the same file: print once.
    if (process.env.SYNQ_RELIABILITY_REPORT_PRINTED === path || !existsSync(path)) return;
    process.env.SYNQ_RELIABILITY_REPORT_PRINTED = path;
    const trials = readFileSync(path, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Trial);
    if (trials.length === 0) return;
    console.log(`\nReliability report (${new Date().toISOString()}, ${path}):\n\n${formatReport(trials)}\n`);
  };
}
