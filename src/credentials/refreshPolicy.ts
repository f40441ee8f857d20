import type { Credentials } from './types.js';

/**
 * When a credential set is swapped, served, and retried. Pure functions of their inputs;
 * the numbers come from ../shared/DESIGN-NOTES.md and the client refresh windows in
 * CLIENT-CONTRACT.md (botocore refreshes 15 min before expiry, JS v3 and Go 5 min).
 */

/** A set with less than this left is never served (JS v3 and Go refresh at 5 minutes). */
export const SERVE_FLOOR_MS = 5 * 60_000;
/** At most one refresh attempt per service in this interval, whatever else happens. */
export const MIN_ATTEMPT_INTERVAL_MS = 15_000;
/** The swap happens up to this fraction of the lead earlier, drawn per set. */
export const JITTER_FRACTION = 0.1;
/** Cap of the backoff after transient failures (throttling, 5xx, network). */
export const MAX_TRANSIENT_BACKOFF_MS = 5 * 60_000;
/** Final failures (access denied, no source credentials) back off from this, up to the cap. */
export const MIN_FINAL_BACKOFF_MS = 5 * 60_000;
export const MAX_FINAL_BACKOFF_MS = 30 * 60_000;
/**
 * A service with nothing servable retries from this step, doubling up to retry_delay (and never
 * faster than MIN_ATTEMPT_INTERVAL_MS): once STS is back, a cold service is served within
 * seconds, not after a warm service's minutes-long backoff (DESIGN-NOTES).
 */
export const COLD_RETRY_START_MS = 2_000;

export interface RefreshPolicy {
  /** Swap when at most this much time is left (before jitter). */
  readonly leadMs: number;
  /** First backoff step after a failure. */
  readonly retryDelayMs: number;
}

/** lead = min(refresh_buffer_seconds, DurationSeconds / 2). */
export function resolveRefreshPolicy(
  refreshBufferSeconds: number,
  durationSeconds: number,
  retryDelaySeconds: number,
): RefreshPolicy {
  return {
    leadMs: Math.min(refreshBufferSeconds, durationSeconds / 2) * 1000,
    retryDelayMs: retryDelaySeconds * 1000,
  };
}

/**
 * The moment to start replacing `credentials`. `jitter` in [0, 1) moves the swap earlier by up
 * to 10 % of the lead, never later. A set that arrived already inside its window is replaced at
 * once (subject to the caller's minimum attempt interval).
 */
export function nextRefreshAt(
  credentials: Pick<Credentials, 'expiresAtMs'>,
  policy: RefreshPolicy,
  jitter: number,
  nowMs: number,
): number {
  const lead = policy.leadMs * (1 + JITTER_FRACTION * clampUnit(jitter));
  return Math.max(nowMs, credentials.expiresAtMs - lead);
}

/** Whether a set may be handed to a client at `nowMs`. */
export function isServable(credentials: Pick<Credentials, 'expiresAtMs'>, nowMs: number): boolean {
  return credentials.expiresAtMs - nowMs >= SERVE_FLOOR_MS;
}

/** What a failure means for the schedule: a warm service still serves its last good set. */
export type FailureKind = 'transient' | 'final' | 'cold';

/**
 * Delay before retry number `failures` (1 = first failure), plus up to 20 % jitter so services
 * and replicas do not retry in step. A warm service backs off exponentially from retry_delay;
 * final failures (access denied, no source credentials) from a higher floor, since repeating
 * them rarely helps. A cold service (nothing servable) starts at COLD_RETRY_START_MS and never
 * waits longer than retry_delay, whatever the error: it has nothing to serve meanwhile.
 */
export function backoffDelayMs(
  failures: number,
  policy: RefreshPolicy,
  kind: FailureKind,
  jitter: number,
): number {
  const start =
    kind === 'cold'
      ? Math.min(COLD_RETRY_START_MS, policy.retryDelayMs)
      : kind === 'final'
        ? Math.max(policy.retryDelayMs, MIN_FINAL_BACKOFF_MS)
        : policy.retryDelayMs;
  const cap =
    kind === 'cold'
      ? policy.retryDelayMs
      : kind === 'final'
        ? MAX_FINAL_BACKOFF_MS
        : MAX_TRANSIENT_BACKOFF_MS;
  const exponent = Math.min(Math.max(failures - 1, 0), 20);
  const ceiling = Math.min(cap, start * 2 ** exponent);
  const delay = ceiling * (1 + 0.2 * clampUnit(jitter));
  return Math.max(MIN_ATTEMPT_INTERVAL_MS, Math.round(delay));
}

function clampUnit(value: number): number {
  if (!Number.isFinite(value) || value < 0) return 0;
  return Math.min(value, 1);
}
