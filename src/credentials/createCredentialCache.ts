import type { CredentialsPolicyConfig, ServiceConfig } from '../config/types.js';
import { toTokenDigest } from '../identity/tokenDigest.js';
import {
  createServiceCredentials,
  type ServiceCredentials,
  type ServiceCredentialsDeps,
} from './createServiceCredentials.js';
import { resolveRefreshPolicy } from './refreshPolicy.js';

/** One service as a request sees it: its definition and its credentials. */
export interface ServiceEntry {
  readonly service: ServiceConfig;
  readonly credentials: ServiceCredentials;
}

/**
 * An immutable snapshot of every service, indexed by token digest and by name. A reload builds
 * a new table and swaps it in one assignment, so a request never sees a half-applied change.
 */
export interface ServiceTable {
  readonly byTokenDigest: ReadonlyMap<string, ServiceEntry>;
  readonly byName: ReadonlyMap<string, ServiceEntry>;
}

export interface CredentialCache {
  /** The table requests read. Replaced, never mutated. */
  table(): ServiceTable;
  /**
   * Make `services` the served set. An unchanged definition keeps its credentials; a changed
   * role or source gets a fresh entry (the old set is never served for the new definition); a
   * removed service's credentials are dropped. Returns the entries that need a first fetch.
   */
  apply(services: readonly ServiceConfig[]): ServiceEntry[];
  /** Fetch the given entries (all by default) with at most `concurrency` STS calls at once. */
  prime(entries?: readonly ServiceEntry[], concurrency?: number): Promise<void>;
  /** Retire every entry: timers stop, nothing more is fetched. */
  stop(): void;
}

export const DEFAULT_PRIME_CONCURRENCY = 8;

export function createCredentialCache(
  policyConfig: CredentialsPolicyConfig,
  deps: ServiceCredentialsDeps,
): CredentialCache {
  let current: ServiceTable = { byTokenDigest: new Map(), byName: new Map() };

  return {
    table: () => current,
    apply(services) {
      const byName = new Map<string, ServiceEntry>();
      const byTokenDigest = new Map<string, ServiceEntry>();
      const fresh: ServiceEntry[] = [];
      for (const service of services) {
        const previous = current.byName.get(service.name);
        const keep =
          previous !== undefined && sameCredentialSource(previous.service, service)
            ? previous.credentials
            : undefined;
        const entry: ServiceEntry = {
          service,
          credentials:
            keep ??
            createServiceCredentials(
              service,
              resolveRefreshPolicy(
                policyConfig.refreshBufferSeconds,
                service.role.durationSeconds,
                policyConfig.retryDelaySeconds,
              ),
              deps,
            ),
        };
        if (!keep) fresh.push(entry);
        byName.set(service.name, entry);
        byTokenDigest.set(toTokenDigest(service.authToken), entry);
      }
      const retiring = [...current.byName.values()].filter(
        (old) => byName.get(old.service.name)?.credentials !== old.credentials,
      );
      current = { byName, byTokenDigest };
      for (const old of retiring) old.credentials.retire();
      return fresh;
    },
    async prime(entries = [...current.byName.values()], concurrency = DEFAULT_PRIME_CONCURRENCY) {
      const queue = [...entries];
      const worker = async () => {
        for (let entry = queue.shift(); entry; entry = queue.shift()) {
          await entry.credentials.refresh();
        }
      };
      await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
    },
    stop() {
      for (const entry of current.byName.values()) entry.credentials.retire();
    },
  };
}

/**
 * Credentials may be kept across a reload only when everything that shapes them is unchanged:
 * the source, the region and every AssumeRole parameter. A token change alone keeps them.
 */
function sameCredentialSource(a: ServiceConfig, b: ServiceConfig): boolean {
  return JSON.stringify([a.source, a.role]) === JSON.stringify([b.source, b.role]);
}
