import type { Config, LogLevel, ServiceConfig } from '../../src/config/types.js';
import { makeConfig } from '../helpers/configs.js';
import { type Moto, motoEnv, startMoto } from '../helpers/moto.js';
import { startTestApp, type TestApp } from '../helpers/startTestApp.js';

/** A real credproxy on port 0 with its services primed from a real moto_server. */
export interface AppOnMoto {
  readonly sts: Moto;
  readonly t: TestApp;
  /** The credential listener's port, for raw sockets. */
  readonly port: number;
  stop(): Promise<void>;
}

export async function startOnMoto(
  services: ServiceConfig[],
  overrides: Partial<Config> = {},
  logLevel: LogLevel = 'info',
): Promise<AppOnMoto> {
  const sts = await startMoto();
  // The SDK in this process reads the STS endpoint from the environment (one file per worker).
  Object.assign(process.env, motoEnv(sts));
  const t = await startTestApp(makeConfig(services, overrides), logLevel);
  await t.app.primed;
  return {
    sts,
    t,
    port: Number(new URL(t.app.credentialsUrl).port),
    async stop() {
      await t.app.stop();
      await sts.stop();
    },
  };
}
