import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { ERROR_CODES } from '../errorCodes.js';
import { createProxyMetrics, type ProxiedSample } from './createProxyMetrics.js';

/**
 * Every metric credproxy exposes: names, help and labels live here, and in createProxyMetrics.ts
 * for the egress and forward-proxy requests, nowhere else. Names are public API (dashboards and alerts use them); test/observability pins them. Label values are
 * service names from the config or fixed sets, never anything a client sent: an unknown token
 * counts under service "unknown".
 */

export const REQUEST_RESULTS = [
  'success',
  'missing_token',
  'invalid_token',
  'invalid_jwt',
  'forbidden',
  'unavailable',
  'rate_limited',
  'error',
] as const;
export type RequestResult = (typeof REQUEST_RESULTS)[number];

/** Sub-millisecond buckets: a warm credential request takes tens of microseconds. */
const REQUEST_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
];
const STS_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Proxied calls: a cached GET takes milliseconds, a model's answer streams for minutes. */

export interface Metrics {
  readonly registry: Registry;
  /** Count and time one credential request. Children are cached: this is the hot path. */
  recordRequest(service: string, result: RequestResult, seconds: number): void;
  setActiveServices(origin: 'static' | 'dynamic', count: number): void;
  setCredentialsExpiry(service: string, expiresAtMs: number): void;
  forgetService(service: string): void;
  recordStsCall(service: string, outcome: 'success' | 'failure', seconds: number): void;
  recordRefreshFailure(service: string, reason: string): void;
  recordConfigReload(outcome: 'success' | 'failure', source: 'main' | 'dynamic'): void;
  /** An egress request started (in flight until `recordProxied`). */
  proxyStarted(route: string): void;
  /** An egress request ended; call once per `proxyStarted`, and for refusals without one. */
  recordProxied(sample: ProxiedSample, started: boolean): void;
  /** An issuer's key set loaded: how many keys, and when. */
  setJwtKeys(issuer: string, keys: number, atMs: number): void;
  recordJwtKeyFailure(issuer: string): void;
  /** An issuer a reload removed: its series go with it. */
  forgetJwtIssuer(issuer: string): void;
  /** One JWT verification (not a cached decision): `accepted` or why not. */
  recordJwtVerification(result: string): void;
  /** A per-session credential set dropped past the cap of distinct sets per service. */
  recordSessionEviction(service: string): void;
  /** The forward proxy finished a TLS handshake with a client, or failed one. */
  recordInterception(result: 'ok' | 'failed'): void;
  /** Leaf certificates the forward proxy holds in its cache now. */
  setForwardCertificates(count: number): void;
}

export function createMetrics(version: string): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  // Counted in plain numbers on the hot path and handed to prom-client at scrape time: each
  // labelled inc() hashes the label set, which showed up in the request profile.
  const requestSeries = new Map<
    string,
    {
      service: string;
      result: RequestResult;
      count: number;
      timer: Histogram.Internal<'service' | 'result'>;
    }
  >();
  // Registered with the registry; read only through collect().
  new Counter({
    name: 'credproxy_requests_total',
    help: 'Credential requests by service and result.',
    labelNames: ['service', 'result'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { service, result, count } of requestSeries.values()) {
        this.labels(service, result).inc(count);
      }
    },
  });
  const duration = new Histogram({
    name: 'credproxy_request_duration_seconds',
    help: 'Time to answer a credential request, in seconds.',
    labelNames: ['service', 'result'],
    buckets: REQUEST_BUCKETS,
    registers: [registry],
  });
  const active = new Gauge({
    name: 'credproxy_active_services',
    help: 'Services currently configured, by origin (static: main config; dynamic: watched files).',
    labelNames: ['origin'],
    registers: [registry],
  });
  const info = new Gauge({
    name: 'credproxy_info',
    help: 'Always 1; the version label says which credproxy is running.',
    labelNames: ['version'],
    registers: [registry],
  });
  const expiry = new Gauge({
    name: 'credproxy_credentials_expiry_timestamp_seconds',
    help: 'Expiry (Unix time, seconds) of the credentials currently served for each service.',
    labelNames: ['service'],
    registers: [registry],
  });
  const stsCalls = new Counter({
    name: 'credproxy_sts_calls_total',
    help: 'AssumeRole calls by service and outcome.',
    labelNames: ['service', 'outcome'],
    registers: [registry],
  });
  const stsDuration = new Histogram({
    name: 'credproxy_sts_call_duration_seconds',
    help: 'AssumeRole call latency in seconds, by service.',
    labelNames: ['service'],
    buckets: STS_BUCKETS,
    registers: [registry],
  });
  const refreshFailures = new Counter({
    name: 'credproxy_refresh_failures_total',
    help: 'Failed credential fetches by service and reason (an error code from docs/errors.md).',
    labelNames: ['service', 'reason'],
    registers: [registry],
  });
  const reloads = new Counter({
    name: 'credproxy_config_reloads_total',
    help: 'Configuration reloads by outcome and source (main config on SIGHUP, dynamic files).',
    labelNames: ['outcome', 'source'],
    registers: [registry],
  });

  const proxy = createProxyMetrics(registry);
  const jwtKeys = new Gauge({
    name: 'credproxy_jwt_keys',
    help: 'Verification keys of each JWT issuer in use (kids in its key set).',
    labelNames: ['issuer'],
    registers: [registry],
  });
  const jwtKeysLoaded = new Gauge({
    name: 'credproxy_jwt_keys_loaded_timestamp_seconds',
    help: "When each JWT issuer's key set was last loaded or confirmed unchanged (Unix time, seconds).",
    labelNames: ['issuer'],
    registers: [registry],
  });
  const jwtKeyFailures = new Counter({
    name: 'credproxy_jwt_key_load_failures_total',
    help: "Failed loads of a JWT issuer's key set (the keys in use stay).",
    labelNames: ['issuer'],
    registers: [registry],
  });
  const jwtVerifications = new Counter({
    name: 'credproxy_jwt_verifications_total',
    help: 'JWT verifications (a token seen before is answered from cache and not counted), by result.',
    labelNames: ['result'],
    registers: [registry],
  });
  const sessionEvictions = new Counter({
    name: 'credproxy_session_set_evictions_total',
    help: 'Per-session credential sets (distinct JWT session tags) dropped to stay within the cap per service.',
    labelNames: ['service'],
    registers: [registry],
  });

  const interceptions = new Counter({
    name: 'credproxy_forward_interceptions_total',
    help: 'TLS handshakes of the forward proxy with clients, by result (failed: the client does not trust the CA, or left).',
    labelNames: ['result'],
    registers: [registry],
  });
  const forwardCertificates = new Gauge({
    name: 'credproxy_forward_certificates',
    help: 'Per-host leaf certificates in the forward proxy cache.',
    registers: [registry],
  });

  info.labels(version).set(1);
  for (const origin of ['static', 'dynamic'] as const) active.labels(origin).set(0);

  return {
    registry,
    recordRequest(service, result, seconds) {
      const key = `${service}\u0000${result}`;
      let series = requestSeries.get(key);
      if (!series) {
        series = { service, result, count: 0, timer: duration.labels(service, result) };
        requestSeries.set(key, series);
      }
      series.count += 1;
      series.timer.observe(seconds);
    },
    setActiveServices: (origin, count) => active.labels(origin).set(count),
    setCredentialsExpiry: (service, expiresAtMs) =>
      expiry.labels(service).set(Math.floor(expiresAtMs / 1000)),
    forgetService(service) {
      // Every per-service series goes with its service: label values come from finite sets.
      expiry.remove(service);
      stsDuration.remove(service);
      for (const outcome of ['success', 'failure']) stsCalls.remove(service, outcome);
      for (const reason of Object.keys(ERROR_CODES)) refreshFailures.remove(service, reason);
      sessionEvictions.remove(service);
      for (const result of REQUEST_RESULTS) {
        requestSeries.delete(`${service}\u0000${result}`);
        duration.remove(service, result);
      }
      sessionEvictions.remove(service);
      proxy.forgetService(service);
    },
    recordStsCall(service, outcome, seconds) {
      stsCalls.labels(service, outcome).inc();
      stsDuration.labels(service).observe(seconds);
    },
    recordRefreshFailure: (service, reason) => refreshFailures.labels(service, reason).inc(),
    recordConfigReload: (outcome, source) => reloads.labels(outcome, source).inc(),
    proxyStarted: proxy.proxyStarted,
    recordInterception: (result) => interceptions.labels(result).inc(),
    setForwardCertificates: (count) => forwardCertificates.set(count),
    recordProxied: proxy.recordProxied,
    setJwtKeys(issuer, keys, atMs) {
      jwtKeys.labels(issuer).set(keys);
      jwtKeysLoaded.labels(issuer).set(Math.floor(atMs / 1000));
    },
    recordJwtKeyFailure: (issuer) => jwtKeyFailures.labels(issuer).inc(),
    forgetJwtIssuer(issuer) {
      jwtKeys.remove(issuer);
      jwtKeysLoaded.remove(issuer);
      jwtKeyFailures.remove(issuer);
    },
    recordJwtVerification: (result) => jwtVerifications.labels(result).inc(),
    recordSessionEviction: (service) => sessionEvictions.labels(service).inc(),
  };
}
