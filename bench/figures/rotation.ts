import { writeConfig } from '../configFile.js';
import { type BenchContext, type FigureResult, fmt, fmtInt, verdictOf } from '../figure.js';
import type { LoadResult } from '../load.js';
import { readMetric } from '../metrics.js';
import type { SeriesResult } from '../series.js';
import { median } from '../stats.js';
import { type Credproxy, startCredproxy, type Target } from '../targets.js';
import { CREDPROXY } from './warmGet.js';

export const TITLE = 'rotation under load';
const ROTATING = 'credproxy, rotating';
/** Rotations forced per round, evenly spaced. */
const ROTATIONS_PER_ROUND = 2;
const MAX_P99_FACTOR = 2;

export interface RotationTarget extends Target {
  readonly credproxy: Credproxy;
  reloads(): number;
}

/**
 * A credproxy whose service gets a new credential set while it is under load: the config is
 * rewritten with a new RoleSessionName and SIGHUP reloads it. A changed role is never served
 * the old set, so every rotation is a real AssumeRole while 32 connections keep asking.
 */
export async function startRotationTarget(ctx: BenchContext): Promise<RotationTarget> {
  const credproxy = await startCredproxy(ctx, { name: ROTATING, metrics: true, logLevel: 'info' });
  let reloads = 0;
  const rotate = () => {
    reloads += 1;
    writeConfig(credproxy.configFile, {
      ...credproxy.config,
      services: credproxy.services.map((s) => ({ ...s, roleSessionName: `rotation-${reloads}` })),
    });
    process.kill(credproxy.pid, 'SIGHUP');
  };
  return {
    ...credproxy,
    credproxy,
    reloads: () => reloads,
    async duringRound(durationMs) {
      const step = durationMs / (ROTATIONS_PER_ROUND + 1);
      for (let i = 0; i < ROTATIONS_PER_ROUND; i += 1) {
        await new Promise((resolve) => setTimeout(resolve, step));
        rotate();
      }
    },
  };
}

export async function reportRotation(
  ctx: BenchContext,
  series: SeriesResult,
  target: RotationTarget,
): Promise<FigureResult> {
  const rotating = series.get(ROTATING) ?? [];
  const steady = series.get(CREDPROXY) ?? [];
  const m = (results: readonly LoadResult[], of: (r: LoadResult) => number) =>
    median(results.map(of));
  const failures = rotating.reduce((sum, r) => sum + r.failures, 0);
  const requests = rotating.reduce((sum, r) => sum + r.ok + r.failures, 0);
  const p99 = m(rotating, (r) => r.p99Ms);
  const steadyP99 = m(steady, (r) => r.p99Ms);
  const factor = p99 / steadyP99;
  const newSets = target.credproxy.metricsUrl
    ? (await readMetric(target.credproxy.metricsUrl, 'credproxy_sts_calls_total', {
        outcome: 'success',
      })) - 1
    : Number.NaN;
  const rows = [
    {
      measure: `failed requests during ${target.reloads()} forced rotations`,
      value: `${fmtInt(failures)} of ${fmtInt(requests)}`,
      baseline: '-',
      goal: '0',
      verdict: verdictOf(failures === 0),
    },
    {
      measure: 'latency p99 while rotating, ratio to figure 1',
      value: `${fmt(factor, 2)} (${fmt(p99, 2)} ms)`,
      baseline: `${fmt(steadyP99, 2)} ms`,
      goal: `<= ${MAX_P99_FACTOR}`,
      verdict: verdictOf(factor <= MAX_P99_FACTOR),
    },
    {
      measure: 'slowest response while rotating',
      value: `${fmt(
        m(rotating, (r) => r.maxMs),
        1,
      )} ms`,
      baseline: `${fmt(
        m(steady, (r) => r.maxMs),
        1,
      )} ms`,
      goal: '-',
      verdict: 'info' as const,
    },
    {
      measure: 'new credential sets fetched (AssumeRole)',
      value: fmtInt(newSets),
      baseline: '-',
      goal: `= ${target.reloads()} rotations`,
      verdict: verdictOf(newSets === target.reloads()),
    },
  ];
  return {
    id: 7,
    title: TITLE,
    rows,
    summary:
      `figure 7: ${target.reloads()} rotations under ${ctx.connections} connections: ` +
      `${failures} failed requests (goal 0, ${rows[0]?.verdict}), p99 ${fmt(p99, 2)} ms = ` +
      `${fmt(factor, 2)} x figure 1's (goal <= ${MAX_P99_FACTOR}, ${rows[1]?.verdict})`,
  };
}
