import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/observability/createMetrics.js';

/** Metric names, types and labels are public API: dashboards and alerts depend on them. */
const EXPECTED = {
  credproxy_requests_total: { type: 'counter', labels: ['result', 'service'] },
  credproxy_request_duration_seconds: { type: 'histogram', labels: ['result', 'service'] },
  credproxy_active_services: { type: 'gauge', labels: ['origin'] },
  credproxy_info: { type: 'gauge', labels: ['version'] },
  credproxy_credentials_expiry_timestamp_seconds: { type: 'gauge', labels: ['service'] },
  credproxy_sts_calls_total: { type: 'counter', labels: ['outcome', 'service'] },
  credproxy_sts_call_duration_seconds: { type: 'histogram', labels: ['service'] },
  credproxy_refresh_failures_total: { type: 'counter', labels: ['reason', 'service'] },
  credproxy_config_reloads_total: { type: 'counter', labels: ['outcome', 'source'] },
  credproxy_proxy_requests_total: {
    type: 'counter',
    labels: ['route', 'service', 'status_class'],
  },
  credproxy_proxy_request_duration_seconds: { type: 'histogram', labels: ['route'] },
  credproxy_proxy_upstream_errors_total: { type: 'counter', labels: ['reason', 'route'] },
  credproxy_proxy_bytes_total: { type: 'counter', labels: ['direction', 'route'] },
  credproxy_proxy_in_flight_requests: { type: 'gauge', labels: ['route'] },
  credproxy_jwt_keys: { type: 'gauge', labels: ['issuer'] },
  credproxy_jwt_keys_loaded_timestamp_seconds: { type: 'gauge', labels: ['issuer'] },
  credproxy_jwt_key_load_failures_total: { type: 'counter', labels: ['issuer'] },
  credproxy_jwt_verifications_total: { type: 'counter', labels: ['result'] },
  credproxy_session_set_evictions_total: { type: 'counter', labels: ['service'] },
  credproxy_forward_interceptions_total: { type: 'counter', labels: ['result'] },
  credproxy_forward_certificates: { type: 'gauge', labels: [] },
};

describe('createMetrics', () => {
  it('exposes exactly the pinned credproxy metric names, types and labels', async () => {
    const metrics = createMetrics('1.2.3');

    const json = await metrics.registry.getMetricsAsJSON();
    const ours = Object.fromEntries(
      json
        .filter((m) => m.name.startsWith('credproxy_'))
        .map((m) => [m.name, { type: String(m.type), labels: labelNames(metrics, m.name) }]),
    );

    expect(Object.keys(ours).sort()).toEqual(Object.keys(EXPECTED).sort());
    for (const [name, { type }] of Object.entries(EXPECTED)) expect(ours[name]?.type).toBe(type);
  });

  it('pins the label names of every metric', () => {
    const metrics = createMetrics('1.2.3');

    for (const [name, { labels }] of Object.entries(EXPECTED)) {
      expect([name, labelNames(metrics, name)]).toEqual([name, labels]);
    }
  });

  it('reports active services and the version from the start, before any change', async () => {
    const metrics = createMetrics('1.2.3');

    const text = await metrics.registry.metrics();

    expect(text).toContain('credproxy_info{version="1.2.3"} 1');
    expect(text).toContain('credproxy_active_services{origin="static"} 0');
    expect(text).toContain('credproxy_active_services{origin="dynamic"} 0');
  });

  it('includes the Node process defaults', async () => {
    const text = await createMetrics('1.2.3').registry.metrics();

    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
  });

  it('counts requests per service and result, the same on every scrape', async () => {
    const metrics = createMetrics('1.2.3');
    metrics.recordRequest('app', 'success', 0.001);
    metrics.recordRequest('app', 'success', 0.001);
    metrics.recordRequest('unknown', 'invalid_token', 0.001);

    const first = await metrics.registry.metrics();
    const second = await metrics.registry.metrics();

    for (const text of [first, second]) {
      expect(text).toContain('credproxy_requests_total{service="app",result="success"} 2');
      expect(text).toContain(
        'credproxy_requests_total{service="unknown",result="invalid_token"} 1',
      );
      expect(text).toContain(
        'credproxy_request_duration_seconds_count{service="app",result="success"} 2',
      );
    }
  });

  it('resolves sub-millisecond request latencies', async () => {
    const metrics = createMetrics('1.2.3');
    metrics.recordRequest('app', 'success', 0.00008);

    const text = await metrics.registry.metrics();

    expect(text).toContain(
      'credproxy_request_duration_seconds_bucket{le="0.0001",service="app",result="success"} 1',
    );
  });
});

function labelNames(metrics: ReturnType<typeof createMetrics>, name: string): string[] {
  const metric = metrics.registry.getSingleMetric(name) as unknown as
    | { labelNames?: string[] }
    | undefined;
  return [...(metric?.labelNames ?? [])].sort();
}
