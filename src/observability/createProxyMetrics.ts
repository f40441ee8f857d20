import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Egress request durations reach minutes (LLM streams), so the buckets do too. */
const PROXY_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600,
];

/** One proxied request, as counted when it ends. */
export interface ProxiedSample {
  readonly route: string;
  readonly service: string;
  /** `2xx`…`5xx` for the status sent, `aborted` when none was (the client left first). */
  readonly statusClass: string;
  readonly seconds: number;
  /** Request body bytes sent upstream, response body bytes sent to the client. */
  readonly bytesUp: number;
  readonly bytesDown: number;
  /** The error code when the upstream failed (UPSTREAM_TIMEOUT, ...). */
  readonly upstreamError?: string;
}

/**
 * The egress and forward-proxy request metrics (docs/metrics.md), registered in the app's one
 * registry. Plain numbers on the hot path, handed to prom-client at scrape time, as
 * `credproxy_requests_total` in createMetrics.ts.
 */
export function createProxyMetrics(registry: Registry) {
  const proxyCounts = new Map<string, { labels: [string, string, string]; count: number }>();
  const routeStats = new Map<
    string,
    {
      up: number;
      down: number;
      inFlight: number;
      errors: Map<string, number>;
      duration: Histogram.Internal<'route'>;
    }
  >();
  new Counter({
    name: 'credproxy_proxy_requests_total',
    help: 'Egress requests by route, service and status class (aborted: the client left before an answer).',
    labelNames: ['route', 'service', 'status_class'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { labels, count } of proxyCounts.values()) this.labels(...labels).inc(count);
    },
  });
  const proxyDuration = new Histogram({
    name: 'credproxy_proxy_request_duration_seconds',
    help: 'Time from an egress request to the end of its answer, in seconds, by route.',
    labelNames: ['route'],
    buckets: PROXY_BUCKETS,
    registers: [registry],
  });
  new Counter({
    name: 'credproxy_proxy_upstream_errors_total',
    help: 'Egress upstream failures by route and reason (an error code from docs/errors.md).',
    labelNames: ['route', 'reason'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [route, stats] of routeStats) {
        for (const [reason, count] of stats.errors) this.labels(route, reason).inc(count);
      }
    },
  });
  new Counter({
    name: 'credproxy_proxy_bytes_total',
    help: 'Body bytes through egress routes, by route and direction (upstream: request bodies, downstream: response bodies).',
    labelNames: ['route', 'direction'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [route, stats] of routeStats) {
        this.labels(route, 'upstream').inc(stats.up);
        this.labels(route, 'downstream').inc(stats.down);
      }
    },
  });
  new Gauge({
    name: 'credproxy_proxy_in_flight_requests',
    help: 'Egress requests being forwarded now, by route.',
    labelNames: ['route'],
    registers: [registry],
    collect() {
      for (const [route, stats] of routeStats) this.labels(route).set(stats.inFlight);
    },
  });
  const statsOf = (route: string) => {
    let stats = routeStats.get(route);
    if (!stats) {
      stats = {
        up: 0,
        down: 0,
        inFlight: 0,
        errors: new Map(),
        duration: proxyDuration.labels(route),
      };
      routeStats.set(route, stats);
    }
    return stats;
  };

  function recordProxied(sample: ProxiedSample, started: boolean): void {
    const stats = statsOf(sample.route);
    if (started) stats.inFlight -= 1;
    const key = `${sample.route}\u0000${sample.service}\u0000${sample.statusClass}`;
    const series = proxyCounts.get(key);
    if (series) series.count += 1;
    else
      proxyCounts.set(key, {
        labels: [sample.route, sample.service, sample.statusClass],
        count: 1,
      });
    stats.duration.observe(sample.seconds);
    stats.up += sample.bytesUp;
    stats.down += sample.bytesDown;
    if (sample.upstreamError !== undefined) {
      stats.errors.set(sample.upstreamError, (stats.errors.get(sample.upstreamError) ?? 0) + 1);
    }
  }

  return {
    proxyStarted(route: string): void {
      statsOf(route).inFlight += 1;
    },
    recordProxied,
    /** A removed service's request series go with it. */
    forgetService(service: string): void {
      for (const [key, series] of proxyCounts)
        if (series.labels[1] === service) proxyCounts.delete(key);
    },
  };
}
