import { createHash } from 'node:crypto';
import type { AssumeRoleParams } from '../config/types.js';
import { CredentialsUnavailableError } from '../errors.js';
import { createServiceCredentials, type ServiceCredentials } from './createServiceCredentials.js';
import type { CacheObserver, CredentialTarget, RoleAssumer } from './ports.js';
import { JITTER_FRACTION, type RefreshPolicy } from './refreshPolicy.js';
import type { Clock, Credentials, DomainLogger } from './types.js';

/**
 * How long a set waits for the intermediate set it is made from. The intermediate's own STS
 * call is bounded by credentials.request_timeout; this only keeps a lost promise from pinning
 * the waiting set's single flight for good.
 */
export const INTERMEDIATE_WAIT_MS = 10 * 60_000;

export interface ChainedAssumerDeps {
  readonly clock: Clock;
  readonly random: () => number;
  readonly logger: DomainLogger;
  /** STS calls of intermediate sets are reported; their sets are not a service's. */
  readonly observer: Pick<CacheObserver, 'stsCall'>;
  readonly policyFor: (role: AssumeRoleParams) => RefreshPolicy;
}

export interface ChainedAssumer extends RoleAssumer {
  /** Keep the intermediate sets `targets` are made from; retire every other one. */
  retain(targets: readonly CredentialTarget[]): void;
  /** New timing from a reload, for every intermediate set. */
  reschedule(): void;
  stop(): void;
}

/**
 * Resolves `role.chain` above the STS port. Each chain prefix is an intermediate set built
 * like a service's own (createServiceCredentials: refresh ahead, single flight, backoff), kept
 * by a digest of source + prefix and shared by every service with that prefix. A role is
 * assumed with its prefix's credentials, and the set it makes never outlives them: its
 * expiresAtMs is the earliest expiry along the chain, so its refresh follows that one.
 * Lives in the domain, not in aws/, because the caching is the domain's: aws/ only learns
 * which credentials sign a call.
 */
export function createChainedAssumer(base: RoleAssumer, deps: ChainedAssumerDeps): ChainedAssumer {
  const intermediates = new Map<string, ServiceCredentials>();
  let stopped = false;

  const self: RoleAssumer = { assumeRole };

  function intermediateFor(
    target: CredentialTarget,
    role: AssumeRoleParams,
  ): {
    key: string;
    entry: ServiceCredentials;
  } {
    const key = toPrefixKey(target.source, role);
    let entry = intermediates.get(key);
    if (entry === undefined) {
      // Named for logs by its place and role; shared by every service with this prefix.
      const link: CredentialTarget = {
        name: `${role.roleArn} (chain[${role.chain?.length ?? 0}])`,
        source: target.source,
        role,
      };
      entry = createServiceCredentials(link, deps.policyFor(role), { ...deps, assumer: self });
      intermediates.set(key, entry);
    }
    return { key, entry };
  }

  /**
   * The intermediate's set, fresh enough that what is made from it does not arrive inside its
   * own refresh window (which would make it refresh again at once): refreshed first otherwise.
   */
  async function credentialsOf(entry: ServiceCredentials, leadMs: number): Promise<Credentials> {
    const freshFor = leadMs * (1 + JITTER_FRACTION);
    const held = entry.current();
    if (held !== undefined && held.expiresAtMs - deps.clock.now() > freshFor) return held;
    await entry.refresh();
    return entry.current() ?? entry.waitForCredentials(INTERMEDIATE_WAIT_MS);
  }

  async function assumeRole(target: CredentialTarget): Promise<Credentials> {
    const chain = target.role.chain ?? [];
    const parentLink = chain.at(-1);
    if (parentLink === undefined) return base.assumeRole(target);
    if (stopped) {
      throw new CredentialsUnavailableError('CREDENTIALS_PENDING', 'credproxy is stopping', true);
    }
    const parentRole = withChain(parentLink, chain.slice(0, -1));
    const parent = intermediateFor(target, parentRole);
    const signing = await credentialsOf(parent.entry, deps.policyFor(target.role).leadMs);
    const { chain: _prefix, ...own } = target.role;
    const made = await base.assumeRole(
      { ...target, role: own },
      { key: parent.key, credentials: signing },
    );
    return made.expiresAtMs <= signing.expiresAtMs
      ? made
      : { ...made, expiresAtMs: signing.expiresAtMs };
  }

  return {
    assumeRole,
    retain(targets) {
      const needed = new Set<string>();
      for (const target of targets) {
        const chain = target.role.chain ?? [];
        chain.forEach((link, index) => {
          needed.add(toPrefixKey(target.source, withChain(link, chain.slice(0, index))));
        });
      }
      for (const [key, entry] of intermediates) {
        if (!needed.has(key)) {
          entry.retire();
          intermediates.delete(key);
        }
      }
    },
    reschedule() {
      for (const entry of intermediates.values()) {
        entry.setPolicy(deps.policyFor(entry.target.role));
      }
    },
    stop() {
      stopped = true;
      for (const entry of intermediates.values()) entry.retire();
      intermediates.clear();
    },
  };
}

/**
 * The shortest session along a role's chain, in seconds: what its refresh lead is computed
 * from, since its set lives no longer than the shortest link it was made from.
 */
export function toChainDurationSeconds(role: AssumeRoleParams): number {
  return Math.min(role.durationSeconds, ...(role.chain ?? []).map((link) => link.durationSeconds));
}

function withChain(link: AssumeRoleParams, prefix: readonly AssumeRoleParams[]): AssumeRoleParams {
  return prefix.length === 0 ? link : { ...link, chain: prefix };
}

/**
 * An intermediate's key: a digest of its source and chain prefix, so the map holds no second
 * copy of a source's secret key.
 */
function toPrefixKey(source: CredentialTarget['source'], role: AssumeRoleParams): string {
  return createHash('sha256')
    .update(JSON.stringify([source, role]))
    .digest('base64');
}
