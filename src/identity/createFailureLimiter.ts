/**
 * A token bucket of failed token attempts per client address, under one global bucket. Guessing
 * a 32+ character random token is hopeless anyway; this keeps a flood of bad requests from
 * costing CPU and log volume. Only failures draw from the buckets: a request with a valid token
 * is never limited, so an honest workload sharing 127.0.0.1 with a misbehaving one is never
 * slowed. Any local process can bind any 127.x.y.z address, so the global bucket caps failures
 * spread over many addresses (docs/security.md).
 */
export interface FailureLimiter {
  /** Whether another failure from `address` is answered normally (true) or with 429 (false). */
  allow(address: string): boolean;
  /** Seconds until `address` may fail again (for Retry-After). */
  retryAfterSeconds(address: string): number;
}

export interface FailureLimiterOptions {
  /** Failures allowed in a burst per address (DESIGN-NOTES: a generous 100). */
  readonly burst: number;
  /** Refill rate per address, failures per second (DESIGN-NOTES: 10). */
  readonly refillPerSecond: number;
  /** Addresses tracked at most; the least recently seen is forgotten first. */
  readonly maxAddresses: number;
  /** The ceiling over every address together: burst and failures per second. */
  readonly globalBurst?: number;
  readonly globalRefillPerSecond?: number;
  readonly now: () => number;
}

export const DEFAULT_FAILURE_LIMITS = {
  burst: 100,
  refillPerSecond: 10,
  maxAddresses: 10_000,
  globalBurst: 1_000,
  globalRefillPerSecond: 200,
};

interface Bucket {
  tokens: number;
  updatedMs: number;
}

export function createFailureLimiter(options: FailureLimiterOptions): FailureLimiter {
  const buckets = new Map<string, Bucket>();
  const globalBurst = options.globalBurst ?? Number.POSITIVE_INFINITY;
  const globalRefill = options.globalRefillPerSecond ?? Number.POSITIVE_INFINITY;
  const global: Bucket = { tokens: globalBurst, updatedMs: options.now() };

  function refill(bucket: Bucket, burst: number, perSecond: number, now: number): void {
    const earned = ((now - bucket.updatedMs) / 1000) * perSecond;
    bucket.tokens = Math.min(burst, bucket.tokens + (Number.isNaN(earned) ? 0 : earned));
    bucket.updatedMs = now;
  }

  function bucketOf(address: string, now: number): Bucket {
    let bucket = buckets.get(address);
    if (bucket) {
      refill(bucket, options.burst, options.refillPerSecond, now);
      // Re-insert so Map order is least-recently-seen first.
      buckets.delete(address);
    } else {
      bucket = { tokens: options.burst, updatedMs: now };
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
      const now = options.now();
      const bucket = bucketOf(address, now);
      refill(global, globalBurst, globalRefill, now);
      if (bucket.tokens < 1 || global.tokens < 1) return false;
      bucket.tokens -= 1;
      global.tokens -= 1;
      return true;
    },
    retryAfterSeconds(address) {
      const bucket = buckets.get(address);
      const own = !bucket || bucket.tokens >= 1 ? 0 : (1 - bucket.tokens) / options.refillPerSecond;
      const all = global.tokens >= 1 ? 0 : (1 - global.tokens) / globalRefill;
      return Math.max(1, Math.ceil(Math.max(own, all)));
    },
  };
}
