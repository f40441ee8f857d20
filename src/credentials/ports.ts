import type { AssumeRoleParams, SourceCredentials } from '../config/types.js';
import type { CredentialsUnavailableError } from '../errors.js';
import type { Credentials } from './types.js';

/**
 * What the credential domain knows of a service: its name (for logs and metrics), how to reach
 * STS and which role to assume. Never its token or anything a door needs.
 */
export interface CredentialTarget {
  readonly name: string;
  readonly source: SourceCredentials;
  readonly role: AssumeRoleParams;
}

/**
 * Calls STS for one target. Implementations reject with a CredentialsUnavailableError whose
 * `transient` flag says whether the failure is worth a quick retry.
 */
export interface RoleAssumer {
  assumeRole(target: CredentialTarget): Promise<Credentials>;
}

/** What happened, for metrics and the audit trail. Every hook is optional and synchronous. */
export interface CacheObserver {
  /** A new set went into service: the first for this definition, or a refresh. */
  issued?(target: CredentialTarget, credentials: Credentials, kind: 'initial' | 'refresh'): void;
  /** One STS attempt failed; credproxy retries after `retryInMs`. */
  failed?(target: CredentialTarget, error: CredentialsUnavailableError, retryInMs: number): void;
  /** One STS call ended (success or failure) after `durationMs`. */
  stsCall?(target: CredentialTarget, outcome: 'success' | 'failure', durationMs: number): void;
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
