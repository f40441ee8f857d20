import type { Env } from '../config/env.js';
import type { Config, LoadedConfig, ServiceConfig } from '../config/types.js';
import type { CredentialCache } from '../credentials/createCredentialCache.js';
import type { Clock } from '../credentials/types.js';
import type { ServiceSource } from '../dynamic/createServiceSource.js';
import { isCredproxyError } from '../errors.js';
import type { Logger } from '../observability/createLogger.js';
import type { Metrics } from '../observability/createMetrics.js';
import { logConfigWarnings } from '../observability/logConfigWarnings.js';
import { createReloadQueue } from './createReloadQueue.js';
import type { ServiceRegistry } from './createServiceRegistry.js';
import { toConfigChanges } from './toConfigChanges.js';

export interface ReloaderDeps {
  readonly logger: Logger;
  readonly metrics: Metrics | undefined;
  readonly clock: Clock;
  readonly credentials: CredentialCache;
  readonly registry: ServiceRegistry;
  readonly source: ServiceSource;
  readonly reloadConfig: () => Promise<LoadedConfig>;
  /** The config in force, and how to replace it. */
  readonly config: () => Config;
  readonly setConfig: (config: Config) => void;
  /** A new STS caller for a changed `credentials.request_timeout`. */
  readonly replaceAssumer: (requestTimeoutSeconds: number) => void;
  readonly env?: Env;
}

/**
 * SIGHUP: re-read the main config, apply every key it can (credential timing, STS timeout,
 * services, dynamic directories, health-check logging) and name the ones that need a restart.
 * On error the running config stays. Serialized and coalesced (createReloadQueue).
 */
export function createReloader(deps: ReloaderDeps): () => Promise<void> {
  const { logger, metrics } = deps;

  function applyConfig(next: LoadedConfig): void {
    const changes = toConfigChanges(deps.config(), next.config);
    deps.setConfig(next.config);
    logConfigWarnings(logger, next.warnings);
    const { credentials } = next.config;
    if (changes.refreshPolicy) deps.credentials.setPolicy(credentials);
    if (changes.requestTimeout) deps.replaceAssumer(credentials.requestTimeoutSeconds);
    if (changes.needRestart.length > 0) {
      const keys = changes.needRestart;
      logger.warn(
        { keys },
        `config reload: ${keys.join(', ')} changed; these take effect only after a restart`,
      );
    }
  }

  async function reload(): Promise<void> {
    let next: LoadedConfig;
    try {
      next = await deps.reloadConfig();
    } catch (error) {
      metrics?.recordConfigReload('failure', 'main');
      // Only our own messages are logged: they name keys, never values. Anything else (a bug)
      // could carry text from the file.
      const code = isCredproxyError(error) ? error.code : 'INTERNAL';
      const message = isCredproxyError(error) ? error.message : 'unexpected error while reading it';
      // Not under `err`: pino's error serializer would print an empty stack and no code.
      logger.error(
        { code, reason: message },
        `config reload failed (${code}); the running configuration stays in force: ${message}`,
      );
      return;
    }
    const before = deps.registry.services();
    const changed = JSON.stringify(deps.config()) !== JSON.stringify(next.config);
    applyConfig(next);
    const all = await deps.source.reconfigure(next.config);
    const refetching = deps.registry.apply(all);
    if (changed || !sameServices(before, all)) {
      metrics?.recordConfigReload('success', 'main');
      logger.info(
        { services: all.length, refetching },
        `config reloaded: ${all.length} service(s) in force, ${refetching} to fetch`,
      );
    } else {
      logger.info({ services: all.length }, 'config reloaded: nothing changed');
    }
    // An operator who fixed a trust policy or source credentials sends SIGHUP: retry every
    // failing service now instead of after its backoff.
    void deps.credentials.prime(deps.credentials.failing());
  }

  return createReloadQueue(reload);
}

/** The same definitions by name (static and dynamic): frozen plain data, so JSON compares. */
function sameServices(
  before: ReadonlyMap<string, ServiceConfig>,
  after: readonly ServiceConfig[],
): boolean {
  if (before.size !== after.length) return false;
  return after.every((s) => JSON.stringify(before.get(s.name)) === JSON.stringify(s));
}
