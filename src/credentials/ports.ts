import type { AssumeRoleParams, SourceCredentials } from '../config/types.js';
import type { CredentialsUnavailableError } from '../errors.js';
import type { Credentials } from './types.js';

/**
 * Who the caller is beyond the service, as STS session tags and a source identity (from a
 * verified JWT's claims). Every distinct `key` of a service is its own credential set: two
 * tenants never share one, one tenant's many sandboxes do.
 */
export interface CredentialSession {
  /** Added to the role's own Tags. Values are claim values (safe to log, never secrets). */
  readonly tags: readonly { readonly key: string; readonly value: string }[];
  readonly transitiveTagKeys: readonly string[];
  readonly sourceIdentity?: string;
  /** Canonical form of the three above: equal keys mean equal AssumeRole parameters. */
  readonly key: string;
}

/**
 * What the credential domain knows of a service: its name (for logs and metrics), how to reach
 * STS and which role to assume, and for a per-session set the session's tags. Never its token
 * or anything a door needs.
 */
export interface CredentialTarget {
  readonly name: string;
  readonly source: SourceCredentials;
  readonly role: AssumeRoleParams;
  /** Set on a per-session variant of the service; absent on the service's own set. */
  readonly session?: CredentialSession;
}

/**
 * Role credentials that sign a chained AssumeRole instead of the target's source. `key` names
 * the chain prefix that made them (a digest, never a secret): one STS client per prefix.
 */
export interface SigningCredentials {
  readonly key: string;
  readonly credentials: Credentials;
}

/**
 * Calls STS for one target: AssumeRole signed by `signer` when given, else by the target's
 * source (AssumeRoleWithWebIdentity for a web-identity source). A role's `chain` is resolved
 * above this port (createChainedAssumer), never by it. Implementations reject with a
 * CredentialsUnavailableError whose `transient` flag says whether a quick retry is worth it.
 */
export interface RoleAssumer {
  assumeRole(target: CredentialTarget, signer?: SigningCredentials): Promise<Credentials>;
}

/** What happened, for metrics and the audit trail. Every hook is optional and synchronous. */
export interface CacheObserver {
  /** A new set went into service: the first for this definition, or a refresh. */
  issued?(target: CredentialTarget, credentials: Credentials, kind: 'initial' | 'refresh'): void;
  /** One STS attempt failed; credproxy retries after `retryInMs`. */
  failed?(target: CredentialTarget, error: CredentialsUnavailableError, retryInMs: number): void;
  /** One STS call ended (success or failure) after `durationMs`. */
  stsCall?(target: CredentialTarget, outcome: 'success' | 'failure', durationMs: number): void;
  /** A per-session set was dropped to keep a service within its cap of distinct sets. */
  sessionEvicted?(target: CredentialTarget): void;
}

/** The three parts of a service definition the domain needs, copied so no token rides along. */
export function toCredentialTarget(service: CredentialTarget): CredentialTarget {
  return { name: service.name, source: service.source, role: service.role };
}

/** Whether a service definition has a role to assume (egress-only services have none). */
export function hasRole<
  T extends {
    readonly role?: AssumeRoleParams | undefined;
    readonly source?: SourceCredentials | undefined;
  },
>(service: T): service is T & Pick<CredentialTarget, 'role' | 'source'> {
  return service.role !== undefined && service.source !== undefined;
}
