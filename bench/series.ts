import type { BenchContext } from './figure.js';
import { type LoadResult, runLoad } from './load.js';
import type { Target } from './targets.js';

/** Every round's result per target name, in round order. */
export type SeriesResult = ReadonlyMap<string, readonly LoadResult[]>;

/**
 * Loads each target for one round in turn, `ctx.rounds` times, starting each round with the
 * next target so none always runs first. Interleaving spreads the machine's noise over all of
 * them, and the medians compare like with like.
 */
export async function runSeries(
  ctx: BenchContext,
  targets: readonly Target[],
): Promise<SeriesResult> {
  const results = new Map<string, LoadResult[]>(targets.map((t) => [t.name, []]));
  const load = (target: Target, seconds: number) =>
    runLoad({
      url: target.url,
      token: target.token,
      connections: ctx.connections,
      durationSeconds: seconds,
      serverPid: target.pid,
    });
  for (const target of targets) await load(target, 1);
  for (let round = 0; round < ctx.rounds; round += 1) {
    for (let step = 0; step < targets.length; step += 1) {
      const target = targets[(round + step) % targets.length] as Target;
      const [result] = await Promise.all([
        load(target, ctx.roundSeconds),
        target.duringRound?.(ctx.roundSeconds * 1000),
      ]);
      results.get(target.name)?.push(result);
      ctx.log(
        `  round ${round + 1}/${ctx.rounds} ${target.name}: ${Math.round(result.rps)} req/s, ` +
          `p99 ${result.p99Ms.toFixed(2)} ms, ${result.failures} failed`,
      );
    }
  }
  return results;
}
