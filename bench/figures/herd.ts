import { connect, type Socket } from 'node:net';
import {
  type BenchContext,
  type FigureResult,
  fmt,
  fmtInt,
  skipped,
  verdictOf,
} from '../figure.js';
import { startGate } from '../gate.js';
import { readMetric } from '../metrics.js';
import { httpGet } from '../processes.js';
import { median } from '../stats.js';
import { startBare, startCredproxy } from '../targets.js';

export const TITLE = 'herd on a cold service';
const HERD_SIZE = 1_000;
const ROUNDS = 3;

interface HerdOutcome {
  readonly statuses: ReadonlyMap<number, number>;
  /** Slowest response, ms from the moment its request was written. */
  readonly slowestMs: number;
  /** ms from writing the first request until every request was written. */
  readonly writtenMs: number;
}

/** Open `count` sockets to `port` and resolve once every one is connected. */
async function connectAll(port: number, count: number): Promise<Socket[]> {
  return Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<Socket>((resolve, reject) => {
          const socket = connect({ host: '127.0.0.1', port }, () => resolve(socket));
          socket.once('error', reject);
        }),
    ),
  );
}

/**
 * `HERD_SIZE` GETs at once, one socket each: every socket is connected first (so the kernel's
 * accept backlog does not spread the herd over SYN retries), then every request is written in
 * one go. `onAllWritten` runs when the last one is on its socket.
 */
async function fireHerd(
  url: string,
  token: string,
  onAllWritten: (firstWriteAt: number) => void,
): Promise<HerdOutcome> {
  const { port, pathname } = new URL(url);
  const sockets = await connectAll(Number(port), HERD_SIZE);
  const request = Buffer.from(
    `GET ${pathname} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${token}\r\n` +
      'Connection: close\r\n\r\n',
  );
  const statuses = new Map<number, number>();
  let slowestMs = 0;
  let written = 0;
  const first = performance.now();
  let writtenMs = Number.NaN;
  const responses = sockets.map(
    (socket) =>
      new Promise<void>((resolve) => {
        let head = '';
        socket.setEncoding('latin1');
        socket.on('data', (chunk: string) => {
          if (head.length < 16) head += chunk;
        });
        socket.once('close', () => {
          const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          resolve();
        });
        socket.on('error', () => undefined);
        socket.setTimeout(10_000, () => socket.destroy());
        const sent = performance.now();
        socket.once('end', () => {
          slowestMs = Math.max(slowestMs, performance.now() - sent);
        });
        socket.write(request, () => {
          written += 1;
          if (written === HERD_SIZE) {
            writtenMs = performance.now() - first;
            onAllWritten(first);
          }
        });
      }),
  );
  await Promise.all(responses);
  return { statuses, slowestMs, writtenMs };
}

function describeStatuses(statuses: ReadonlyMap<number, number>): string {
  return [...statuses.entries()]
    .sort(([a], [b]) => a - b)
    .map(([status, count]) => `${count} x ${status === 0 ? 'socket error' : status}`)
    .join(', ');
}

/**
 * Figure 3: credproxy starts with one service whose first AssumeRole is held at a gate in front
 * of moto, so the service is cold for the whole herd; the gate opens once credproxy has read
 * every request. The AssumeRole count comes from credproxy_sts_calls_total. Baseline: the same herd
 * against the bare node:http server (what accepting 1,000 sockets costs by itself).
 */
export async function measureHerd(ctx: BenchContext): Promise<FigureResult> {
  if (!ctx.moto) return skipped(3, TITLE, ctx.motoMissing ?? 'no moto');
  const calls: number[] = [];
  const slowest: number[] = [];
  const bareSlowest: number[] = [];
  const holds: number[] = [];
  const statusLines: string[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    const bare = await startBare(600);
    bareSlowest.push((await fireHerd(bare.url, 'unused', () => undefined)).slowestMs);
    await bare.stop();

    const gate = await startGate(ctx.moto.port);
    const credproxy = await startCredproxy(ctx, {
      name: `herd-${round}`,
      metrics: true,
      logLevel: 'info',
      env: { AWS_ENDPOINT_URL_STS: gate.url },
      waitReady: false,
    });
    // Once every request is written, a /health request queues behind them: when it answers,
    // credproxy has read the herd, and the held AssumeRole may go.
    let openedMs = Number.NaN;
    const outcome = await fireHerd(credproxy.url, credproxy.token, (firstWriteAt) => {
      void httpGet(credproxy.url.replace('/v1/credentials', '/health')).finally(() => {
        openedMs = performance.now() - firstWriteAt;
        gate.open();
      });
    });
    holds.push(openedMs);
    slowest.push(outcome.slowestMs);
    statusLines.push(describeStatuses(outcome.statuses));
    calls.push(
      await readMetric(credproxy.metricsUrl as string, 'credproxy_sts_calls_total', {
        service: credproxy.services[0]?.name ?? '',
      }),
    );
    await credproxy.stop();
    await gate.close();
    ctx.log(
      `  herd ${round + 1}/${ROUNDS}: ${statusLines.at(-1)}; AssumeRole calls ${calls.at(-1)}`,
    );
  }
  const allOk = statusLines.every((line) => line === `${HERD_SIZE} x 200`);
  const exactlyOne = calls.every((count) => count === 1);
  return {
    id: 3,
    title: TITLE,
    rows: [
      {
        measure: `AssumeRole calls for ${fmtInt(HERD_SIZE)} concurrent cold requests`,
        value: calls.join(', '),
        baseline: '-',
        goal: '1 each round',
        verdict: verdictOf(exactlyOne),
      },
      {
        measure: 'responses',
        value: statusLines.join('; '),
        baseline: '-',
        goal: `${HERD_SIZE} x 200`,
        verdict: verdictOf(allOk),
      },
      {
        measure: 'slowest response (from its write)',
        value: `${fmt(median(slowest), 0)} ms (held ${fmt(median(holds), 0)} ms)`,
        baseline: `bare node:http ${fmt(median(bareSlowest), 0)} ms`,
        goal: '-',
        verdict: 'info',
      },
    ],
    summary:
      `figure 3: ${HERD_SIZE} concurrent requests on a cold service: AssumeRole calls ` +
      `${calls.join(', ')} in ${ROUNDS} rounds (goal 1, ${verdictOf(exactlyOne)}), slowest ` +
      `response ${fmt(median(slowest), 0)} ms with STS held ${fmt(median(holds), 0)} ms ` +
      `(bare node:http herd ${fmt(median(bareSlowest), 0)} ms)`,
  };
}
