// The one line every bench prints with --json, and the statistics behind it, so
// `npm run bench` (bench/all.ts) can collect any bench's figures without knowing it:
//   BENCH_JSON {"bench":"fanout","rows":[{"name",...,"met","notes"}]}
export const BENCH_JSON_PREFIX = 'BENCH_JSON ';

export interface BenchRow {
  name: string;
  /** Median over `runs`. */
  value: number;
  unit: string;
  min: number;
  max: number;
  /** Every run's figure, in run order. */
  runs: number[];
  /** What the figure is measured against in the same run (null: an absolute figure). */
  baseline: string | null;
  baselineValue: number | null;
  /** e.g. ">= 0.5" or "<= 50"; null when the issue sets no target for this row. */
  target: string | null;
  met: boolean | null;
  notes: string;
}

export interface BenchResult {
  bench: string;
  rows: BenchRow[];
}

export const median = (xs: readonly number[]): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** The value at quantile q (0..1) of a sample, nearest-rank. */
export const quantile = (xs: readonly number[], q: number): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
};

/** Checks "value op number" targets (">= 0.5", "<= 50"). */
export function meets(value: number, target: string | null): boolean | null {
  if (target === null) return null;
  const m = /^(>=|<=)\s*([\d.]+)$/.exec(target.trim());
  if (!m || !Number.isFinite(value)) return null;
  return m[1] === '>=' ? value >= Number(m[2]) : value <= Number(m[2]);
}

/** A row from per-run figures: median, min, max and the target check filled in. */
export function row(
  name: string,
  unit: string,
  runs: readonly number[],
  opts: { baseline?: string; baselineRuns?: readonly number[]; target?: string; notes?: string } = {},
): BenchRow {
  const value = median(runs);
  return {
    name,
    value,
    unit,
    min: Math.min(...runs),
    max: Math.max(...runs),
    runs: [...runs],
    baseline: opts.baseline ?? null,
    baselineValue: opts.baselineRuns && opts.baselineRuns.length ? median(opts.baselineRuns) : null,
    target: opts.target ?? null,
    met: meets(value, opts.target ?? null),
    notes: opts.notes ?? '',
  };
}

export function benchJsonLine(result: BenchResult): string {
  return `${BENCH_JSON_PREFIX}${JSON.stringify(result)}`;
}

function isRow(v: unknown): v is BenchRow {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  const numOrNull = (x: unknown) => x === null || typeof x === 'number';
  return (
    typeof r.name === 'string' &&
    typeof r.value === 'number' &&
    typeof r.unit === 'string' &&
    typeof r.min === 'number' &&
    typeof r.max === 'number' &&
    Array.isArray(r.runs) &&
    r.runs.every((x) => typeof x === 'number') &&
    (r.baseline === null || typeof r.baseline === 'string') &&
    numOrNull(r.baselineValue) &&
    (r.target === null || typeof r.target === 'string') &&
    (r.met === null || typeof r.met === 'boolean') &&
    typeof r.notes === 'string'
  );
}

/**
 * `runs` is every run's figure; a bench may send only how many runs it made (a count), kept
 * as that many unknown (NaN) figures so the table still shows the count.
 */
function runsOf(v: unknown): unknown {
  if (Array.isArray(v)) return v.map((x: unknown) => x ?? NaN);
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 1000) return Array<number>(v).fill(NaN);
  return v;
}

/**
 * Every BENCH_JSON line in a child's output. A malformed line is reported, not skipped
 * silently: a bench whose figures vanish must show up as an error in the table.
 */
export function parseBenchOutput(output: string): { results: BenchResult[]; errors: string[] } {
  const results: BenchResult[] = [];
  const errors: string[] = [];
  for (const line of output.split('\n')) {
    if (!line.startsWith(BENCH_JSON_PREFIX)) continue;
    try {
      const v = JSON.parse(line.slice(BENCH_JSON_PREFIX.length)) as { bench?: unknown; rows?: unknown };
      // JSON has no NaN: a figure that could not be measured arrives as null.
      const rows = Array.isArray(v.rows) ? v.rows.map((r: Record<string, unknown>) => ({ ...r, value: r.value ?? NaN, min: r.min ?? NaN, max: r.max ?? NaN, runs: runsOf(r.runs) })) : null;
      if (typeof v.bench !== 'string' || rows === null || !rows.every(isRow)) {
        errors.push(`malformed BENCH_JSON line: ${line.slice(0, 200)}`);
        continue;
      }
      results.push({ bench: v.bench, rows });
    } catch (err) {
      errors.push(`unparsable BENCH_JSON line (${(err as Error).message}): ${line.slice(0, 200)}`);
    }
  }
  return { results, errors };
}

/** Three significant figures, no exponent for everyday sizes. */
export function fmt(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return '–';
  const a = Math.abs(v);
  if (a >= 1000) return v.toFixed(0);
  if (a >= 100) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  return v.toPrecision(3);
}

/** One Markdown table of every row of every bench. */
export function renderTable(results: readonly BenchResult[]): string {
  const lines = ['| bench | figure | median | min–max | runs | baseline (same run) | target | met | notes |', '|---|---|---|---|---|---|---|---|---|'];
  for (const r of results) {
    for (const x of r.rows) {
      const base = x.baseline === null ? '' : `${x.baseline}${x.baselineValue !== null ? `: ${fmt(x.baselineValue)}` : ''}`;
      const met = x.met === null ? '' : x.met ? 'yes' : '**no**';
      const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
      lines.push(
        `| ${cell(r.bench)} | ${cell(x.name)} | ${fmt(x.value)} ${cell(x.unit)} | ${fmt(x.min)}–${fmt(x.max)} | ${x.runs.length} | ${cell(base)} | ${cell(x.target ?? '')} | ${met} | ${cell(x.notes)} |`,
      );
    }
  }
  return lines.join('\n');
}
