import type { Env } from '../config/env.js';
import type { LogLevel } from '../config/types.js';
import { CredproxyError } from '../errors.js';

export const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];

/** `WARNING` → `warn`, `Info` → `info`; undefined for anything that is not a level. */
export function toLogLevel(raw: string): LogLevel | undefined {
  const name = raw.trim().toLowerCase();
  const level = name === 'warning' ? 'warn' : name;
  return LOG_LEVELS.find((candidate) => candidate === level);
}

export interface LogLevelSources {
  /** `--log-level`, already checked by the option parser. */
  readonly flag: LogLevel | undefined;
  readonly dev: boolean;
  readonly env: Env;
  /** `server.debug` from the config file. */
  readonly configDebug: boolean;
}

/**
 * Flag beats environment beats file: `--log-level`, then `--dev` (debug), then
 * CREDPROXY_LOG_LEVEL, then `server.debug: true` (debug), else info. An invalid
 * CREDPROXY_LOG_LEVEL is a usage error rather than a silent fallback (the original's).
 */
export function resolveLogLevel(sources: LogLevelSources): LogLevel {
  if (sources.flag !== undefined) return sources.flag;
  if (sources.dev) return 'debug';
  const fromEnv = envLogLevel(sources.env);
  if (fromEnv !== undefined) return fromEnv;
  return sources.configDebug ? 'debug' : 'info';
}

/** CREDPROXY_LOG_LEVEL, checked; empty counts as unset. Throws a USAGE error when invalid. */
export function envLogLevel(env: Env): LogLevel | undefined {
  const raw = env.CREDPROXY_LOG_LEVEL;
  if (raw === undefined || raw.trim() === '') return undefined;
  const level = toLogLevel(raw);
  if (level === undefined) {
    throw new CredproxyError(
      'USAGE',
      `CREDPROXY_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (case-insensitive)`,
    );
  }
  return level;
}
