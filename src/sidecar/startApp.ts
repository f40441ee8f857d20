import type { Server } from 'node:http';
import { createRoleAssumer } from '../aws/createRoleAssumer.js';
import type { Env } from '../config/env.js';
import type { LoadedConfig, LogLevel, ServiceConfig } from '../config/types.js';
import { createCredentialCache } from '../credentials/createCredentialCache.js';
import { systemClock } from '../credentials/types.js';
import { createServiceSource } from '../dynamic/createServiceSource.js';
import { createCredentialRoute } from '../endpoint/createCredentialRoute.js';
import { createCredentialServer } from '../endpoint/createCredentialServer.js';
import { createRouter } from '../endpoint/createRouter.js';
import { close, isLoopbackHost, listen } from '../http/listen.js';
import { createFailureLimiter, DEFAULT_FAILURE_LIMITS } from '../identity/createFailureLimiter.js';
import { createAuditTrail } from '../observability/createAuditTrail.js';
import { createLogger } from '../observability/createLogger.js';
import { createMetrics } from '../observability/createMetrics.js';
import { createMetricsServer } from '../observability/createMetricsServer.js';
import { VERSION } from '../version.js';

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
}

/** A started credproxy: both listeners open; initial credentials are being fetched. */
export interface RunningApp {
  /** Base URL of the credential listener, e.g. `http://127.0.0.1:1338`. */
  readonly credentialsUrl: string;
  /** Base URL of the metrics listener, when metrics are enabled. */
  readonly metricsUrl: string | undefined;
  /** Settles when the first fetch of every service has ended (success or failure). */
  readonly primed: Promise<void>;
  /** Re-read the main config (SIGHUP); on error keep running and log why. */
  reload(): Promise<void>;
  /** Stop accepting, drain in-flight requests (bounded), stop timers and watchers. */
  stop(): Promise<void>;
}

/** SIGTERM drains for at most this long, then cuts the remaining connections. */
export const DRAIN_GRACE_MS = 4_000;

export async function startApp(options: StartAppOptions): Promise<RunningApp> {
  const { config } = options.loaded;
  const logger = createLogger({
    level: options.logLevel,
    pretty: options.pretty,
    version: VERSION,
    ...(options.logDestination ? { destination: options.logDestination } : {}),
  });
  for (const warning of options.loaded.warnings) {
    logger.warn({ file: warning.file, key: warning.path }, `config warning: ${warning.message}`);
  }

  const metrics = config.metrics.enabled ? createMetrics(VERSION) : undefined;
  const audit = createAuditTrail(logger);
  const assumer = createRoleAssumer({
    requestTimeoutSeconds: config.credentials.requestTimeoutSeconds,
  });
  const cache = createCredentialCache(config.credentials, {
    assumer,
    clock: systemClock,
    random: Math.random,
    logger: logger.child({ component: 'credentials' }),
    observer: {
      issued(service, credentials, kind) {
        audit.fetched(service, credentials, kind);
        metrics?.setCredentialsExpiry(service.name, credentials.expiresAtMs);
      },
      failed(service, error) {
        metrics?.recordRefreshFailure(service.name, error.code);
      },
      stsCall(service, outcome, durationMs) {
        metrics?.recordStsCall(service.name, outcome, durationMs / 1000);
      },
    },
  });

  let draining = false;
  let logHealthChecks = config.server.logHealthChecks;
  const applyServices = (services: readonly ServiceConfig[]) => {
    const before = new Set(cache.table().byName.keys());
    const fresh = cache.apply(services);
    for (const name of before) if (!cache.table().byName.has(name)) metrics?.forgetService(name);
    metrics?.setActiveServices('static', services.filter((s) => s.origin.kind === 'static').length);
    metrics?.setActiveServices(
      'dynamic',
      services.filter((s) => s.origin.kind === 'dynamic').length,
    );
    return fresh;
  };
  const source = createServiceSource(config, options.env ?? {}, logger, metrics);
  applyServices(await source.load());

  const httpLogger = logger.child({ component: 'http' });
  const server: Server = createCredentialServer(
    createCredentialRoute({
      table: cache.table,
      limiter: createFailureLimiter({ ...DEFAULT_FAILURE_LIMITS, now: () => Date.now() }),
      recordRequest: metrics ? metrics.recordRequest : () => undefined,
      served: (entry, credentials, client) => audit.served(entry.service, credentials, client),
      logger: httpLogger,
      draining: () => draining,
    }),
    createRouter({
      table: cache.table,
      logger: httpLogger,
      get logHealthChecks() {
        return logHealthChecks;
      },
      draining: () => draining,
      version: VERSION,
    }),
  );
  // While draining, every response (express's too) closes its connection.
  server.prependListener('request', (_req, res) => {
    if (draining) res.shouldKeepAlive = false;
  });
  const metricsServer = metrics ? createMetricsServer(metrics.registry) : undefined;

  let credentialsUrl: string;
  let metricsUrl: string | undefined;
  try {
    credentialsUrl = await listen(server, config.server.host, config.server.port, 'server.port');
    if (metricsServer) {
      metricsUrl = await listen(
        metricsServer,
        config.metrics.host,
        config.metrics.port,
        'metrics.prometheus.port',
      );
    }
  } catch (error) {
    cache.stop();
    assumer.destroy();
    await Promise.all([close(server, 0), metricsServer ? close(metricsServer, 0) : undefined]);
    throw error;
  }
  warnIfExposed(
    logger,
    config.server.host,
    'credential endpoint (anyone who can reach it may try tokens)',
  );
  if (metricsServer)
    warnIfExposed(logger, config.metrics.host, 'metrics (service names and request counts)');

  logger.info(
    {
      credentialsUrl,
      metricsUrl,
      services: [...cache.table().byName.keys()],
    },
    `credproxy ${VERSION} listening on ${credentialsUrl}`,
  );

  source.watch(async (services) => {
    const fresh = applyServices(services);
    logger.info(
      { services: services.map((s) => s.name), refetching: fresh.length },
      'services updated from dynamic files',
    );
    await cache.prime(fresh);
  });

  const primed = cache.prime().then(() => {
    const notReady = [...cache.table().byName.values()]
      .filter((entry) => !entry.credentials.current())
      .map((entry) => entry.service.name);
    if (notReady.length === 0) logger.info({ services: cache.table().byName.size }, 'ready');
    else logger.warn({ notReady }, `not ready: no credentials yet for ${notReady.join(', ')}`);
  });

  return {
    credentialsUrl,
    metricsUrl,
    primed,
    async reload() {
      let loaded: LoadedConfig;
      try {
        loaded = await options.reloadConfig();
      } catch (error) {
        metrics?.recordConfigReload('failure', 'main');
        logger.error(
          { err: error instanceof Error ? { message: error.message } : undefined },
          'config reload failed; the running configuration stays in force',
        );
        return;
      }
      for (const warning of loaded.warnings) {
        logger.warn(
          { file: warning.file, key: warning.path },
          `config warning: ${warning.message}`,
        );
      }
      logHealthChecks = loaded.config.server.logHealthChecks;
      const services = await source.reconfigure(loaded.config);
      const fresh = applyServices(services);
      metrics?.recordConfigReload('success', 'main');
      logger.info(
        { services: services.map((s) => s.name), refetching: fresh.length },
        'config reloaded',
      );
      // An operator who fixed a trust policy or source credentials sends SIGHUP: retry every
      // failing service now instead of after its (up to 30-minute) backoff.
      const failing = [...cache.table().byName.values()].filter(
        (entry) => entry.credentials.lastError() !== undefined && !fresh.includes(entry),
      );
      await cache.prime([...fresh, ...failing]);
    },
    async stop() {
      if (draining) return;
      draining = true;
      logger.info({}, 'draining: finishing in-flight requests');
      await source.close();
      await Promise.all([
        close(server, DRAIN_GRACE_MS),
        metricsServer ? close(metricsServer, 0) : Promise.resolve(),
      ]);
      cache.stop();
      assumer.destroy();
      logger.info({}, 'stopped');
    },
  };
}

function warnIfExposed(logger: ReturnType<typeof createLogger>, host: string, what: string): void {
  if (!isLoopbackHost(host)) {
    logger.warn({ host }, `listening on non-loopback address ${host}: this exposes the ${what}`);
  }
}
