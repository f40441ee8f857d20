import type { AssumeRoleParams, CredentialsPolicyConfig } from '../config/types.js';
import { createChainedAssumer, toChainDurationSeconds } from './createChainedAssumer.js';
import {
  createServiceCredentials,
  type ServiceCredentials,
  type ServiceCredentialsDeps,
} from './createServiceCredentials.js';
import { createSessionVariants, type SessionVariants } from './createSessionVariants.js';
import type { CredentialSession, CredentialTarget } from './ports.js';
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
   * The set of service `name` for one caller session (session tags, source identity), created
   * on first request and fetched by the caller's wait; undefined when the service is unknown.
   * Variants live as long as their service's definition, at most `maxSessionSets` per service.
   */
  session(name: string, session: CredentialSession): ServiceCredentials | undefined;
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
/** Distinct session sets kept per service; the least recently requested goes first. */
export const DEFAULT_MAX_SESSION_SETS = 1_000;

export interface CredentialCacheOptions {
  readonly maxSessionSets?: number;
}

export function createCredentialCache(
  initialPolicy: CredentialsPolicyConfig,
  serviceDeps: ServiceCredentialsDeps,
  options: CredentialCacheOptions = {},
): CredentialCache {
  const maxSessionSets = options.maxSessionSets ?? DEFAULT_MAX_SESSION_SETS;
  let policyConfig = initialPolicy;
  // A set lives no longer than the shortest session of its chain: its lead follows that one.
  const policyForRole = (role: AssumeRoleParams): RefreshPolicy =>
    resolveRefreshPolicy(
      policyConfig.refreshBufferSeconds,
      toChainDurationSeconds(role),
      policyConfig.retryDelaySeconds,
    );
  const chained = createChainedAssumer(serviceDeps.assumer, {
    clock: serviceDeps.clock,
    random: serviceDeps.random,
    logger: serviceDeps.logger,
    observer: {
      stsCall: (target, outcome, ms) => serviceDeps.observer.stsCall?.(target, outcome, ms),
    },
    policyFor: policyForRole,
  });
  const deps: ServiceCredentialsDeps = { ...serviceDeps, assumer: chained };
  let current: CredentialTable = new Map();
  // Per-session sets hang off the service entry they were made for: a changed definition
  // starts with none, and retiring an entry retires its variants.
  let variants = new Map<ServiceCredentials, SessionVariants>();
  const policyFor = (target: CredentialTarget): RefreshPolicy => policyForRole(target.role);

  return {
    table: () => current,
    session(name, session) {
      const entry = current.get(name);
      if (entry === undefined) return undefined;
      let sets = variants.get(entry);
      if (sets === undefined) {
        sets = createSessionVariants(entry.target, policyFor(entry.target), deps, maxSessionSets);
        variants.set(entry, sets);
      }
      return sets.get(session);
    },
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
      const kept = new Map<ServiceCredentials, SessionVariants>();
      for (const [entry, sets] of variants) {
        if (next.get(entry.target.name) === entry) kept.set(entry, sets);
        else sets.retire();
      }
      variants = kept;
      for (const old of retiring) old.retire();
      chained.retain(targets);
      return fresh;
    },
    setPolicy(policy) {
      policyConfig = policy;
      for (const entry of current.values()) entry.setPolicy(policyFor(entry.target));
      for (const [entry, sets] of variants) sets.setPolicy(policyFor(entry.target));
      chained.reschedule();
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
      for (const sets of variants.values()) sets.retire();
      variants.clear();
      chained.stop();
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
