import type { CredentialsPolicyConfig } from '../config/types.js';
import {
  createServiceCredentials,
  type ServiceCredentials,
  type ServiceCredentialsDeps,
} from './createServiceCredentials.js';
import type { CredentialTarget } from './ports.js';
import { type RefreshPolicy, resolveRefreshPolicy } from './refreshPolicy.js';

/**
 * An immutable snapshot of every service's credentials, by service name. A reload builds a new
 * map and swaps it in one assignment, so a request never sees a half-applied change.
 */
export type CredentialTable = ReadonlyMap<string, ServiceCredentials>;

export interface CredentialCache {
  /** The table requests read. Replaced, never mutated. */
  table(): CredentialTable;
  /**
   * Make `targets` the served set. An unchanged definition keeps its credentials; a changed
   * role or source gets a fresh entry (the old set is never served for the new definition); a
   * removed service's credentials are dropped. Returns the entries that need a first fetch.
   */
  apply(targets: readonly CredentialTarget[]): ServiceCredentials[];
  /** New timing keys from a reload: every entry takes them (pending refreshes rescheduled). */
  setPolicy(policy: CredentialsPolicyConfig): void;
  /** Fetch the given entries (all by default) with at most `concurrency` STS calls at once. */
  prime(entries?: readonly ServiceCredentials[], concurrency?: number): Promise<void>;
  /** Names of the services with no servable set, in table order: `/ready` and the start log. */
  notReady(): string[];
  /** Names of the services whose last attempt failed (SIGHUP retries them at once). */
  failing(): ServiceCredentials[];
  /** Retire every entry: timers stop, nothing more is fetched. */
  stop(): void;
}

export const DEFAULT_PRIME_CONCURRENCY = 8;

export function createCredentialCache(
  initialPolicy: CredentialsPolicyConfig,
  deps: ServiceCredentialsDeps,
): CredentialCache {
  let policyConfig = initialPolicy;
  let current: CredentialTable = new Map();
  const policyFor = (target: CredentialTarget): RefreshPolicy =>
    resolveRefreshPolicy(
      policyConfig.refreshBufferSeconds,
      target.role.durationSeconds,
      policyConfig.retryDelaySeconds,
    );

  return {
    table: () => current,
    apply(targets) {
      const next = new Map<string, ServiceCredentials>();
      const fresh: ServiceCredentials[] = [];
      for (const target of targets) {
        const previous = current.get(target.name);
        const keep =
          previous !== undefined && sameCredentialSource(previous.target, target)
            ? previous
            : undefined;
        const entry = keep ?? createServiceCredentials(target, policyFor(target), deps);
        if (!keep) fresh.push(entry);
        next.set(target.name, entry);
      }
      const retiring = [...current.values()].filter((old) => next.get(old.target.name) !== old);
      current = next;
      for (const old of retiring) old.retire();
      return fresh;
    },
    setPolicy(policy) {
      policyConfig = policy;
      for (const entry of current.values()) entry.setPolicy(policyFor(entry.target));
    },
    async prime(entries = [...current.values()], concurrency = DEFAULT_PRIME_CONCURRENCY) {
      const queue = [...entries];
      const worker = async () => {
        for (let entry = queue.shift(); entry; entry = queue.shift()) await entry.refresh();
      };
      await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
    },
    notReady: () => [...current.values()].filter((e) => !e.current()).map((e) => e.target.name),
    failing: () => [...current.values()].filter((e) => e.lastError() !== undefined),
    stop() {
      for (const entry of current.values()) entry.retire();
    },
  };
}

/**
 * Credentials may be kept across a reload only when everything that shapes them is unchanged:
 * the source, the region and every AssumeRole parameter.
 */
function sameCredentialSource(a: CredentialTarget, b: CredentialTarget): boolean {
  return JSON.stringify([a.source, a.role]) === JSON.stringify([b.source, b.role]);
}
