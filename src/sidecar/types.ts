import type { Env } from '../config/env.js';
import type { Config, ServiceConfig } from '../config/types.js';
import type { CredentialCache } from '../credentials/createCredentialCache.js';
import type { Clock } from '../credentials/types.js';
import type { Authenticator } from '../identity/createAuthenticator.js';
import type { SecretLookup } from '../identity/createSecretLookup.js';
import type { AuditTrail } from '../observability/createAuditTrail.js';
import type { FailureLog } from '../observability/createFailureLog.js';
import type { Logger } from '../observability/createLogger.js';
import type { Metrics } from '../observability/createMetrics.js';

/**
 * One door of the sidecar (the credential endpoint, metrics, later the egress proxy, the AWS
 * gateway, IMDS): a listener built from the sidecar's parts, opened by `start`, closed by `stop`.
 */
export interface Listener {
  /** Which door, for logs: `credentials`, `metrics`. */
  readonly name: string;
  /** The config key naming its port, for the port-in-use message (`server.port`). */
  readonly portKey: string;
  /** The address it binds (warned about when not loopback). */
  readonly host: string;
  /** What a non-loopback bind exposes, for that warning. */
  readonly exposes: string;
  /** Opens the socket; resolves with the base URL (`http://127.0.0.1:1338`). */
  listen(): Promise<string>;
  /** Stops accepting; in-flight requests get up to `graceMs` to finish. */
  close(graceMs: number): Promise<void>;
}

/** What every door may use. Everything is read through functions: a reload swaps the parts. */
export interface SidecarContext {
  readonly logger: Logger;
  readonly metrics: Metrics | undefined;
  readonly audit: AuditTrail;
  readonly authenticator: Authenticator;
  /** The tokens of a service by name (the AWS gateway verifies signatures made with them). */
  readonly secrets: SecretLookup;
  readonly failures: FailureLog;
  readonly credentials: CredentialCache;
  /** The services in force, by name. */
  services(): ReadonlyMap<string, ServiceConfig>;
  /** The main config in force (the last successful load). */
  config(): Config;
  draining(): boolean;
  readonly version: string;
  /** The sidecar's clock (fake in tests): for doors that expire things of their own. */
  readonly clock: Clock;
  /** The process environment as the CLI passed it (egress reads HTTPS_PROXY/NO_PROXY here). */
  readonly env: Env;
}

/**
 * Builds one door from the sidecar's parts; undefined when the config turns it off. A door the
 * config lists several times (one IMDS listener per entry) returns one Listener per entry.
 */
export type Adapter = (
  context: SidecarContext,
  config: Config,
) => Listener | readonly Listener[] | undefined;
