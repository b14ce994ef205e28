// The aggregator's contract: BENCH_JSON lines in a child's noisy output become rows, a
// malformed line is an error (not silently dropped), and the table/report render them.
import { describe, expect, it } from 'vitest';
import { benchJsonLine, median, meets, parseBenchOutput, quantile, renderTable, row } from './benchJson.ts';
import { keptSections, renderReport } from './benchReport.ts';

describe('bench JSON lines', () => {
  it('round-trips rows through a child process’s mixed output', () => {
    const r = row('fan-out ratio (pg)', '×', [0.4, 0.6, 0.5], { baseline: 'pg-boss jobs/s', baselineRuns: [900, 1000, 1100], target: '>= 0.5', notes: 'a | b' });
    const out = ['progress 1/3', benchJsonLine({ bench: 'fanout', rows: [r] }), 'BENCH_JSON {not json', 'BENCH_JSON {"bench":"x","rows":[{"name":1}]}', 'done'].join('\n');
    const { results, errors } = parseBenchOutput(out);
    expect(results).toEqual([{ bench: 'fanout', rows: [r] }]);
    expect(r).toMatchObject({ value: 0.5, min: 0.4, max: 0.6, baselineValue: 1000, met: true, runs: [0.4, 0.6, 0.5] });
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(/unparsable/);
    expect(errors[1]).toMatch(/malformed/);
  });

  it('keeps a figure that could not be measured (NaN travels as null) as a row', () => {
    const line = benchJsonLine({ bench: 'w', rows: [row('p99', 'ms', [NaN])] });
    const { results, errors } = parseBenchOutput(line);
    expect(errors).toEqual([]);
    expect(results[0]!.rows[0]!.value).toBeNaN();
  });

  it('accepts a run count instead of per-run figures', () => {
    const line = 'BENCH_JSON {"bench":"bulk","rows":[{"name":"bulk push shopify","value":1.1,"unit":"× floor","min":1.05,"max":1.2,"runs":3,"baseline":"rate-limit floor","baselineValue":50,"target":"≤ 1.2×","met":true,"notes":""}]}';
    const { results, errors } = parseBenchOutput(line);
    expect(errors).toEqual([]);
    expect(results[0]!.rows[0]!.runs).toHaveLength(3);
    expect(renderTable(results)).toContain('| bulk | bulk push shopify | 1.10 × floor | 1.05–1.20 | 3 | rate-limit floor: 50.00 | ≤ 1.2× | yes |');
  });

  it('computes medians, nearest-rank quantiles and target checks', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(quantile([5, 1, 4, 2, 3], 0.5)).toBe(3);
    expect(quantile([...Array(100).keys()].map((i) => i + 1), 0.99)).toBe(99);
    expect(meets(0.49, '>= 0.5')).toBe(false);
    expect(meets(40, '<= 50')).toBe(true);
    expect(meets(1, null)).toBeNull();
    expect(meets(NaN, '>= 1')).toBeNull();
  });
});

describe('rendering', () => {
  const results = [
    { bench: 'webhook', rows: [row('ratio (pg)', '×', [0.61, 0.7, 0.65], { baseline: 'verify-only req/s', baselineRuns: [5000, 5100, 4900], target: '>= 0.6' })] },
    { bench: 'catalog', rows: [row('RSS', 'MB', [120, 140, 130], { notes: 'pipe | in note' })] },
  ];

  it('renders one Markdown row per figure with median, range, baseline and target', () => {
    const table = renderTable(results).split('\n');
    expect(table).toHaveLength(4);
    expect(table[2]).toBe('| webhook | ratio (pg) | 0.650 × | 0.610–0.700 | 3 | verify-only req/s: 5000 | >= 0.6 | yes |  |');
    expect(table[3]).toContain('pipe \\| in note');
  });

  const machine = { cpus: 2, cpuModel: 'Test CPU', ramGiB: 7.7, node: 'v20.20.2', postgres: 'PostgreSQL 15.20', loadStart: [1, 2, 3], loadEnd: [0.5, 1, 2] };

  it('labels a quick run as a smoke run and lists the machine, command and bench statuses', () => {
    const md = renderReport({
      date: '2026-11-30T03:00:00.000Z',
      command: 'npm run bench -- --quick',
      quick: true,
      runs: 1,
      machine,
      results,
      statuses: [
        { bench: 'webhook', status: 'ok', seconds: 12.4, command: 'tsx bench/webhookLoad.ts --json' },
        { bench: 'bulk', status: 'not present', seconds: 0, command: 'tsx bench/bulkPush.ts --json' },
      ],
      errors: ['fanout: malformed BENCH_JSON line: x'],
    });
    expect(md).toContain('SMOKE RUN');
    expect(md).toContain('`npm run bench -- --quick`');
    expect(md).toContain('- CPU: 2 × Test CPU');
    expect(md).toContain('1.00 / 2.00 / 3.00 at start, 0.50 / 1.00 / 2.00 at the end');
    expect(md).toContain('| bulk | not present | 0 s |');
    expect(md).toContain('- fanout: malformed BENCH_JSON line: x');
    expect(md).toContain('| catalog | RSS | 130.0 MB |');
  });

  it('carries the hand-measured sections of the previous file over, and only those', () => {
    const previous = '# Benchmarks\n\n## Figures\n\nSTALE-FIGURES\n\n## Bulk push: cost growth 1k → 100k\n\n| size |\n|---|\n\n## Reproduce\n\nx\n';
    const kept = keptSections(previous);
    expect(kept).toEqual(['## Bulk push: cost growth 1k → 100k\n\n| size |\n|---|']);
    const md = renderReport({ date: '2026-11-30T03:00:00.000Z', command: 'npm run bench', quick: false, runs: 3, machine, results, statuses: [], errors: [], kept });
    expect(md).toContain('## Bulk push: cost growth 1k → 100k\n\n| size |');
    expect(md).not.toContain('STALE-FIGURES');
  });
});
