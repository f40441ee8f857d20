import {
  createServiceCredentials,
  type ServiceCredentials,
  type ServiceCredentialsDeps,
} from './createServiceCredentials.js';
import type { CredentialSession, CredentialTarget } from './ports.js';
import type { RefreshPolicy } from './refreshPolicy.js';

/**
 * The per-session credential sets of one service definition: one `ServiceCredentials` per
 * distinct session key, created on first request, each with the service's refresh policy,
 * single flight and backoff. At most `maxSets` live at once; past that the least recently
 * requested set is retired (its timers stop) and reported, so memory and STS calls stay bounded
 * however many tag sets callers bring.
 */
export interface SessionVariants {
  /** The set for `session`, created when new. Synchronous: the warm path is a map lookup. */
  get(session: CredentialSession): ServiceCredentials;
  readonly size: number;
  setPolicy(policy: RefreshPolicy): void;
  retire(): void;
}

export function createSessionVariants(
  base: CredentialTarget,
  initialPolicy: RefreshPolicy,
  deps: ServiceCredentialsDeps,
  maxSets: number,
): SessionVariants {
  let policy = initialPolicy;
  // Map order is least recently requested first.
  const sets = new Map<string, ServiceCredentials>();

  return {
    get(session) {
      const found = sets.get(session.key);
      if (found !== undefined) {
        sets.delete(session.key);
        sets.set(session.key, found);
        return found;
      }
      if (sets.size >= Math.max(1, maxSets)) {
        const [oldestKey, oldest] = sets.entries().next().value ?? [];
        if (oldestKey !== undefined && oldest !== undefined) {
          sets.delete(oldestKey);
          oldest.retire();
          deps.observer.sessionEvicted?.(oldest.target);
        }
      }
      const target: CredentialTarget = { ...base, session };
      const created = createServiceCredentials(target, policy, deps);
      sets.set(session.key, created);
      return created;
    },
    get size() {
      return sets.size;
    },
    setPolicy(next) {
      policy = next;
      for (const entry of sets.values()) entry.setPolicy(next);
    },
    retire() {
      for (const entry of sets.values()) entry.retire();
      sets.clear();
    },
  };
}
