import type { IdentityConfig } from '../config/identityTypes.js';
import type { ServiceConfig } from '../config/types.js';
import type { CacheObserver } from '../credentials/ports.js';
import type { Clock } from '../credentials/types.js';
import { createJwtIdentity, type JwtIdentity } from '../identity/jwt/createJwtIdentity.js';
import type { AuditTrail } from '../observability/createAuditTrail.js';
import type { Logger } from '../observability/createLogger.js';
import type { Metrics } from '../observability/createMetrics.js';

/** What the credential cache reports, to the audit trail and the metrics. */
export function toCacheObserver(
  audit: AuditTrail,
  metrics: Metrics | undefined,
  services: () => ReadonlyMap<string, ServiceConfig>,
): CacheObserver {
  return {
    issued(target, set, kind) {
      const service = services().get(target.name);
      if (service) audit.fetched(service, set, kind, target.session);
      // The gauge follows the service's own set; per-session sets come and go with callers.
      if (target.session === undefined) metrics?.setCredentialsExpiry(target.name, set.expiresAtMs);
    },
    failed: (target, error) => metrics?.recordRefreshFailure(target.name, error.code),
    stsCall: (target, outcome, ms) => metrics?.recordStsCall(target.name, outcome, ms / 1000),
    sessionEvicted: (target) => metrics?.recordSessionEviction(target.name),
  };
}

/** The JWT identity, its key sets and verifications counted in the metrics. */
export function createObservedJwtIdentity(
  identity: IdentityConfig,
  clock: Clock,
  logger: Logger,
  metrics: Metrics | undefined,
): JwtIdentity {
  return createJwtIdentity(identity, [], {
    clock,
    logger: logger.child({ component: 'identity' }),
    keys: {
      loaded: (issuer, keys, atMs) => metrics?.setJwtKeys(issuer, keys, atMs),
      failed: (issuer) => metrics?.recordJwtKeyFailure(issuer),
    },
    verified: (result) => metrics?.recordJwtVerification(result),
  });
}
