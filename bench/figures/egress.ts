import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { stringify } from 'yaml';
import { freePort } from '../../test/helpers/moto.js';
import {
  type BenchContext,
  type FigureResult,
  fmt,
  fmtInt,
  type Row,
  verdictOf,
} from '../figure.js';
import { type LoadResult, runLoad } from '../load.js';
import { type Child, MAIN_JS, readRssBytes, spawnNode, waitFor200 } from '../processes.js';
import { median } from '../stats.js';

/** Goals of issue 12. */
const MAX_ADDED_P50_MS = 1;
const MAX_CPU_RATIO = 1.5;
const MAX_SSE_ADDED_P95_MS = 5;
const MAX_UPLOAD_GROWTH_MB = 64;

const MB = 1024 * 1024;
const GiB = 1024 ** 3;
const BODY = Buffer.from(JSON.stringify({ prompt: 'x'.repeat(1024 - 14) }));
const CPU_CONNECTIONS = 16;
const SSE_EVENTS = 200;
const SSE_GAP_MS = 10;
const SSE_RUNS = 3;

interface Server {
  readonly name: string;
  /** Base URL of the request path the load is sent to. */
  readonly url: string;
  readonly child: Child;
}

interface Rig {
  readonly upstream: Server;
  readonly credproxy: Server;
  readonly passThrough: Server;
  readonly token: string;
  stop(): Promise<void>;
}

/** The upstream, credproxy (the real binary) with one route to it, and the undici baseline. */
async function startRig(ctx: BenchContext): Promise<Rig> {
  const children: Child[] = [];
  const node = (args: string[], logFile?: string) => {
    const child = spawnNode({ args, ...(logFile ? { logFile } : {}) });
    children.push(child);
    return child;
  };
  try {
    const upstreamPort = await freePort();
    const upstreamChild = node([
      '--import',
      'tsx',
      'bench/egressUpstream.ts',
      String(upstreamPort),
    ]);
    const upstreamOrigin = `http://127.0.0.1:${upstreamPort}`;
    await waitFor200(`${upstreamOrigin}/`, upstreamChild, process.hrtime.bigint());

    const token = randomBytes(32).toString('hex');
    const [port, proxyPort, metricsPort, passPort] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    const configFile = join(ctx.tmpDir, 'egress.yaml');
    writeFileSync(
      configFile,
      stringify({
        server: { port },
        metrics: { prometheus: { enabled: true, port: metricsPort } },
        proxy: {
          port: proxyPort,
          routes: {
            api: {
              path: '/api',
              upstream: upstreamOrigin,
              inject: { header: 'x-api-key', value: randomBytes(32).toString('hex') },
            },
          },
        },
        services: { bench: { auth_token: token, routes: ['api'] } },
      }),
    );
    const credproxyChild = node(
      [MAIN_JS, '--config', configFile, '--log-level', 'info'],
      join(ctx.tmpDir, 'egress.log'),
    );
    await waitFor200(`http://127.0.0.1:${port}/health`, credproxyChild, process.hrtime.bigint());

    const passChild = node([
      '--import',
      'tsx',
      'bench/passThroughProxy.ts',
      String(passPort),
      upstreamOrigin,
      '/api',
    ]);
    await waitFor200(`http://127.0.0.1:${passPort}/api/`, passChild, process.hrtime.bigint());
    return {
      upstream: { name: 'direct', url: upstreamOrigin, child: upstreamChild },
      credproxy: {
        name: 'credproxy route',
        url: `http://127.0.0.1:${proxyPort}/api`,
        child: credproxyChild,
      },
      passThrough: {
        name: 'undici pass-through',
        url: `http://127.0.0.1:${passPort}/api`,
        child: passChild,
      },
      token,
      stop: async () => {
        await Promise.all(children.map((child) => child.stop()));
      },
    };
  } catch (error) {
    await Promise.all(children.map((child) => child.stop()));
    throw error;
  }
}

/** Interleaved rounds of 1 KiB POSTs at `connections`, each target first in turn. */
async function loadRounds(
  ctx: BenchContext,
  rig: Rig,
  targets: readonly Server[],
  connections: number,
): Promise<Map<string, LoadResult[]>> {
  const results = new Map<string, LoadResult[]>(targets.map((t) => [t.name, []]));
  const load = (target: Server, seconds: number) =>
    runLoad({
      url: `${target.url}/v1/messages`,
      token: rig.token,
      connections,
      durationSeconds: seconds,
      serverPid: target.child.pid,
      method: 'POST',
      body: BODY,
      headers: { 'x-api-key': rig.token, 'content-type': 'application/json' },
    });
  for (const target of targets) await load(target, 1);
  for (let round = 0; round < ctx.rounds; round += 1) {
    for (let step = 0; step < targets.length; step += 1) {
      const target = targets[(round + step) % targets.length] as Server;
      const result = await load(target, ctx.roundSeconds);
      results.get(target.name)?.push(result);
      ctx.log(
        `  ${connections} conn, round ${round + 1}/${ctx.rounds} ${target.name}: ` +
          `${Math.round(result.rps)} req/s, p50 ${result.p50Ms.toFixed(3)} ms, ` +
          `${fmt(result.serverCpuUsPerRequest, 0)} µs CPU/req, ${result.failures} failed`,
      );
    }
  }
  return results;
}

/** Delays (ms) of every event of one SSE stream: receive time minus the upstream's write time. */
function sseDelays(url: string, token: string): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const target = new URL(`${url}/sse?events=${SSE_EVENTS}&gapMs=${SSE_GAP_MS}`);
    const delays: number[] = [];
    let pending = '';
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: `${target.pathname}${target.search}`,
        headers: { 'x-api-key': token },
        agent: false,
      },
      (res) => {
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          const now = process.hrtime.bigint();
          pending += chunk;
          let end = pending.indexOf('\n\n');
          while (end !== -1) {
            const sent = BigInt(pending.slice('data: '.length, end));
            delays.push(Number(now - sent) / 1e6);
            pending = pending.slice(end + 2);
            end = pending.indexOf('\n\n');
          }
        });
        res.on('end', () => resolve(delays));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
}

/** Peak RSS growth (MB) of `server` while 1 GiB made on the fly is PUT through it. */
async function uploadGrowthMb(
  server: Server,
  token: string,
): Promise<{ growthMb: number; seconds: number }> {
  const pid = server.child.pid;
  const before = readRssBytes(pid);
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, readRssBytes(pid));
  }, 25);
  const started = process.hrtime.bigint();
  const chunk = Buffer.alloc(64 * 1024, 'u');
  let sent = 0;
  const body = new Readable({
    read() {
      if (sent >= GiB) this.push(null);
      else {
        sent += chunk.length;
        this.push(chunk);
      }
    },
  });
  const target = new URL(`${server.url}/upload`);
  const answer = await new Promise<string>((resolve, reject) => {
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'PUT',
        headers: { 'x-api-key': token, 'content-length': String(GiB) },
        agent: false,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (part: string) => {
          text += part;
        });
        res.on('end', () => resolve(text));
      },
    );
    req.on('error', reject);
    body.pipe(req);
  });
  clearInterval(sampler);
  peak = Math.max(peak, readRssBytes(pid));
  if (JSON.parse(answer).bytes !== GiB)
    throw new Error(`${server.name}: the upstream got ${answer}`);
  return {
    growthMb: (peak - before) / MB,
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
  };
}

/**
 * Figures 8 to 10 (issue 12), all on loopback in one run: the real credproxy binary with one
 * route, the upstream it forwards to (bench/egressUpstream.ts), and a minimal undici
 * pass-through proxy as the CPU baseline (bench/passThroughProxy.ts). None needs STS.
 */
export async function measureEgress(
  ctx: BenchContext,
  selected: ReadonlySet<number>,
): Promise<FigureResult[]> {
  const rig = await startRig(ctx);
  try {
    const figures: FigureResult[] = [];
    if (selected.has(8)) figures.push(await measureRequests(ctx, rig));
    if (selected.has(9)) figures.push(await measureSse(ctx, rig));
    if (selected.has(10)) figures.push(await measureUpload(rig));
    return figures;
  } finally {
    await rig.stop();
  }
}

async function measureRequests(ctx: BenchContext, rig: Rig): Promise<FigureResult> {
  const latency = await loadRounds(ctx, rig, [rig.upstream, rig.credproxy], 1);
  const cpu = await loadRounds(ctx, rig, [rig.credproxy, rig.passThrough], CPU_CONNECTIONS);
  const direct = latency.get(rig.upstream.name) ?? [];
  const routed = latency.get(rig.credproxy.name) ?? [];
  const added = median(routed.map((r, round) => r.p50Ms - (direct[round]?.p50Ms ?? Number.NaN)));
  const ours = cpu.get(rig.credproxy.name) ?? [];
  const base = cpu.get(rig.passThrough.name) ?? [];
  const ratio = median(
    ours.map(
      (r, round) => r.serverCpuUsPerRequest / (base[round]?.serverCpuUsPerRequest ?? Number.NaN),
    ),
  );
  const m = (results: readonly LoadResult[], of: (r: LoadResult) => number) =>
    median(results.map(of));
  const failures = [...latency.values(), ...cpu.values()]
    .flat()
    .reduce((sum, r) => sum + r.failures, 0);
  const rows: Row[] = [
    {
      measure: '1 KiB POST, 1 connection: added p50 (route - direct)',
      value: `${fmt(added, 3)} ms (p50 ${fmt(
        m(routed, (r) => r.p50Ms),
        3,
      )} ms)`,
      baseline: `direct p50 ${fmt(
        m(direct, (r) => r.p50Ms),
        3,
      )} ms`,
      goal: `<= ${MAX_ADDED_P50_MS} ms`,
      verdict: verdictOf(added <= MAX_ADDED_P50_MS),
    },
    {
      measure: `CPU per proxied request at ${CPU_CONNECTIONS} connections, ratio to the undici pass-through`,
      value: `${fmt(ratio, 2)} (${fmt(
        m(ours, (r) => r.serverCpuUsPerRequest),
        0,
      )} µs)`,
      baseline: `${fmt(
        m(base, (r) => r.serverCpuUsPerRequest),
        0,
      )} µs`,
      goal: `<= ${MAX_CPU_RATIO}`,
      verdict: verdictOf(ratio <= MAX_CPU_RATIO),
    },
    {
      measure: `throughput at ${CPU_CONNECTIONS} connections`,
      value: `${fmtInt(m(ours, (r) => r.rps))} req/s`,
      baseline: `pass-through ${fmtInt(m(base, (r) => r.rps))} req/s`,
      goal: '-',
      verdict: 'info',
    },
  ];
  return {
    id: 8,
    title: 'egress: 1 KiB request through a route',
    rows,
    ...(failures > 0
      ? { notes: [`${failures} requests failed across figure 8's rounds (expected 0).`] }
      : {}),
    summary:
      `figure 8: a 1 KiB POST through a route adds ${fmt(added, 3)} ms at p50 over direct ` +
      `(goal <= ${MAX_ADDED_P50_MS} ms, ${rows[0]?.verdict}); CPU per request ${fmt(ratio, 2)} x a minimal ` +
      `undici pass-through (goal <= ${MAX_CPU_RATIO}, ${rows[1]?.verdict}) ` +
      `(median of ${ctx.rounds} interleaved rounds of ${ctx.roundSeconds} s)`,
  };
}

async function measureSse(ctx: BenchContext, rig: Rig): Promise<FigureResult> {
  const direct: number[] = [];
  const routed: number[] = [];
  for (let run = 0; run < SSE_RUNS; run += 1) {
    direct.push(...(await sseDelays(rig.upstream.url, rig.token)));
    routed.push(...(await sseDelays(rig.credproxy.url, rig.token)));
  }
  ctx.log(`  SSE: ${routed.length} events through the route, ${direct.length} direct`);
  if (routed.length !== SSE_EVENTS * SSE_RUNS)
    throw new Error(`got ${routed.length} events through the route`);
  const added = quantile(routed, 0.95) - quantile(direct, 0.95);
  const verdict = verdictOf(added <= MAX_SSE_ADDED_P95_MS);
  return {
    id: 9,
    title: 'egress: SSE event delay',
    rows: [
      {
        measure: `added delay per event, p95 (${SSE_RUNS} x ${SSE_EVENTS} events ${SSE_GAP_MS} ms apart)`,
        value: `${fmt(added, 3)} ms (route p95 ${fmt(quantile(routed, 0.95), 3)} ms, max ${fmt(Math.max(...routed), 3)} ms)`,
        baseline: `direct p95 ${fmt(quantile(direct, 0.95), 3)} ms`,
        goal: `<= ${MAX_SSE_ADDED_P95_MS} ms`,
        verdict,
      },
    ],
    summary: `figure 9: each SSE event's added delay through a route is ${fmt(added, 3)} ms at p95 (goal <= ${MAX_SSE_ADDED_P95_MS} ms, ${verdict})`,
  };
}

async function measureUpload(rig: Rig): Promise<FigureResult> {
  const ours = await uploadGrowthMb(rig.credproxy, rig.token);
  const base = await uploadGrowthMb(rig.passThrough, rig.token);
  const verdict = verdictOf(ours.growthMb < MAX_UPLOAD_GROWTH_MB);
  return {
    id: 10,
    title: 'egress: 1 GiB upload',
    rows: [
      {
        measure: 'credproxy RSS growth during a 1 GiB PUT through a route',
        value: `${fmt(ours.growthMb, 1)} MB (${fmt(ours.seconds, 1)} s, ${fmtInt(1024 / ours.seconds)} MiB/s)`,
        baseline: `undici pass-through ${fmt(base.growthMb, 1)} MB`,
        goal: `< ${MAX_UPLOAD_GROWTH_MB} MB`,
        verdict,
      },
    ],
    summary: `figure 10: a 1 GiB upload through a route grows credproxy's RSS by ${fmt(ours.growthMb, 1)} MB (goal < ${MAX_UPLOAD_GROWTH_MB} MB, ${verdict})`,
  };
}
