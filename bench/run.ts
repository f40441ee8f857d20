/**
 * `npm run bench [-- --write] [--only 1,7] [--rounds N] [--seconds S] [--profile]`: measures
 * credproxy on loopback against same-run baselines and prints a table plus one line per figure.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { writeBenchmarksDoc } from './doc.js';
import { type BenchContext, type FigureResult, skipped } from './figure.js';
import { measureEgress } from './figures/egress.js';
import { measureForward } from './figures/forward.js';
import { measureGateway } from './figures/gateway.js';
import { measureHerd } from './figures/herd.js';
import { measureJwt } from './figures/jwt.js';
import { measureMemory } from './figures/memory.js';
import { measureReload } from './figures/reload.js';
import {
  TITLE as ROTATION_TITLE,
  reportRotation,
  startRotationTarget,
} from './figures/rotation.js';
import { measureStartToReady } from './figures/startToReady.js';
import { measureValidate } from './figures/validate.js';
import { reportWarmGet, startWarmGetTargets, TITLE as WARM_GET_TITLE } from './figures/warmGet.js';
import { MAIN_JS, REPO_ROOT, stopAllChildren } from './processes.js';
import { runSeries } from './series.js';
import { type Moto, motoMissing, startMoto } from './sts.js';
import { toSummaryLines, toTextTable } from './table.js';
import type { Target } from './targets.js';

const { values } = parseArgs({
  options: {
    write: { type: 'boolean', default: false },
    only: { type: 'string' },
    rounds: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '3' },
    profile: { type: 'boolean', default: false },
  },
});

const selected = new Set(
  (values.only ?? '1,2,3,4,5,6,7,8,9,10,11,12,13,14').split(',').map((id) => Number(id.trim())),
);
const log = (message: string) => process.stderr.write(`${message}\n`);

/** Figures 1 and 7 share one interleaved series: figure 7's p99 is compared with figure 1's. */
async function measureLoadFigures(ctx: BenchContext): Promise<FigureResult[]> {
  const targets: Target[] = [];
  try {
    if (selected.has(1) || selected.has(7)) targets.push(...(await startWarmGetTargets(ctx)));
    const rotation = selected.has(7) ? await startRotationTarget(ctx) : undefined;
    if (rotation) targets.push(rotation);
    log(
      `figures 1 and 7: ${ctx.rounds} rounds of ${ctx.roundSeconds} s on ${targets.length} targets`,
    );
    const series = await runSeries(ctx, targets);
    const figures: FigureResult[] = [];
    if (selected.has(1)) figures.push(reportWarmGet(ctx, series));
    if (rotation) figures.push(await reportRotation(ctx, series, rotation));
    return figures;
  } finally {
    await Promise.all(targets.map((target) => target.stop()));
  }
}

function failed(id: number, error: unknown): FigureResult {
  const message = error instanceof Error ? error.message : String(error);
  return {
    id,
    title: `figure ${id}`,
    rows: [
      {
        measure: 'error',
        value: message.slice(0, 120),
        baseline: '-',
        goal: '-',
        verdict: 'not measured',
      },
    ],
    summary: `figure ${id}: not measured: ${message}`,
  };
}

async function main(): Promise<number> {
  // The runner's own STS client (figure 2's round trip) need not warn about Node 20's support.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  if (!existsSync(MAIN_JS)) {
    log(`${MAIN_JS} is missing: run npm run build (npm run bench does)`);
    return 1;
  }
  const startedAt = Date.now();
  const loadBefore = loadavg();
  const missing = motoMissing();
  let moto: Moto | undefined;
  const needsMoto = [1, 2, 3, 4, 6, 7, 11, 13, 14].some((id) => selected.has(id));
  if (missing)
    log(`SKIPPED: figures 1-4, 6, 7, 13, 14 and the load part of 11 need STS: ${missing}`);
  else if (needsMoto) moto = await startMoto();
  const tmpDir = mkdtempSync(join(tmpdir(), 'credproxy-bench-'));
  const profileDir = values.profile ? join(REPO_ROOT, '.bench-tmp', 'profiles') : undefined;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const ctx: BenchContext = {
    moto,
    motoMissing: missing,
    tmpDir,
    rounds: Number(values.rounds),
    roundSeconds: Number(values.seconds),
    connections: 32,
    profileDir,
    log,
  };

  const steps: Array<[number[], () => Promise<FigureResult[]>]> = [
    [[5], async () => [await measureValidate(ctx)]],
    [[2], async () => [await measureStartToReady(ctx)]],
    [[3], async () => [await measureHerd(ctx)]],
    [[4], async () => [await measureMemory(ctx)]],
    [[1, 7], () => (moto ? measureLoadFigures(ctx) : Promise.resolve([]))],
    [[6], async () => [await measureReload(ctx)]],
    [[8, 9, 10], () => measureEgress(ctx, selected)],
    [[11], async () => [await measureJwt(ctx)]],
    [[12], async () => [await measureForward(ctx)]],
    [[13, 14], () => measureGateway(ctx, selected)],
  ];
  const figures: FigureResult[] = [];
  try {
    for (const [ids, step] of steps) {
      if (!ids.some((id) => selected.has(id))) continue;
      log(`figure ${ids.join(' and ')}...`);
      const stepStarted = Date.now();
      try {
        figures.push(...(await step()));
      } catch (error) {
        figures.push(...ids.filter((id) => selected.has(id)).map((id) => failed(id, error)));
      }
      log(`figure ${ids.join(' and ')}: ${((Date.now() - stepStarted) / 1000).toFixed(1)} s`);
    }
  } finally {
    await stopAllChildren();
    await moto?.stop();
    rmSync(tmpDir, { recursive: true, force: true });
  }
  if (!moto) {
    if (selected.has(1)) figures.push(skipped(1, WARM_GET_TITLE, missing ?? 'no moto'));
    if (selected.has(7)) figures.push(skipped(7, ROTATION_TITLE, missing ?? 'no moto'));
  }
  figures.sort((a, b) => a.id - b.id);

  process.stdout.write(`\n${toTextTable(figures)}\n\n${toSummaryLines(figures).join('\n')}\n`);
  for (const note of figures.flatMap((figure) => figure.notes ?? [])) {
    process.stdout.write(`note: ${note}\n`);
  }
  if (values.write) {
    writeBenchmarksDoc(figures, {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
      node: process.version,
      date: new Date().toISOString().slice(0, 10),
      revision:
        spawnSync('git', ['describe', '--always', '--dirty'], {
          cwd: REPO_ROOT,
          encoding: 'utf8',
        }).stdout.trim() || 'unknown',
      loadBefore,
      loadAfter: loadavg(),
      durationSeconds: (Date.now() - startedAt) / 1000,
      rounds: ctx.rounds,
      roundSeconds: ctx.roundSeconds,
      connections: ctx.connections,
    });
    log('wrote docs/benchmarks.md');
  }
  return 0;
}

process.on('SIGINT', () => {
  void stopAllChildren().then(() => process.exit(130));
});
process.exitCode = await main();
