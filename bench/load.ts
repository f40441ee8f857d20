import type { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { readCpuMs } from './processes.js';
import { LatencyHistogram, msSince } from './stats.js';

/** The part of autocannon 9's API used here; typed locally (the package ships no types). */
type Autocannon = (
  options: {
    url: string;
    connections: number;
    duration: number;
    timeout: number;
    headers: Record<string, string>;
    method?: string;
    body?: string | Buffer;
  },
  done: (error: Error | null, result: { errors: number; timeouts: number; non2xx: number }) => void,
) => EventEmitter;

const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

/** What one load round sends, to whom. */
export interface LoadOptions {
  readonly url: string;
  readonly token: string;
  readonly connections: number;
  readonly durationSeconds: number;
  /** Server process whose CPU time is read before and after the round. */
  readonly serverPid?: number;
  /** Another method with a body (default GET), and more headers (the egress figures). */
  readonly method?: string;
  readonly body?: Buffer;
  readonly headers?: Record<string, string>;
}

export interface LoadResult {
  /** Responses with a 2xx status. */
  readonly ok: number;
  /** Non-2xx responses, socket errors and timeouts: anything a client would see as a failure. */
  readonly failures: number;
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Server CPU time (user + system) per 2xx response, µs; NaN without a pid. */
  readonly serverCpuUsPerRequest: number;
}

/**
 * One closed-loop round of keep-alive GETs with autocannon. Latencies are recorded from
 * autocannon's per-response event at 10 µs resolution (its own histogram keeps whole ms).
 */
export function runLoad(options: LoadOptions): Promise<LoadResult> {
  const histogram = new LatencyHistogram();
  let failures = 0;
  const cpuBefore = options.serverPid === undefined ? Number.NaN : readCpuMs(options.serverPid);
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        duration: options.durationSeconds,
        timeout: 5,
        headers: { authorization: options.token, ...options.headers },
        ...(options.method ? { method: options.method } : {}),
        ...(options.body ? { body: options.body } : {}),
      },
      (error, result) => {
        if (error) {
          reject(error);
          return;
        }
        const elapsedMs = msSince(started);
        const cpuMs =
          options.serverPid === undefined ? Number.NaN : readCpuMs(options.serverPid) - cpuBefore;
        resolve({
          ok: histogram.count,
          failures: failures + result.errors + result.timeouts,
          rps: histogram.count / (elapsedMs / 1000),
          p50Ms: histogram.quantile(0.5),
          p99Ms: histogram.quantile(0.99),
          maxMs: histogram.max,
          serverCpuUsPerRequest: (cpuMs * 1000) / histogram.count,
        });
      },
    );
    instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
      if (status >= 200 && status < 300) histogram.record(ms);
      else failures += 1;
    });
  });
}
