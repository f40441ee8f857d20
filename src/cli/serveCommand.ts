import type { Env } from '../config/env.js';
import { loadConfig } from '../config/loadConfig.js';
import type { LogLevel } from '../config/types.js';
import type { RunningApp, StartAppOptions } from '../sidecar/startApp.js';
import { resolveLogLevel } from './logLevel.js';

export type StartApp = (options: StartAppOptions) => Promise<RunningApp>;

export interface ServeOptions {
  readonly configFile: string;
  readonly env: Env;
  readonly logLevelFlag: LogLevel | undefined;
  readonly dev: boolean;
  /** Injected by tests; the real one is imported lazily so --validate-only never loads it. */
  readonly startApp?: StartApp;
}

export interface Serving {
  readonly app: RunningApp;
  readonly logLevel: LogLevel;
}

/**
 * Loads the config (a ConfigError propagates: exit 1), resolves the log level (the file's
 * server.debug counts), and starts the app. The app logs the config's warnings itself.
 */
export async function runServe(options: ServeOptions): Promise<Serving> {
  const { configFile, env } = options;
  const loaded = await loadConfig(configFile, env);
  const logLevel = resolveLogLevel({
    flag: options.logLevelFlag,
    dev: options.dev,
    env,
    configDebug: loaded.config.server.debug,
  });
  const startApp = options.startApp ?? (await import('../sidecar/startApp.js')).startApp;
  const app = await startApp({
    loaded,
    logLevel,
    pretty: options.dev,
    reloadConfig: () => loadConfig(configFile, env),
    // Dynamic service files are substituted with the same environment as the main config.
    env,
  });
  return { app, logLevel };
}
