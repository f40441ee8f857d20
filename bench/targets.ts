import { join } from 'node:path';
import { freePort } from '../test/helpers/moto.js';
import { type BenchConfig, type BenchService, makeServices, writeConfig } from './configFile.js';
import type { BenchContext } from './figure.js';
import {
  type Child,
  httpGet,
  MAIN_JS,
  NPM_START_NODE_FLAGS,
  spawnNode,
  waitFor200,
} from './processes.js';
import { motoEnv } from './sts.js';

/** A server under load: where to send requests, with which token, and its process. */
export interface Target {
  readonly name: string;
  readonly url: string;
  readonly token: string;
  readonly pid: number;
  /** Runs while a round loads this target (the rotation figure reloads here). */
  duringRound?(durationMs: number): Promise<void>;
  stop(): Promise<void>;
}

export interface CredproxyOptions {
  readonly name: string;
  readonly metrics: boolean;
  readonly logLevel: 'info' | 'debug';
  readonly services?: readonly BenchService[];
  /** Node flags before dist/main.js (e.g. --expose-gc and a preload). */
  readonly nodeArgs?: readonly string[];
  /** Without the node flags of `npm start` (a what-if baseline). */
  readonly plainNode?: boolean;
  readonly ipc?: boolean;
  /** Environment overrides (the herd points STS at its gate). */
  readonly env?: Record<string, string>;
  /** Wait for /ready (every service primed) before resolving; default true. */
  readonly waitReady?: boolean;
  /** The config's `identity` block (JWT issuers), as YAML keys. */
  readonly identity?: Record<string, unknown>;
}

/** A running `node dist/main.js --config FILE`, the real binary. */
export interface Credproxy extends Target {
  readonly child: Child;
  readonly configFile: string;
  readonly config: BenchConfig;
  readonly metricsUrl: string | undefined;
  readonly services: readonly BenchService[];
}

let started = 0;

export async function startCredproxy(
  ctx: BenchContext,
  options: CredproxyOptions,
): Promise<Credproxy> {
  if (!ctx.moto) throw new Error('credproxy targets need moto');
  started += 1;
  const base = join(ctx.tmpDir, `credproxy-${started}-${options.name}`);
  const services = options.services ?? makeServices(1);
  const config: BenchConfig = {
    port: await freePort(),
    ...(options.metrics ? { metricsPort: await freePort() } : {}),
    services,
    ...(options.identity ? { identity: options.identity } : {}),
  };
  const configFile = `${base}.yaml`;
  writeConfig(configFile, config);
  const profile = ctx.profileDir
    ? [
        '--cpu-prof',
        '--cpu-prof-dir',
        ctx.profileDir,
        '--cpu-prof-name',
        `${options.name}.cpuprofile`,
      ]
    : [];
  const child = spawnNode({
    args: [
      ...profile,
      ...(options.plainNode ? [] : NPM_START_NODE_FLAGS),
      ...(options.nodeArgs ?? []),
      MAIN_JS,
      '--config',
      configFile,
      '--log-level',
      options.logLevel,
    ],
    env: { ...motoEnv(ctx.moto), ...options.env },
    logFile: `${base}.log`,
    ...(options.ipc ? { ipc: true } : {}),
  });
  const url = `http://127.0.0.1:${config.port}`;
  const path = options.waitReady === false ? '/health' : '/ready';
  await waitFor200(`${url}${path}`, child, process.hrtime.bigint(), 60_000, 10);
  return {
    name: options.name,
    url: `${url}/v1/credentials`,
    token: (services[0] as BenchService).token,
    pid: child.pid,
    child,
    configFile,
    config,
    metricsUrl:
      config.metricsPort === undefined ? undefined : `http://127.0.0.1:${config.metricsPort}`,
    services,
    async stop() {
      const code = await child.stop();
      if (code !== 0) ctx.log(`${options.name}: credproxy exited with ${code}`);
    },
  };
}

/** The baseline server, with a body as long as the credproxy response it is compared with. */
export async function startBare(bodyBytes: number): Promise<Target> {
  const port = await freePort();
  const child = spawnNode({
    args: ['--import', 'tsx', 'bench/bareServer.ts', String(port), String(bodyBytes)],
  });
  const url = `http://127.0.0.1:${port}/v1/credentials`;
  await waitFor200(url, child, process.hrtime.bigint(), 30_000, 10);
  return {
    name: 'bare node:http',
    url,
    token: 'unused',
    pid: child.pid,
    async stop() {
      await child.stop();
    },
  };
}

/** Length in bytes of the credential body `target` serves. */
export async function bodyBytesOf(target: Target): Promise<number> {
  const answer = await httpGet(target.url, { authorization: target.token });
  if (answer.status !== 200) throw new Error(`${target.name} answered ${answer.status}`);
  return Buffer.byteLength(answer.body);
}
