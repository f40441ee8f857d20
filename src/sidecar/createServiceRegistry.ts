import type { ServiceConfig } from '../config/types.js';
import type { CredentialCache } from '../credentials/createCredentialCache.js';
import { hasRole, toCredentialTarget } from '../credentials/ports.js';
import type { TokenFiles } from '../identity/createTokenFiles.js';
import { createTokenIndex, type TokenIndex } from '../identity/createTokenIndex.js';
import type { JwtIdentity } from '../identity/jwt/createJwtIdentity.js';
import type { Metrics } from '../observability/createMetrics.js';

/**
 * The services in force, their token index and which JWTs select them: what every door reads,
 * swapped as one.
 */
export interface ServiceRegistry {
  services(): ReadonlyMap<string, ServiceConfig>;
  tokens(): TokenIndex;
  /**
   * Make `next` the services in force. The token index, the JWT service selection (and its
   * cached decisions), the definitions and the credential table are swapped in one synchronous
   * step, so a removed or rotated token stops matching at once; credentials for new definitions are fetched in the background and never delay the
   * swap. Returns how many services need a fetch.
   */
  apply(next: readonly ServiceConfig[]): number;
}

export function createServiceRegistry(
  credentials: CredentialCache,
  metrics: Metrics | undefined,
  /** Generated tokens (token_file), indexed with the static ones and started in the same step. */
  tokenFiles?: TokenFiles,
  /** JWT identity: its service selection is swapped in the same step. */
  jwt?: JwtIdentity,
): ServiceRegistry {
  let services: ReadonlyMap<string, ServiceConfig> = new Map();
  let tokens: TokenIndex = createTokenIndex([]);

  return {
    services: () => services,
    tokens: () => tokens,
    apply(next) {
      const previous = services;
      services = new Map(next.map((s) => [s.name, s]));
      tokenFiles?.apply(next);
      tokens = createTokenIndex(next, tokenFiles);
      jwt?.setServices(next);
      // A service with only egress routes never calls STS: it has no credential entry.
      const fresh = credentials.apply(next.filter(hasRole).map(toCredentialTarget));
      for (const name of previous.keys()) if (!services.has(name)) metrics?.forgetService(name);
      const dynamic = next.filter((s) => s.origin.kind === 'dynamic').length;
      metrics?.setActiveServices('static', next.length - dynamic);
      metrics?.setActiveServices('dynamic', dynamic);
      void credentials.prime(fresh);
      return fresh.length;
    },
  };
}
