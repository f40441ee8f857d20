/**
 * A token bucket of failed token attempts per client address. Guessing a 32+ character random
 * token is hopeless anyway; this keeps a flood of bad requests from costing CPU and log volume.
 * Only failures draw from the bucket: a request with a valid token is never limited, so an
 * honest workload sharing 127.0.0.1 with a misbehaving one is never slowed.
 */
export interface FailureLimiter {
  /** Whether another failure from `address` is answered normally (true) or with 429 (false). */
  allow(address: string): boolean;
  /** Seconds until `address` has a token again (for Retry-After). */
  retryAfterSeconds(address: string): number;
  /**
   * Failures refused for `address` since its last report, when a report is due: at the first
   * refusal, then at most once per report window. Undefined when nothing is to be logged.
   */
  takeReport(address: string): number | undefined;
}

export interface FailureLimiterOptions {
  /** Failures allowed in a burst (DESIGN-NOTES: a generous 100). */
  readonly burst: number;
  /** Refill rate, failures per second (DESIGN-NOTES: 10). */
  readonly refillPerSecond: number;
  /** Addresses tracked at most; the least recently seen is forgotten first. */
  readonly maxAddresses: number;
  readonly now: () => number;
  /** A flood is logged at most once per this window, per address. */
  readonly reportWindowMs?: number;
}

export const DEFAULT_FAILURE_LIMITS = {
  burst: 100,
  refillPerSecond: 10,
  maxAddresses: 10_000,
  reportWindowMs: 60_000,
};

interface Bucket {
  tokens: number;
  updatedMs: number;
  refusedSinceReport: number;
  reportedAtMs: number;
}

export function createFailureLimiter(options: FailureLimiterOptions): FailureLimiter {
  const buckets = new Map<string, Bucket>();

  function refill(address: string): Bucket {
    const now = options.now();
    let bucket = buckets.get(address);
    if (bucket) {
      const earned = ((now - bucket.updatedMs) / 1000) * options.refillPerSecond;
      bucket.tokens = Math.min(options.burst, bucket.tokens + earned);
      bucket.updatedMs = now;
      // Re-insert so Map order is least-recently-seen first.
      buckets.delete(address);
    } else {
      bucket = {
        tokens: options.burst,
        updatedMs: now,
        refusedSinceReport: 0,
        reportedAtMs: Number.NEGATIVE_INFINITY,
      };
      if (buckets.size >= options.maxAddresses) {
        const oldest = buckets.keys().next().value;
        if (oldest !== undefined) buckets.delete(oldest);
      }
    }
    buckets.set(address, bucket);
    return bucket;
  }

  return {
    allow(address) {
      const bucket = refill(address);
      if (bucket.tokens < 1) {
        bucket.refusedSinceReport += 1;
        return false;
      }
      bucket.tokens -= 1;
      return true;
    },
    retryAfterSeconds(address) {
      const bucket = buckets.get(address);
      if (!bucket || bucket.tokens >= 1) return 1;
      return Math.max(1, Math.ceil((1 - bucket.tokens) / options.refillPerSecond));
    },
    takeReport(address) {
      const bucket = buckets.get(address);
      const now = options.now();
      if (!bucket || bucket.refusedSinceReport === 0) return undefined;
      if (now - bucket.reportedAtMs < (options.reportWindowMs ?? 60_000)) return undefined;
      const refused = bucket.refusedSinceReport;
      bucket.refusedSinceReport = 0;
      bucket.reportedAtMs = now;
      return refused;
    },
  };
}
