// Shared by every reliability suite (fuzzing, crashes, outages, provider faults).
// `npm test` runs them with small counts; `npm run test:reliability` sets
// SYNQ_RELIABILITY=full for the full counts and prints every recorded trial at the
// end, so the run says what it tried and what was lost.
import { appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const FULL_RUN = process.env.SYNQ_RELIABILITY === 'full';

/** The count for this run: `full` in `npm run test:reliability`, `quick` inside `npm test`. */
export function reliabilityCount(full: number, quick: number): number {
  return FULL_RUN ? full : quick;
}

export function reportPath(): string {
  return process.env.SYNQ_RELIABILITY_REPORT ?? join(tmpdir(), `synq-reliability-${process.ppid}.jsonl`);
}

export interface Trial {
  /** Which suite, e.g. "fuzz", "worker-crash", "db-outage", "provider-faults". */
  suite: string;
  /** What was tried, in words: "POST /api/v1/products: 10000 generated bodies". */
  tried: string;
  /** How many cases/iterations were run. */
  cases: number;
  /** What was lost or wrong (0 is the target): 5xx answers, rows for rejected requests, lost events… */
  lost: number;
  /** Measured figures worth printing (recovery ms, retries, …). */
  figures?: Record<string, number | string>;
  /** Which database the trial ran on. */
  database?: string;
}

/** Appends one trial to the run's report file (one JSON line; safe across vitest worker processes). */
export function recordTrial(trial: Trial): void {
  const line = JSON.stringify({ ...trial, database: trial.database ?? process.env.SYNQ_TEST_DB ?? 'pglite', at: new Date().toISOString() });
  appendFileSync(reportPath(), `${line}\n`);
}
