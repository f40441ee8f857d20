import type { LoadedConfig, LogLevel } from '../config/types.js';

/** What the process shell hands the app. Resolved by the CLI; the app reads no environment. */
export interface StartAppOptions {
  readonly loaded: LoadedConfig;
  readonly logLevel: LogLevel;
  /** `--dev`: human-readable log lines instead of JSON. */
  readonly pretty: boolean;
  /** Re-reads and validates the main config file (SIGHUP). Rejects with a ConfigError. */
  readonly reloadConfig: () => Promise<LoadedConfig>;
  /** Where log lines go; defaults to stdout. Tests pass a sink to capture them. */
  readonly logDestination?: NodeJS.WritableStream;
}

/** A started credproxy: both listeners open and initial credentials fetched (or failed). */
export interface RunningApp {
  /** Base URL of the credential listener, e.g. `http://127.0.0.1:1338`. */
  readonly credentialsUrl: string;
  /** Base URL of the metrics listener, when metrics are enabled. */
  readonly metricsUrl: string | undefined;
  /** Re-read the main config (SIGHUP); on error keep running and log why. */
  reload(): Promise<void>;
  /** Stop accepting, drain in-flight requests (bounded), stop timers and watchers. */
  stop(): Promise<void>;
}

export async function startApp(_options: StartAppOptions): Promise<RunningApp> {
  throw new Error('not implemented yet');
}
