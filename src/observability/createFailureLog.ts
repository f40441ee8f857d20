import type { Logger } from './createLogger.js';

/**
 * Failed requests, logged so that an operator chasing a 403 sees why, and a flood cannot fill
 * the disk: the first failure of each kind from a client address is a warning, then at most one
 * line per window for that address and kind, carrying how many were suppressed meanwhile.
 * Every class of failure goes through here (missing or wrong token, rate limited, unknown path,
 * wrong method, malformed request): docs/security.md states the rule.
 */
export interface FailureLog {
  /** `reason` is a fixed word (a metric result or an error code), never client text. */
  failed(
    clientAddress: string,
    reason: string,
    fields: Record<string, unknown>,
    message: string,
  ): void;
}

export interface FailureLogOptions {
  readonly logger: Logger;
  readonly now: () => number;
  /** One line per address and reason per window (default one minute). */
  readonly windowMs?: number;
  /** Address-and-reason pairs remembered at most; the least recently seen is forgotten. */
  readonly maxKeys?: number;
}

export const FAILURE_LOG_WINDOW_MS = 60_000;
const MAX_KEYS = 10_000;

interface Window {
  loggedAtMs: number;
  suppressed: number;
}

export function createFailureLog(options: FailureLogOptions): FailureLog {
  const windowMs = options.windowMs ?? FAILURE_LOG_WINDOW_MS;
  const maxKeys = options.maxKeys ?? MAX_KEYS;
  const windows = new Map<string, Window>();

  return {
    failed(clientAddress, reason, fields, message) {
      const key = `${clientAddress}\u0000${reason}`;
      const now = options.now();
      const window = windows.get(key);
      if (window && now - window.loggedAtMs < windowMs) {
        window.suppressed += 1;
        return;
      }
      if (window) windows.delete(key);
      else if (windows.size >= maxKeys) {
        const oldest = windows.keys().next().value;
        if (oldest !== undefined) windows.delete(oldest);
      }
      windows.set(key, { loggedAtMs: now, suppressed: 0 });
      const suppressed = window?.suppressed ?? 0;
      options.logger.warn(
        { client: clientAddress, reason, ...fields, ...(suppressed > 0 ? { suppressed } : {}) },
        suppressed > 0
          ? `${message} (${suppressed} more like it from this address since the last such line)`
          : message,
      );
    },
  };
}
