import { join } from 'node:path';
import { freePort } from '../../test/helpers/moto.js';
import { makeServices, writeConfig } from '../configFile.js';
import { type BenchContext, type FigureResult, fmt, skipped, verdictOf } from '../figure.js';
import { MAIN_JS, spawnNode, waitFor200 } from '../processes.js';
import { median } from '../stats.js';
import { measureAssumeRole, motoEnv } from '../sts.js';

export const TITLE = 'start to ready';
/** Issue 8: ready within this much plus one STS round trip. */
const BUDGET_MS = 500;

/** The baseline process: node itself starting a bare node:http server. */
const BARE_NODE_SCRIPT =
  "require('node:http').createServer((q, s) => s.end('ok')).listen(Number(process.argv[1]), '127.0.0.1')";

async function timeBareNode(): Promise<number> {
  const port = await freePort();
  const startedNs = process.hrtime.bigint();
  const child = spawnNode({ args: ['-e', BARE_NODE_SCRIPT, String(port)] });
  try {
    return await waitFor200(`http://127.0.0.1:${port}/`, child, startedNs);
  } finally {
    await child.stop();
  }
}

interface Start {
  /** ms until /health answers: the listener is open. */
  readonly listeningMs: number;
  /** ms until /ready answers 200: every service has credentials. */
  readonly readyMs: number;
}

async function timeCredproxy(ctx: BenchContext, round: number): Promise<Start> {
  if (!ctx.moto) throw new Error('needs moto');
  const port = await freePort();
  const file = join(ctx.tmpDir, `start-${round}.yaml`);
  writeConfig(file, { port, services: makeServices(1) });
  const startedNs = process.hrtime.bigint();
  const child = spawnNode({
    args: [MAIN_JS, '--config', file],
    env: motoEnv(ctx.moto),
    logFile: join(ctx.tmpDir, `start-${round}.log`),
  });
  try {
    const listeningMs = await waitFor200(`http://127.0.0.1:${port}/health`, child, startedNs);
    const readyMs = await waitFor200(`http://127.0.0.1:${port}/ready`, child, startedNs);
    return { listeningMs, readyMs };
  } finally {
    await child.stop();
  }
}

/**
 * Figure 2: spawn the real binary with one service on moto and time until /ready answers 200,
 * polling every 2 ms. Interleaved with node starting a bare server (the floor no node program
 * beats), and compared with one AssumeRole round trip on the same moto.
 */
export async function measureStartToReady(ctx: BenchContext): Promise<FigureResult> {
  if (!ctx.moto) return skipped(2, TITLE, ctx.motoMissing ?? 'no moto');
  const starts: Start[] = [];
  const bare: number[] = [];
  for (let round = 0; round < ctx.rounds; round += 1) {
    bare.push(await timeBareNode());
    starts.push(await timeCredproxy(ctx, round));
  }
  const sts = await measureAssumeRole(ctx.moto, ctx.rounds);
  const readyMs = median(starts.map((start) => start.readyMs));
  const listeningMs = median(starts.map((start) => start.listeningMs));
  const bareMs = median(bare);
  const goalMs = BUDGET_MS + sts.coldMs;
  const met = readyMs < goalMs;
  return {
    id: 2,
    title: TITLE,
    rows: [
      {
        measure: 'process start until /ready is 200 (1 service)',
        value: `${fmt(readyMs, 0)} ms`,
        baseline: `node + bare server ${fmt(bareMs, 0)} ms`,
        goal: `< ${BUDGET_MS} ms + 1 STS = ${fmt(goalMs, 0)} ms`,
        verdict: verdictOf(met),
      },
      {
        measure: 'process start until /health is 200 (listening)',
        value: `${fmt(listeningMs, 0)} ms`,
        baseline: `node + bare server ${fmt(bareMs, 0)} ms`,
        goal: '-',
        verdict: 'info',
      },
      {
        measure: 'one AssumeRole on moto (new client / kept-alive)',
        value: `${fmt(sts.coldMs, 1)} / ${fmt(sts.warmMs, 1)} ms`,
        baseline: '-',
        goal: '-',
        verdict: 'info',
      },
    ],
    summary:
      `figure 2: start to ready ${fmt(readyMs, 0)} ms, listening after ${fmt(listeningMs, 0)} ms ` +
      `(node alone ${fmt(bareMs, 0)} ms, one STS ` +
      `round trip ${fmt(sts.coldMs, 0)} ms; goal < ${fmt(goalMs, 0)} ms, ${verdictOf(met)})`,
  };
}
