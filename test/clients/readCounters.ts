/**
 * The two counters that say what reached credproxy: credential requests by service and result,
 * and AssumeRole calls by service and outcome. Keys are the series exactly as Prometheus text
 * shows them, e.g. `credproxy_requests_total{service="web",result="success"}`.
 */
const COUNTERS = ['credproxy_requests_total', 'credproxy_sts_calls_total'];

export async function readCounters(metricsUrl: string): Promise<Record<string, number>> {
  const response = await fetch(`${metricsUrl}/metrics`);
  if (response.status !== 200) throw new Error(`metrics answered ${response.status}`);
  return parseCounters(await response.text());
}

export function parseCounters(text: string): Record<string, number> {
  const counters: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const match = /^(\w+\{[^}]*\}) (\S+)$/.exec(line);
    if (!match?.[1] || !match[2]) continue;
    if (!COUNTERS.some((name) => match[1]?.startsWith(`${name}{`))) continue;
    counters[match[1]] = Number(match[2]);
  }
  return counters;
}

/** Only the series that moved, by how much: an exact picture of what one act caused. */
export function diffCounters(
  before: Record<string, number>,
  after: Record<string, number>,
): Record<string, number> {
  const moved: Record<string, number> = {};
  for (const [series, value] of Object.entries(after)) {
    const delta = value - (before[series] ?? 0);
    if (delta !== 0) moved[series] = delta;
  }
  return moved;
}
