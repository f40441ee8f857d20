import { httpGet } from './processes.js';

/**
 * The sum of every sample of `name` whose labels include `labels`, from a Prometheus text
 * exposition (0 when none matches).
 */
export async function readMetric(
  metricsUrl: string,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const { body } = await httpGet(`${metricsUrl}/metrics`);
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  let sum = 0;
  for (const line of body.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (wanted.every((label) => line.includes(label))) sum += Number(line.split(' ').at(-1));
  }
  return sum;
}
