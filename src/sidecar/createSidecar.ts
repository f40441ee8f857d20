import type { Env } from '../config/env.js';
import type { LoadedConfig } from '../config/types.js';
import { createCredentialCache } from '../credentials/createCredentialCache.js';
import type { RoleAssumer } from '../credentials/ports.js';
import { type Clock, systemClock } from '../credentials/types.js';
import { createServiceSource } from '../dynamic/createServiceSource.js';
import { isLoopbackHost } from '../http/listen.js';
import { createAuthenticator } from '../identity/createAuthenticator.js';
import { createFailureLimiter, DEFAULT_FAILURE_LIMITS } from '../identity/createFailureLimiter.js';
import { createSecretLookup } from '../identity/createSecretLookup.js';
import { createTokenFiles } from '../identity/createTokenFiles.js';
import { createAuditTrail } from '../observability/createAuditTrail.js';
import { createFailureLog } from '../observability/createFailureLog.js';
import type { Logger } from '../observability/createLogger.js';
import { createMetrics } from '../observability/createMetrics.js';
import { logConfigWarnings } from '../observability/logConfigWarnings.js';
import { VERSION } from '../version.js';
import { createReloader } from './createReloader.js';
import { createServiceRegistry } from './createServiceRegistry.js';
import { DEFAULT_ADAPTERS } from './defaultAdapters.js';
import { createObservedJwtIdentity, toCacheObserver } from './observeParts.js';
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

/**
 * The composition root: builds every part from a frozen config and injected dependencies, and
 * does not listen (fastify's shape). Doors are adapters plugged in with the same interface.
 */
export function createSidecar(loaded: LoadedConfig, deps: SidecarDeps): Sidecar {
  const { logger } = deps;
  const clock = deps.clock ?? systemClock;
  let config = loaded.config;
  let draining = false;
  const metrics = config.metrics.enabled ? createMetrics(VERSION) : undefined;
  const audit = createAuditTrail(logger);
  let assumer = deps.createAssumer({
    requestTimeoutSeconds: config.credentials.requestTimeoutSeconds,
  });
  const credentials = createCredentialCache(config.credentials, {
    assumer: { assumeRole: (target, signer) => assumer.assumeRole(target, signer) },
    clock,
    random: deps.random ?? Math.random,
    logger: logger.child({ component: 'credentials' }),
    observer: toCacheObserver(audit, metrics, () => registry.services()),
  });
  const jwt = createObservedJwtIdentity(config.identity, clock, logger, metrics);
  const tokenFiles = createTokenFiles({
    clock,
    logger: logger.child({ component: 'token-files' }),
  });
  const registry = createServiceRegistry(credentials, metrics, tokenFiles, jwt);
  const now = () => clock.now();
  const context: SidecarContext = {
    logger,
    metrics,
    audit,
    authenticator: createAuthenticator({
      index: registry.tokens,
      limiter: createFailureLimiter({ ...DEFAULT_FAILURE_LIMITS, now }),
      jwt: () => jwt,
    }),
    secrets: createSecretLookup(registry.services, tokenFiles),
    failures: createFailureLog({ logger: logger.child({ component: 'http' }), now }),
    credentials,
    services: registry.services,
    config: () => config,
    draining: () => draining,
    version: VERSION,
    clock,
    env: deps.env ?? {},
  };
  const source = createServiceSource(config, deps.env ?? {}, logger, metrics);
  const listeners: Listener[] = (deps.adapters ?? DEFAULT_ADAPTERS).flatMap(
    (adapter) => adapter(context, config) ?? [],
  );
  const reload = createReloader({
    logger,
    metrics,
    clock,
    credentials,
    registry,
    source,
    reloadConfig: deps.reloadConfig,
    config: () => config,
    setConfig: (next) => {
      const kept = new Set(next.identity.jwt?.issuers.map((issuer) => issuer.name));
      for (const issuer of config.identity.jwt?.issuers ?? []) {
        if (!kept.has(issuer.name)) metrics?.forgetJwtIssuer(issuer.name);
      }
      config = next;
      jwt.configure(next.identity);
    },
    replaceAssumer(requestTimeoutSeconds) {
      const old = assumer;
      assumer = deps.createAssumer({ requestTimeoutSeconds });
      // Calls already on the wire finish on the old clients, bounded by the old timeout.
      clock.setTimer(REPLACED_ASSUMER_GRACE_MS, () => old.destroy?.());
    },
  });

  async function open(): Promise<Record<string, string>> {
    const urls: Record<string, string> = {};
    try {
      // Token files are on disk before any listener accepts a request.
      await tokenFiles.written();
      for (const listener of listeners) urls[listener.name] = await listener.listen();
    } catch (error) {
      await Promise.all(listeners.map((l) => l.close(0)));
      tokenFiles.stop();
      credentials.stop();
      jwt.close();
      assumer.destroy?.();
      throw error;
    }
    return urls;
  }

  return {
    context,
    async start() {
      logConfigWarnings(logger, loaded.warnings);
      registry.apply(await source.load());
      const urls = await open();
      logListening(logger, listeners, urls, registry.services().size);
      source.watch(async (next) => {
        const refetching = registry.apply(next);
        logger.info(
          { services: next.length, refetching },
          `services updated from dynamic files: ${next.length} in force, ${refetching} to fetch`,
        );
      });
      const primed = credentials.prime().then(() => logReadiness(logger, credentials.notReady()));
      return { urls, primed };
    },
    reload,
    async stop() {
      if (draining) return;
      draining = true;
      logger.info({}, 'draining: finishing in-flight requests');
      await source.close();
      await Promise.all(listeners.map((l) => l.close(DRAIN_GRACE_MS)));
      tokenFiles.stop();
      credentials.stop();
      jwt.close();
      assumer.destroy?.();
      logger.info({}, 'stopped');
    },
  };
}

/** Old STS clients live this long after a reload replaced them (the longest request_timeout). */
const REPLACED_ASSUMER_GRACE_MS = 120_000;

function logListening(
  logger: Logger,
  listeners: readonly Listener[],
  urls: Readonly<Record<string, string>>,
  services: number,
): void {
  for (const l of listeners) {
    if (!isLoopbackHost(l.host)) {
      logger.warn(
        { host: l.host, listener: l.name },
        `listening on non-loopback address ${l.host}: this exposes the ${l.exposes}`,
      );
    }
  }
  const hint = toConnectHint(urls.credentials);
  const where = urls.credentials ?? Object.values(urls).join(', ');
  logger.info(
    { ...urls, ...hint.fields, services },
    `credproxy ${VERSION} listening on ${where}. ${hint.message}`,
  );
}

function logReadiness(logger: Logger, notReady: readonly string[]): void {
  if (notReady.length === 0) {
    logger.info({}, 'ready: every service has credentials');
    return;
  }
  logger.warn(
    { notReady: notReady.slice(0, 20), count: notReady.length },
    `not ready: no credentials yet for ${notReady.length} service(s)`,
  );
}
