import { Writable } from 'node:stream';
import type { Config, LoadedConfig, LogLevel } from '../../src/config/types.js';
import { type RunningApp, startApp } from '../../src/sidecar/startApp.js';

/** Collects every log line the app writes, for assertions on content and absence of secrets. */
export class LogSink extends Writable {
  readonly chunks: string[] = [];

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.chunks.push(chunk.toString('utf8'));
    done();
  }

  text(): string {
    return this.chunks.join('');
  }

  lines(): Array<Record<string, unknown>> {
    return this.text()
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }
}

export interface TestApp {
  readonly app: RunningApp;
  readonly logs: LogSink;
  /** What the next reload() will load. */
  setNextConfig(config: Config): void;
  get(path: string, token?: string, init?: RequestInit): Promise<Response>;
  metric(name: string, labels: Record<string, string>): Promise<number>;
}

export async function startTestApp(
  config: Config,
  logLevel: LogLevel = 'debug',
  env: Record<string, string | undefined> = {},
): Promise<TestApp> {
  const logs = new LogSink();
  let next: LoadedConfig = { config, warnings: [] };
  const app = await startApp({
    loaded: { config, warnings: [] },
    logLevel,
    pretty: false,
    reloadConfig: async () => next,
    logDestination: logs,
    env,
  });
  return {
    app,
    logs,
    setNextConfig(nextConfig) {
      next = { config: nextConfig, warnings: [] };
    },
    get(path, token, init = {}) {
      const headers = new Headers(init.headers);
      if (token !== undefined) headers.set('Authorization', token);
      return fetch(`${app.credentialsUrl}${path}`, { ...init, headers });
    },
    async metric(name, labels) {
      if (!app.metricsUrl) throw new Error('metrics are disabled');
      const text = await (await fetch(`${app.metricsUrl}/metrics`)).text();
      const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
      for (const line of text.split('\n')) {
        if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
        if (wanted.every((w) => line.includes(w))) return Number(line.split(' ').at(-1));
      }
      return 0;
    },
  };
}

/** Poll `check` until it returns true or `timeoutMs` passes. */
export async function eventually(
  check: () => Promise<boolean> | boolean,
  timeoutMs = 10_000,
  stepMs = 50,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
}
