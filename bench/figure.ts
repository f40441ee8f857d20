import type { Moto } from './sts.js';

export type Verdict = 'met' | 'missed' | 'not measured' | 'skipped' | 'info';

/** One line of the results table. Absolute numbers are for reference; ratios carry the goal. */
export interface Row {
  readonly measure: string;
  readonly value: string;
  /** The same-run baseline the value is compared with, if any. */
  readonly baseline: string;
  readonly goal: string;
  readonly verdict: Verdict;
}

export interface FigureResult {
  readonly id: number;
  readonly title: string;
  readonly rows: readonly Row[];
  /** The one line printed under the table for this figure. */
  readonly summary: string;
  /** Findings worth keeping in the doc (e.g. why a goal is missed). */
  readonly notes?: readonly string[];
}

/** What every figure gets from the runner. */
export interface BenchContext {
  /** Undefined when moto_server is absent: the STS figures are skipped with `motoMissing`. */
  readonly moto: Moto | undefined;
  readonly motoMissing: string | undefined;
  /** Scratch directory for configs and logs, removed at the end. */
  readonly tmpDir: string;
  readonly rounds: number;
  readonly roundSeconds: number;
  readonly connections: number;
  /** Where the credproxy children write `--cpu-prof` profiles, when profiling. */
  readonly profileDir: string | undefined;
  readonly log: (message: string) => void;
}

export function verdictOf(met: boolean): Verdict {
  return met ? 'met' : 'missed';
}

export function skipped(id: number, title: string, reason: string): FigureResult {
  return {
    id,
    title,
    rows: [{ measure: title, value: '-', baseline: '-', goal: '-', verdict: 'skipped' }],
    summary: `figure ${id} (${title}): skipped: ${reason}`,
  };
}

/** `12.3` style with a fixed number of decimals, or `-` for NaN. */
export function fmt(value: number, decimals = 1): string {
  return Number.isFinite(value) ? value.toFixed(decimals) : '-';
}

export function fmtInt(value: number): string {
  return Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '-';
}
