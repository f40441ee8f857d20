import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config, ServiceConfig } from '../../src/config/types.js';
import { type RunningApp, startApp } from '../../src/sidecar/startApp.js';
import { makeConfig } from '../helpers/configs.js';
import { type Moto, motoEnv, startMoto } from '../helpers/moto.js';
import { diffCounters, readCounters } from './readCounters.js';

/** A real moto_server and a real credproxy assuming roles on it, both on free loopback ports. */
export interface CredproxyOnMoto {
  readonly moto: Moto;
  readonly app: RunningApp;
  /** The value clients get as `AWS_CONTAINER_CREDENTIALS_FULL_URI`. */
  readonly fullUri: string;
  /** A private temp dir for token files and the client's nonexistent config paths. */
  readonly dir: string;
  /** Runs `act` and returns its result with the counters that moved while it ran. */
  counting<T>(act: () => Promise<T>): Promise<{ result: T; counted: Record<string, number> }>;
  /** The access key id credproxy currently serves for `token` (one request of its own). */
  servedAccessKeyId(token: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startCredproxyOnMoto(
  services: readonly ServiceConfig[],
  overrides: Partial<Config> = {},
): Promise<CredproxyOnMoto> {
  const dir = await mkdtemp(join(tmpdir(), 'credproxy-clients-'));
  const moto = await startMoto();
  // credproxy's STS client reads AWS_ENDPOINT_URL_STS from the environment, like any SDK user.
  const saved = { ...process.env };
  Object.assign(process.env, motoEnv(moto));
  const app = await startApp({
    loaded: { config: makeConfig([...services], overrides), warnings: [] },
    logLevel: 'warn',
    pretty: false,
    reloadConfig: () => Promise.reject(new Error('not used by client tests')),
  });
  await app.primed;
  const metricsUrl = app.metricsUrl;
  if (metricsUrl === undefined) throw new Error('client tests count requests through metrics');

  return {
    moto,
    app,
    fullUri: `${app.credentialsUrl}/v1/credentials`,
    dir,
    async counting(act) {
      const before = await readCounters(metricsUrl);
      const result = await act();
      const after = await readCounters(metricsUrl);
      return { result, counted: diffCounters(before, after) };
    },
    async servedAccessKeyId(token) {
      const response = await fetch(`${app.credentialsUrl}/v1/credentials`, {
        headers: { Authorization: token },
      });
      if (response.status !== 200) throw new Error(`credproxy answered ${response.status}`);
      const body = (await response.json()) as { AccessKeyId?: unknown };
      if (typeof body.AccessKeyId !== 'string') throw new Error('no AccessKeyId in the body');
      return body.AccessKeyId;
    },
    async stop() {
      await app.stop();
      await moto.stop();
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
