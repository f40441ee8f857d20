/** What `Proxy-Authorization: Basic` carried: the service name and its token. */
export interface ProxyCredentials {
  readonly service: string;
  readonly token: string;
}

/**
 * Reads `Proxy-Authorization: Basic base64(service:token)` (what clients send for
 * `HTTPS_PROXY=http://service:token@host:port`). Undefined when absent or not Basic; null when
 * the header appears twice (which copy a server reads differs: refused, never resolved).
 * User names and tokens may be percent-encoded in the proxy URL; clients decode them first.
 */
export function readProxyCredentials(
  rawHeaders: readonly string[],
): ProxyCredentials | undefined | null {
  let value: string | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if ((rawHeaders[i] ?? '').toLowerCase() !== 'proxy-authorization') continue;
    if (value !== undefined) return null;
    value = rawHeaders[i + 1] ?? '';
  }
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (!/^basic\s+/i.test(trimmed)) return undefined;
  const decoded = Buffer.from(trimmed.replace(/^basic\s+/i, ''), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  return { service: decoded.slice(0, colon), token: decoded.slice(colon + 1) };
}
