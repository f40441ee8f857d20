import type { Config } from '../config/types.js';

/** What a reloaded main config changes beyond the services, and how each change is applied. */
export interface ConfigChanges {
  /** refresh_buffer_seconds or retry_delay: every credential set is rescheduled. */
  readonly refreshPolicy: boolean;
  /** request_timeout: new STS clients for the next calls. */
  readonly requestTimeout: boolean;
  /** Keys read only at start (listeners): named in a warning; the old values stay in force. */
  readonly needRestart: readonly string[];
}

/** Keys that shape a listener: changing them means reopening a socket, which a reload does not. */
const RESTART_KEYS: ReadonlyArray<readonly [string, (c: Config) => unknown]> = [
  ['server.host', (c) => c.server.host],
  ['server.port', (c) => c.server.port],
  // The log level is resolved once at start (flag, environment, then this key).
  ['server.debug', (c) => c.server.debug],
  ['metrics.prometheus.enabled', (c) => c.metrics.enabled],
  ['metrics.prometheus.host', (c) => c.metrics.host],
  ['metrics.prometheus.port', (c) => c.metrics.port],
  // One listener per entry: a change would open or close sockets.
  ['imds', (c) => JSON.stringify(c.imds)],
  ['proxy.host', (c) => c.proxy.host],
  ['proxy.port', (c) => c.proxy.port],
  // The egress listener is opened at start only when routes exist or the AWS gateway is on;
  // once open, routes and proxy.aws are read per request.
  [
    'proxy.routes / proxy.aws.enabled (egress listener open or not)',
    (c) => c.proxy.routes.length > 0 || c.proxy.aws !== undefined,
  ],
];

/**
 * Every key a SIGHUP reads is either applied or named as needing a restart; none is ignored
 * silently. `server.log_health_checks`, `aws_defaults`, services and `dynamic_services` are
 * applied by the reload itself, `identity` by the sidecar when the config is set (JWT issuers
 * and keys rebuilt when changed).
 */
export function toConfigChanges(before: Config, after: Config): ConfigChanges {
  const a = before.credentials;
  const b = after.credentials;
  return {
    refreshPolicy:
      a.refreshBufferSeconds !== b.refreshBufferSeconds ||
      a.retryDelaySeconds !== b.retryDelaySeconds,
    requestTimeout: a.requestTimeoutSeconds !== b.requestTimeoutSeconds,
    needRestart: RESTART_KEYS.filter(([, read]) => read(before) !== read(after)).map(
      ([key]) => key,
    ),
  };
}
