import { freePort } from '../../test/helpers/moto.js';
import { makeServices } from '../configFile.js';
import { type BenchContext, type FigureResult, fmt, skipped, verdictOf } from '../figure.js';
import {
  type Child,
  NPM_START_NODE_FLAGS,
  readRssBytes,
  spawnNode,
  waitFor200,
} from '../processes.js';
import { startCredproxy } from '../targets.js';

export const TITLE = 'memory after start';
const MAX_RSS_MB_AT_1000 = 80;
const MB = 1024 * 1024;
const PROBE = ['--expose-gc', '--import', './bench/gcProbe.mjs'];
/**
 * Priming 1,000 services through the AWS SDK grows V8's young generation to its 2 x 16 MB
 * maximum with plain `node`, and it stays resident. `npm start`, the bin's shebang and the
 * image cap it with --max-semi-space-size=2; the plain-node row shows what that saves.
 */

interface Memory {
  /** RSS once ready, before any forced collection. */
  readonly rssMb: number;
  /** RSS, heap used and external after two full collections. */
  readonly gcRssMb: number;
  readonly heapMb: number;
}

/** Ask the preloaded probe in `child` to collect garbage and report its memory. */
function measure(child: Child): Promise<Memory> {
  const rssMb = readRssBytes(child.pid) / MB;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the memory probe did not answer')), 10_000);
    child.process.once('message', (message: { rss: number; heapUsed: number }) => {
      clearTimeout(timer);
      resolve({ rssMb, gcRssMb: message.rss / MB, heapMb: message.heapUsed / MB });
    });
    child.process.send('measure');
  });
}

async function measureBareNode(): Promise<Memory> {
  const port = await freePort();
  const child = spawnNode({
    args: [
      ...PROBE,
      '-e',
      "require('node:http').createServer((q, s) => s.end('ok')).listen(Number(process.argv[1]), '127.0.0.1')",
      String(port),
    ],
    ipc: true,
  });
  try {
    await waitFor200(`http://127.0.0.1:${port}/`, child, process.hrtime.bigint());
    return await measure(child);
  } finally {
    await child.stop();
  }
}

async function measureCredproxy(
  ctx: BenchContext,
  services: number,
  plainNode = false,
): Promise<Memory & { readyMs: number }> {
  const startedNs = process.hrtime.bigint();
  const credproxy = await startCredproxy(ctx, {
    name: `memory-${services}${plainNode ? '-plain' : ''}`,
    metrics: true,
    logLevel: 'info',
    services: makeServices(services),
    nodeArgs: PROBE,
    plainNode,
    ipc: true,
  });
  const readyMs = Number(process.hrtime.bigint() - startedNs) / 1e6;
  try {
    return { ...(await measure(credproxy.child)), readyMs };
  } finally {
    await credproxy.stop();
  }
}

/**
 * Figure 4: the real binary with 1 and with 1,000 services, every one primed from moto (/ready
 * is 200), then two forced full collections (a preloaded probe, --expose-gc). Baseline: node
 * running a bare node:http server, measured the same way.
 */
export async function measureMemory(ctx: BenchContext): Promise<FigureResult> {
  if (!ctx.moto) return skipped(4, TITLE, ctx.motoMissing ?? 'no moto');
  const bare = await measureBareNode();
  const one = await measureCredproxy(ctx, 1);
  const thousand = await measureCredproxy(ctx, 1_000);
  const plain = await measureCredproxy(ctx, 1_000, true);
  const met = thousand.gcRssMb <= MAX_RSS_MB_AT_1000;
  const describe = (m: Memory) =>
    `${fmt(m.gcRssMb, 1)} MB (heap ${fmt(m.heapMb, 1)} MB; ${fmt(m.rssMb, 1)} MB before GC)`;
  return {
    id: 4,
    title: TITLE,
    rows: [
      {
        measure: 'RSS, 1 service primed, after GC',
        value: describe(one),
        baseline: `bare node:http ${fmt(bare.gcRssMb, 1)} MB`,
        goal: '-',
        verdict: 'info',
      },
      {
        measure: `RSS, 1,000 services primed, after GC (npm start: node ${NPM_START_NODE_FLAGS.join(' ')})`,
        value: describe(thousand),
        baseline: `bare node:http ${fmt(bare.gcRssMb, 1)} MB`,
        goal: `<= ${MAX_RSS_MB_AT_1000} MB`,
        verdict: verdictOf(met),
      },
      {
        measure: 'RSS, 1,000 services, plain node (no flags)',
        value: describe(plain),
        baseline: `npm start ${fmt(thousand.gcRssMb, 1)} MB`,
        goal: 'what-if (without the flag)',
        verdict: 'info',
      },
      {
        measure: 'start until 1,000 services are primed',
        value: `${fmt(thousand.readyMs, 0)} ms`,
        baseline: `1 service ${fmt(one.readyMs, 0)} ms`,
        goal: '-',
        verdict: 'info',
      },
    ],
    summary:
      `figure 4: RSS after GC ${fmt(one.gcRssMb, 1)} MB with 1 service, ${fmt(thousand.gcRssMb, 1)} MB ` +
      `with 1,000 under npm start (goal <= ${MAX_RSS_MB_AT_1000} MB, ${verdictOf(met)}); ` +
      `${fmt(plain.gcRssMb, 1)} MB with plain node; bare node:http ${fmt(bare.gcRssMb, 1)} MB`,
  };
}
