import { createRoleAssumer } from '../aws/createRoleAssumer.js';
import type { Env } from '../config/env.js';
import type { LoadedConfig, LogLevel } from '../config/types.js';
import { createLogger } from '../observability/createLogger.js';
import { nodeSupportWarning, VERSION } from '../version.js';
import { createSidecar, type SidecarDeps } from './createSidecar.js';

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
  /** The environment for substitutions in dynamic service files (the CLI passes process.env). */
  readonly env?: Env;
  /** Seams for in-process tests: a fake STS, a fake clock. Default: the real ones. */
  readonly overrides?: Partial<Pick<SidecarDeps, 'createAssumer' | 'clock' | 'random'>>;
}

/** A started credproxy: every listener open; initial credentials are being fetched. */
export interface RunningApp {
  /** Base URL of the credential listener, e.g. `http://127.0.0.1:1338`. */
  readonly credentialsUrl: string;
  /** Base URL of the metrics listener, when metrics are enabled. */
  readonly metricsUrl: string | undefined;
  /** Base URL of every listener by name (`egress` when routes or the AWS gateway are on). */
  readonly urls?: Readonly<Record<string, string>>;
  /** Settles when the first fetch of every service has ended (success or failure). */
  readonly primed: Promise<void>;
  /** Re-read the main config (SIGHUP); on error keep running and log why. */
  reload(): Promise<void>;
  /** Stop accepting, drain in-flight requests (bounded), stop timers and watchers. */
  stop(): Promise<void>;
}

/** The serve command's app: the real logger and STS around a sidecar, started. */
export async function startApp(options: StartAppOptions): Promise<RunningApp> {
  const logger = createLogger({
    level: options.logLevel,
    pretty: options.pretty,
    version: VERSION,
    ...(options.logDestination ? { destination: options.logDestination } : {}),
  });
  const warning = nodeSupportWarning(process.version);
  if (warning !== undefined) logger.warn({ node: process.version }, warning);
  // The SDK's environment, so a missing AWS_PROFILE is explained with the files it searched.
  const env = options.env ?? {};
  const sidecar = createSidecar(options.loaded, {
    logger,
    createAssumer: (timeouts) => createRoleAssumer({ ...timeouts, env }),
    reloadConfig: options.reloadConfig,
    ...(options.env ? { env: options.env } : {}),
    ...options.overrides,
  });
  const { urls, primed } = await sidecar.start();
  return {
    credentialsUrl: urls.credentials ?? '',
    metricsUrl: urls.metrics,
    urls,
    primed,
    reload: sidecar.reload,
    stop: sidecar.stop,
  };
}
