import {
  type BenchContext,
  type FigureResult,
  fmt,
  fmtInt,
  type Row,
  verdictOf,
} from '../figure.js';
import type { LoadResult } from '../load.js';
import type { SeriesResult } from '../series.js';
import { median } from '../stats.js';
import { bodyBytesOf, startBare, startCredproxy, type Target } from '../targets.js';

export const TITLE = 'warm GET /v1/credentials';
export const BARE = 'bare node:http';
export const CREDPROXY = 'credproxy';
const NO_METRICS = 'credproxy, metrics off';
const DEBUG = 'credproxy, log level debug';

/** Goals of issue 3 and 8. */
const MIN_THROUGHPUT_RATIO = 0.7;
const MAX_P99_MS = 5;

/**
 * The targets of figure 1: credproxy as shipped (metrics on, log level info), the same with
 * metrics off and with debug logging, and the bare node:http baseline with a body as long.
 */
export async function startWarmGetTargets(ctx: BenchContext): Promise<Target[]> {
  const credproxy = await startCredproxy(ctx, { name: CREDPROXY, metrics: true, logLevel: 'info' });
  const bodyBytes = await bodyBytesOf(credproxy);
  return [
    await startBare(bodyBytes),
    credproxy,
    await startCredproxy(ctx, { name: NO_METRICS, metrics: false, logLevel: 'info' }),
    await startCredproxy(ctx, { name: DEBUG, metrics: true, logLevel: 'debug' }),
  ];
}

/** Median over rounds of `of(a[r]) / of(b[r])`: each ratio compares two loads of one round. */
export function medianRatio(
  a: readonly LoadResult[],
  b: readonly LoadResult[],
  of: (result: LoadResult) => number,
): number {
  return median(a.map((result, round) => of(result) / of(b[round] as LoadResult)));
}

const rps = (result: LoadResult) => result.rps;
const cpu = (result: LoadResult) => result.serverCpuUsPerRequest;

export function reportWarmGet(ctx: BenchContext, series: SeriesResult): FigureResult {
  const bare = series.get(BARE) ?? [];
  const credproxy = series.get(CREDPROXY) ?? [];
  const noMetrics = series.get(NO_METRICS) ?? [];
  const debug = series.get(DEBUG) ?? [];
  const m = (results: readonly LoadResult[], of: (r: LoadResult) => number) =>
    median(results.map(of));

  const ratio = medianRatio(credproxy, bare, rps);
  const p99 = m(credproxy, (r) => r.p99Ms);
  // Closed-loop throughput also depends on the load generator, which shares the 2 cores: the
  // server CPU time per request says what each server would do with a core of its own.
  const capacity = medianRatio(bare, credproxy, cpu);
  const metricsRatio = medianRatio(credproxy, noMetrics, rps);
  const debugRatio = medianRatio(debug, credproxy, rps);
  const c = ctx.connections;
  const rows: Row[] = [
    {
      measure: `throughput at ${c} connections, ratio to bare`,
      value: `${fmt(ratio, 2)} (${fmtInt(m(credproxy, rps))} req/s)`,
      baseline: `${fmtInt(m(bare, rps))} req/s`,
      goal: `>= ${MIN_THROUGHPUT_RATIO}`,
      verdict: verdictOf(ratio >= MIN_THROUGHPUT_RATIO),
    },
    {
      measure: 'latency p50',
      value: `${fmt(
        m(credproxy, (r) => r.p50Ms),
        2,
      )} ms`,
      baseline: `${fmt(
        m(bare, (r) => r.p50Ms),
        2,
      )} ms`,
      goal: '-',
      verdict: 'info',
    },
    {
      measure: 'latency p99',
      value: `${fmt(p99, 2)} ms`,
      baseline: `${fmt(
        m(bare, (r) => r.p99Ms),
        2,
      )} ms`,
      goal: `< ${MAX_P99_MS} ms`,
      verdict: verdictOf(p99 < MAX_P99_MS),
    },
    {
      measure: 'capacity: bare CPU per request / credproxy CPU per request',
      value: `${fmt(capacity, 2)} (${fmt(m(credproxy, cpu), 0)} µs)`,
      baseline: `${fmt(m(bare, cpu), 0)} µs`,
      goal: `>= ${MIN_THROUGHPUT_RATIO} (stricter reading)`,
      verdict: verdictOf(capacity >= MIN_THROUGHPUT_RATIO),
    },
    {
      measure: 'metrics on (default), ratio to metrics off',
      value: `${fmt(metricsRatio, 2)} (${fmtInt(m(credproxy, rps))} req/s)`,
      baseline: `${fmtInt(m(noMetrics, rps))} req/s`,
      goal: '-',
      verdict: 'info',
    },
    {
      measure: 'log level debug, ratio to info (default)',
      value: `${fmt(debugRatio, 2)} (${fmtInt(m(debug, rps))} req/s)`,
      baseline: `${fmtInt(m(credproxy, rps))} req/s`,
      goal: '-',
      verdict: 'info',
    },
  ];
  const failures = [...series.values()].flat().reduce((sum, r) => sum + r.failures, 0);
  const notes =
    failures > 0 ? [`${failures} requests failed across figure 1's rounds (expected 0).`] : [];
  return {
    id: 1,
    title: TITLE,
    rows,
    notes,
    summary:
      `figure 1: warm GET at ${c} connections: ${fmt(ratio, 2)} x bare node:http ` +
      `(goal >= ${MIN_THROUGHPUT_RATIO}, ${rows[0]?.verdict}), p99 ${fmt(p99, 2)} ms ` +
      `(goal < ${MAX_P99_MS} ms, ${rows[2]?.verdict}), capacity by CPU per request ` +
      `${fmt(capacity, 2)} x bare (${rows[3]?.verdict}); metrics cost ${fmt((1 - metricsRatio) * 100, 0)} %, ` +
      `debug logging costs ${fmt((1 - debugRatio) * 100, 0)} % of throughput ` +
      `(median of ${ctx.rounds} interleaved rounds of ${ctx.roundSeconds} s)`,
  };
}
