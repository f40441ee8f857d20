import type { Config, LoadedConfig } from '../../src/config/types.js';
import { createLogger } from '../../src/observability/createLogger.js';
import { createSidecar, type Sidecar } from '../../src/sidecar/createSidecar.js';
import { createFakeAssumer, type FakeAssumer } from './fakeAssumer.js';
import { createFakeClock, type FakeClock } from './fakeClock.js';
import { LogSink } from './startTestApp.js';

/** A sidecar in this process with a fake STS and a fake clock: no moto, no child process. */
export interface InProcess {
  readonly sidecar: Sidecar;
  readonly clock: FakeClock;
  readonly assumer: FakeAssumer;
  readonly logs: LogSink;
  readonly url: string;
  readonly metricsUrl: string | undefined;
  /** Base URL of every listener by name (`credentials`, `metrics`, `imds:<service>`). */
  readonly urls: Readonly<Record<string, string>>;
  /** Base URL of the egress listener, when routes are configured. */
  readonly egressUrl: string | undefined;
  /** How many times the sidecar asked for the main config again. */
  readonly reloads: () => number;
  /** What the next reload reads. */
  setNextConfig(config: Config): void;
  /** Make the next reload fail with `error`, as an invalid file would. */
  failNextReload(error: Error): void;
  /** Built assumers, with the request timeout each was built for. */
  readonly assumerTimeouts: number[];
  get(path: string, token?: string, init?: RequestInit): Promise<Response>;
}

export interface InProcessOptions {
  readonly jitter?: number;
  /** The fake STS's first answers (the start-up fetches come first). */
  readonly script?: FakeAssumer['script'];
  /** The environment the sidecar sees (the egress proxy reads HTTPS_PROXY/NO_PROXY there). */
  readonly env?: Record<string, string>;
}

export async function startInProcess(
  config: Config,
  options: InProcessOptions = {},
): Promise<InProcess> {
  const clock = createFakeClock();
  const assumer = createFakeAssumer(clock);
  assumer.script = [...(options.script ?? [])];
  const logs = new LogSink();
  const assumerTimeouts: number[] = [];
  let next: LoadedConfig = { config, warnings: [] };
  let failure: Error | undefined;
  let reloads = 0;
  const sidecar = createSidecar(
    { config, warnings: [] },
    {
      logger: createLogger({ level: 'debug', pretty: false, destination: logs, version: 'test' }),
      createAssumer: ({ requestTimeoutSeconds }) => {
        assumerTimeouts.push(requestTimeoutSeconds);
        return assumer;
      },
      reloadConfig: async () => {
        reloads += 1;
        if (failure) throw failure;
        return next;
      },
      clock,
      random: () => options.jitter ?? 0,
      env: options.env ?? {},
    },
  );
  const { urls } = await sidecar.start();
  const url = urls.credentials ?? '';
  return {
    sidecar,
    clock,
    assumer,
    logs,
    url,
    metricsUrl: urls.metrics,
    urls,
    egressUrl: urls.egress,
    reloads: () => reloads,
    setNextConfig(c) {
      next = { config: c, warnings: [] };
      failure = undefined;
    },
    failNextReload(error) {
      failure = error;
    },
    assumerTimeouts,
    get(path, token, init = {}) {
      const headers = new Headers(init.headers);
      if (token !== undefined) headers.set('Authorization', token);
      return fetch(`${url}${path}`, { ...init, headers });
    },
  };
}
