import type { ImdsListenerConfig } from './doorTypes.js';
import type { IssueCollector } from './issues.js';
import { isRecord } from './keyPath.js';

/** What the `imds` rules check an entry against. */
export interface ImdsContext {
  readonly issues: IssueCollector;
  /** Names of the static services. */
  readonly services: ReadonlySet<string>;
  /** With dynamic services, a listener may name a service a dynamic file will define. */
  readonly dynamicEnabled: boolean;
  /** Ports already taken by other listeners, with their config keys (0 is never a clash). */
  readonly ports: ReadonlyArray<readonly [key: string, port: number]>;
}

/**
 * Normalizes the schema-valid `imds` list. IMDS has no per-request identity, so a listener is
 * the identity: each names one service, and a service has at most one listener. A name no
 * static service has is an error, or a warning when a dynamic file may still define it.
 */
export function toImdsListeners(list: unknown, context: ImdsContext): ImdsListenerConfig[] {
  const { issues } = context;
  const entries = Array.isArray(list) ? list.filter(isRecord) : [];
  const seen = new Map<string, number>();
  const ports = [...context.ports];
  return entries.map((entry, index) => {
    const at = `imds[${index}]`;
    const listener: ImdsListenerConfig = {
      host: String(entry.host),
      port: Number(entry.port),
      service: String(entry.service),
      allowV1: entry.allow_v1 === true,
    };
    const first = seen.get(listener.service);
    if (first !== undefined) {
      issues.error(
        `${at}.service`,
        `is also served by imds[${first}]: one listener per service is enough`,
      );
    } else seen.set(listener.service, index);
    if (!context.services.has(listener.service)) {
      if (context.dynamicEnabled) {
        issues.warn(
          `${at}.service`,
          'names no static service; the listener answers 404 until a dynamic file defines it',
          'IMDS_SERVICE_UNKNOWN',
        );
      } else issues.error(`${at}.service`, 'names no service of this config');
    }
    const clash = ports.find(([, port]) => port !== 0 && port === listener.port);
    if (clash !== undefined) {
      issues.error(
        `${at}.port`,
        `must differ from ${clash[0]} (both are ${listener.port}); use another port or 0 for a free one`,
      );
    }
    ports.push([`${at}.port`, listener.port]);
    return listener;
  });
}
