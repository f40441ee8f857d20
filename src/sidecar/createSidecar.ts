import type { Env } from '../config/env.js';
import type { LoadedConfig, ServiceConfig } from '../config/types.js';
import { createCredentialCache } from '../credentials/createCredentialCache.js';
import { hasRole, type RoleAssumer, toCredentialTarget } from '../credentials/ports.js';
import { type Clock, systemClock } from '../credentials/types.js';
import { createServiceSource } from '../dynamic/createServiceSource.js';
import { createEgressEndpoint } from '../egress/createEgressEndpoint.js';
import { createCredentialEndpoint } from '../endpoint/createCredentialEndpoint.js';
import { isLoopbackHost } from '../http/listen.js';
import { createAuthenticator } from '../identity/createAuthenticator.js';
import { createFailureLimiter, DEFAULT_FAILURE_LIMITS } from '../identity/createFailureLimiter.js';
import { createTokenIndex, type TokenIndex } from '../identity/createTokenIndex.js';
import { createAuditTrail } from '../observability/createAuditTrail.js';
import { createFailureLog } from '../observability/createFailureLog.js';
import type { Logger } from '../observability/createLogger.js';
import { createMetrics } from '../observability/createMetrics.js';
import { createMetricsEndpoint } from '../observability/createMetricsEndpoint.js';
import { logConfigWarnings } from '../observability/logConfigWarnings.js';
import { VERSION } from '../version.js';
import { createReloadQueue } from './createReloadQueue.js';
import { toConfigChanges } from './toConfigChanges.js';
import { toConnectHint } from './toConnectHint.js';
import type { Adapter, Listener, SidecarContext } from './types.js';

/** A role assumer the sidecar owns: built for a request timeout, destroyed when replaced. */
export type OwnedAssumer = RoleAssumer & { destroy?(): void };

export interface SidecarDeps {
  readonly logger: Logger;
  /** Builds the STS caller for `credentials.request_timeout`; called again when a reload changes it. */
  readonly createAssumer: (options: { readonly requestTimeoutSeconds: number }) => OwnedAssumer;
  /** Re-reads and validates the main config file (SIGHUP). Rejects with a ConfigError. */
  readonly reloadConfig: () => Promise<LoadedConfig>;
  readonly clock?: Clock;
  readonly random?: () => number;
  /** The environment: substitutions in dynamic service files, the egress HTTPS_PROXY/NO_PROXY. */
  readonly env?: Env;
  /** The doors; default the credential endpoint and metrics. */
  readonly adapters?: readonly Adapter[];
}

/** A started sidecar: every listener open; the first credential fetches run in the background. */
export interface RunningSidecar {
  /** Base URL of each listener by name (`credentials`, `metrics`). */
  readonly urls: Readonly<Record<string, string>>;
  /** Settles when the first fetch of every service has ended (success or failure). */
  readonly primed: Promise<void>;
}

export interface Sidecar {
  /** Reads dynamic files, opens every listener, then fetches credentials in the background. */
  start(): Promise<RunningSidecar>;
  /** Re-read the main config (SIGHUP); serialized and coalesced; on error the old one stays. */
  reload(): Promise<void>;
  /** Stop accepting, drain in-flight requests (bounded), stop timers and watchers. */
  stop(): Promise<void>;
  /** The parts, for tests and adapters. */
  readonly context: SidecarContext;
}

/** SIGTERM drains for at most this long, then cuts the remaining connections. */
export const DRAIN_GRACE_MS = 4_000;
export const DEFAULT_ADAPTERS: readonly Adapter[] = [
  createCredentialEndpoint,
  createMetricsEndpoint,
  createEgressEndpoint,
];

/**
 * The composition root: builds every part from a frozen config and injected dependencies, and
 * does not listen (fastify's shape). Doors are adapters plugged in with the same interface.
 */
export function createSidecar(loaded: LoadedConfig, deps: SidecarDeps): Sidecar {
  const { logger } = deps;
  const clock = deps.clock ?? systemClock;
  let config = loaded.config;
  let draining = false;
  let services: ReadonlyMap<string, ServiceConfig> = new Map();
  let tokens: TokenIndex = createTokenIndex([]);

  const metrics = config.metrics.enabled ? createMetrics(VERSION) : undefined;
  const audit = createAuditTrail(logger);
  let assumer = deps.createAssumer({
    requestTimeoutSeconds: config.credentials.requestTimeoutSeconds,
  });
  const credentials = createCredentialCache(config.credentials, {
    assumer: { assumeRole: (target) => assumer.assumeRole(target) },
    clock,
    random: deps.random ?? Math.random,
    logger: logger.child({ component: 'credentials' }),
    observer: {
      issued(target, set, kind) {
        const service = services.get(target.name);
        if (service) audit.fetched(service, set, kind);
        metrics?.setCredentialsExpiry(target.name, set.expiresAtMs);
      },
      failed: (target, error) => metrics?.recordRefreshFailure(target.name, error.code),
      stsCall: (target, outcome, ms) => metrics?.recordStsCall(target.name, outcome, ms / 1000),
    },
  });
  const now = () => clock.now();
  const context: SidecarContext = {
    logger,
    metrics,
    audit,
    authenticator: createAuthenticator({
      index: () => tokens,
      limiter: createFailureLimiter({ ...DEFAULT_FAILURE_LIMITS, now }),
    }),
    failures: createFailureLog({ logger: logger.child({ component: 'http' }), now }),
    credentials,
    services: () => services,
    config: () => config,
    draining: () => draining,
    version: VERSION,
    env: deps.env ?? {},
  };
  const source = createServiceSource(config, deps.env ?? {}, logger, metrics);
  const listeners: Listener[] = (deps.adapters ?? DEFAULT_ADAPTERS)
    .map((adapter) => adapter(context, config))
    .filter((listener): listener is Listener => listener !== undefined);

  /**
   * The one place services change: token index, definitions and credential table are swapped in
   * one synchronous step, so a removed or rotated token stops matching at once. Fetching
   * credentials for new definitions happens in the background and never delays the swap.
   */
  function applyServices(next: readonly ServiceConfig[]): number {
    const previous = services;
    services = new Map(next.map((s) => [s.name, s]));
    const removed = [...previous.keys()].filter((name) => !services.has(name));
    tokens = createTokenIndex(next);
    const fresh = credentials.apply(next.filter(hasRole).map(toCredentialTarget));
    for (const name of removed) metrics?.forgetService(name);
    const dynamic = next.filter((s) => s.origin.kind === 'dynamic').length;
    metrics?.setActiveServices('static', next.length - dynamic);
    metrics?.setActiveServices('dynamic', dynamic);
    void credentials.prime(fresh);
    return fresh.length;
  }

  function applyConfig(next: LoadedConfig): void {
    const changes = toConfigChanges(config, next.config);
    config = next.config;
    logConfigWarnings(logger, next.warnings);
    if (changes.refreshPolicy) credentials.setPolicy(config.credentials);
    if (changes.requestTimeout) {
      const old = assumer;
      assumer = deps.createAssumer({
        requestTimeoutSeconds: config.credentials.requestTimeoutSeconds,
      });
      // Calls already on the wire finish on the old clients; they are bounded by the old timeout.
      clock.setTimer(60_000, () => old.destroy?.());
    }
    if (changes.needRestart.length > 0) {
      logger.warn(
        { keys: changes.needRestart },
        `config reload: ${changes.needRestart.join(', ')} changed; these take effect only after a restart`,
      );
    }
  }

  async function runReload(): Promise<void> {
    let next: LoadedConfig;
    try {
      next = await deps.reloadConfig();
    } catch (error) {
      metrics?.recordConfigReload('failure', 'main');
      const code = error instanceof Error && 'code' in error ? String(error.code) : 'INTERNAL';
      const message = error instanceof Error ? error.message : 'unknown error';
      logger.error(
        { code, err: { message } },
        `config reload failed (${code}); the running configuration stays in force`,
      );
      return;
    }
    applyConfig(next);
    const all = await source.reconfigure(next.config);
    const refetching = applyServices(all);
    metrics?.recordConfigReload('success', 'main');
    logger.info(
      { services: all.length, refetching },
      `config reloaded: ${all.length} service(s), ${refetching} to fetch`,
    );
    // An operator who fixed a trust policy or source credentials sends SIGHUP: retry every
    // failing service now instead of after its backoff.
    void credentials.prime(credentials.failing());
  }

  return {
    context,
    async start() {
      logConfigWarnings(logger, loaded.warnings);
      applyServices(await source.load());
      const urls: Record<string, string> = {};
      try {
        for (const listener of listeners) urls[listener.name] = await listener.listen();
      } catch (error) {
        await Promise.all(listeners.map((l) => l.close(0)));
        credentials.stop();
        assumer.destroy?.();
        throw error;
      }
      for (const l of listeners) {
        if (!isLoopbackHost(l.host)) {
          logger.warn(
            { host: l.host, listener: l.name },
            `listening on non-loopback address ${l.host}: this exposes the ${l.exposes}`,
          );
        }
      }
      const hint = toConnectHint(urls.credentials);
      logger.info(
        { ...urls, ...hint.fields, services: services.size },
        `credproxy ${VERSION} listening on ${urls.credentials ?? Object.values(urls).join(', ')}. ${hint.message}`,
      );
      source.watch(async (next) => {
        const refetching = applyServices(next);
        logger.info(
          { services: next.length, refetching },
          `services updated from dynamic files: ${next.length} in force`,
        );
      });
      const primed = credentials.prime().then(() => {
        const notReady = credentials.notReady();
        if (notReady.length === 0) logger.info({ services: services.size }, 'ready');
        else
          logger.warn(
            { notReady: notReady.slice(0, 20), count: notReady.length },
            `not ready: no credentials yet for ${notReady.length} service(s)`,
          );
      });
      return { urls, primed };
    },
    reload: createReloadQueue(runReload),
    async stop() {
      if (draining) return;
      draining = true;
      logger.info({}, 'draining: finishing in-flight requests');
      await source.close();
      await Promise.all(listeners.map((l) => l.close(DRAIN_GRACE_MS)));
      credentials.stop();
      assumer.destroy?.();
      logger.info({}, 'stopped');
    },
  };
}
