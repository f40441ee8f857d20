import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeServices, toConfigYaml } from '../configFile.js';
import { type BenchContext, type FigureResult, fmt, verdictOf } from '../figure.js';
import { MAIN_JS, runToExit } from '../processes.js';
import { median } from '../stats.js';

export const TITLE = 'config validation';
const SERVICES = 10_000;
const MAX_MS = 1_000;

async function timeValidate(file: string): Promise<number> {
  const result = await runToExit([MAIN_JS, '--config', file, '--validate-only']);
  if (result.code !== 0) {
    throw new Error(`--validate-only exited with ${result.code}: ${result.stderr.slice(0, 500)}`);
  }
  return result.ms;
}

/**
 * Figure 5: `node dist/main.js --config FILE --validate-only` on a file of 10,000 services,
 * wall time from spawn to exit, interleaved with the same command on a 1-service file (the
 * fixed cost of starting node and loading the config pipeline).
 */
export async function measureValidate(ctx: BenchContext): Promise<FigureResult> {
  const big = join(ctx.tmpDir, 'validate-10000.yaml');
  const small = join(ctx.tmpDir, 'validate-1.yaml');
  writeFileSync(big, toConfigYaml({ port: 1338, services: makeServices(SERVICES) }));
  writeFileSync(small, toConfigYaml({ port: 1338, services: makeServices(1) }));
  const bigMs: number[] = [];
  const smallMs: number[] = [];
  for (let round = 0; round < ctx.rounds; round += 1) {
    smallMs.push(await timeValidate(small));
    bigMs.push(await timeValidate(big));
  }
  const ms = median(bigMs);
  const baseMs = median(smallMs);
  const perServiceUs = ((ms - baseMs) * 1000) / (SERVICES - 1);
  const met = ms < MAX_MS;
  return {
    id: 5,
    title: TITLE,
    rows: [
      {
        measure: '--validate-only on 10,000 services, wall time',
        value: `${fmt(ms, 0)} ms`,
        baseline: `1 service ${fmt(baseMs, 0)} ms`,
        goal: `< ${MAX_MS} ms`,
        verdict: verdictOf(met),
      },
      {
        measure: 'cost per service',
        value: `${fmt(perServiceUs, 1)} µs`,
        baseline: '-',
        goal: '-',
        verdict: 'info',
      },
    ],
    summary:
      `figure 5: --validate-only on ${SERVICES.toLocaleString('en-US')} services ${fmt(ms, 0)} ms ` +
      `(1 service ${fmt(baseMs, 0)} ms; goal < ${MAX_MS} ms, ${verdictOf(met)})`,
  };
}
