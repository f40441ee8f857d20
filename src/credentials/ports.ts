import type { ServiceConfig } from '../config/types.js';
import type { CredentialsUnavailableError } from '../errors.js';
import type { Credentials } from './types.js';

/**
 * Calls STS for one service. Implementations reject with a CredentialsUnavailableError whose
 * `transient` flag says whether the failure is worth a quick retry.
 */
export interface RoleAssumer {
  assumeRole(service: ServiceConfig): Promise<Credentials>;
}

/** What happened, for metrics and the audit trail. Every hook is optional and synchronous. */
export interface CacheObserver {
  /** A new set went into service: the first for this definition, or a refresh. */
  issued?(service: ServiceConfig, credentials: Credentials, kind: 'initial' | 'refresh'): void;
  /** One STS attempt failed; credproxy retries after `retryInMs`. */
  failed?(service: ServiceConfig, error: CredentialsUnavailableError, retryInMs: number): void;
  /** One STS call ended (success or failure) after `durationMs`. */
  stsCall?(service: ServiceConfig, outcome: 'success' | 'failure', durationMs: number): void;
}
