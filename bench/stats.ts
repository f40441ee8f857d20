/** Small statistics helpers: medians of rounds and a fixed-resolution latency histogram. */

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** Bucket width of the latency histogram: 10 µs, finer than autocannon's whole milliseconds. */
const BUCKET_MS = 0.01;
/** Latencies past 100 ms share the last bucket; `max` keeps the exact worst one. */
const BUCKETS = 10_000;

/** Latencies in milliseconds, recorded in O(1) so the load generator stays cheap. */
export class LatencyHistogram {
  private readonly counts = new Uint32Array(BUCKETS + 1);
  count = 0;
  max = 0;

  record(ms: number): void {
    const bucket = Math.min(BUCKETS, Math.floor(ms / BUCKET_MS));
    this.counts[bucket] = (this.counts[bucket] ?? 0) + 1;
    this.count += 1;
    if (ms > this.max) this.max = ms;
  }

  /** The upper edge of the bucket holding quantile `q` (0..1), in ms. */
  quantile(q: number): number {
    if (this.count === 0) return Number.NaN;
    const rank = Math.ceil(q * this.count);
    let seen = 0;
    for (let bucket = 0; bucket <= BUCKETS; bucket += 1) {
      seen += this.counts[bucket] ?? 0;
      if (seen >= rank) return bucket === BUCKETS ? this.max : (bucket + 1) * BUCKET_MS;
    }
    return this.max;
  }
}

/** Milliseconds since `startNs` (from `process.hrtime.bigint()`). */
export function msSince(startNs: bigint): number {
  return Number(process.hrtime.bigint() - startNs) / 1e6;
}
