/** The environment, passed in explicitly: only config/ and cli/ read process.env. */
export type Env = Readonly<Record<string, string | undefined>>;

/** The original's truthy spellings for CREDPROXY_LOG_HEALTH_CHECKS, case-insensitive. */
const TRUTHY = new Set(['true', '1', 'yes', 'on']);

export function isLogHealthChecksEnv(env: Env): boolean {
  return TRUTHY.has((env.CREDPROXY_LOG_HEALTH_CHECKS ?? '').trim().toLowerCase());
}
