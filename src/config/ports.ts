import { isRecord } from './keyPath.js';

/**
 * Ports may come from `${fromEnv:CREDPROXY_PORT:-1338}`, and a reference always yields text.
 * For these keys only, text made of digits becomes a number after substitution and before the
 * schema checks it; anything else is left for the schema to reject as not a port.
 */
export const PORT_KEYS = [
  ['server', 'port'],
  ['metrics', 'prometheus', 'port'],
] as const;

export type PortKey = 'server.port' | 'metrics.prometheus.port';

/** Which environment variable each port key reads, by key path: names only, never values. */
export type PortSources = Partial<Record<PortKey, string>>;

const FIRST_ENV_REFERENCE = /\$\{fromEnv:([^}:]+)/;

/**
 * Reads, before substitution, the variable each port key refers to (the first `fromEnv` in its
 * text), so a port-in-use message can name it. Whether it was set or its default applied, the
 * variable is the way to move the port without editing the file.
 */
export function readPortSources(document: unknown): PortSources {
  const sources: PortSources = {};
  for (const segments of PORT_KEYS) {
    const value = valueAt(document, segments);
    const name = typeof value === 'string' ? FIRST_ENV_REFERENCE.exec(value)?.[1] : undefined;
    if (name !== undefined) sources[segments.join('.') as PortKey] = name;
  }
  return sources;
}

/**
 * Turns digit strings at the port keys into numbers, in place, where a reference produced them
 * (`substituted`, key paths): a literal `port: "1338"` stays a schema error, as before.
 */
export function toPortNumbers(document: unknown, substituted: ReadonlySet<string>): void {
  for (const segments of PORT_KEYS) {
    if (!substituted.has(segments.join('.'))) continue;
    const parent = valueAt(document, segments.slice(0, -1));
    const key = segments.at(-1) ?? '';
    if (!isRecord(parent)) continue;
    const value = parent[key];
    // At most five digits: 65535 is the largest port, and the schema reports the range.
    if (typeof value === 'string' && /^\d{1,5}$/.test(value)) parent[key] = Number(value);
  }
}

/**
 * The text the port-in-use message asks the user to change: `server.port`, or with the
 * variable that feeds it, `CREDPROXY_PORT or server.port`.
 */
export function toPortKeyText(key: PortKey, source: string | undefined): string {
  return source === undefined ? key : `${source} or ${key}`;
}

function valueAt(document: unknown, segments: readonly string[]): unknown {
  let node = document;
  for (const segment of segments) {
    if (!isRecord(node)) return undefined;
    node = node[segment];
  }
  return node;
}
