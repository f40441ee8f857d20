import { isIP } from 'node:net';

/** A CONNECT target or a URL's host and port, host lower case without IPv6 brackets. */
export interface Authority {
  readonly host: string;
  readonly port: number;
}

const HOST_NAME = /^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*\.?$/;

/**
 * Parses `host:port` (CONNECT's authority-form, RFC 9110 section 9.3.6) or, with a default
 * port, `host`. Undefined for anything else: a user part, a path, a bad name or port.
 */
export function parseAuthority(text: string, defaultPort?: number): Authority | undefined {
  const lower = text.toLowerCase();
  const match = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(lower);
  if (match === null) return undefined;
  const rawHost = match[1] ?? '';
  const portText = match[2];
  const port = portText === undefined ? defaultPort : Number(portText);
  if (port === undefined || port < 1 || port > 65_535) return undefined;
  if (rawHost.startsWith('[')) {
    const host = rawHost.slice(1, -1);
    return isIP(host) === 6 ? { host, port } : undefined;
  }
  const host = rawHost.endsWith('.') ? rawHost.slice(0, -1) : rawHost;
  if (isIP(host) === 4 || (HOST_NAME.test(host) && host.length <= 253)) return { host, port };
  return undefined;
}

/** `host:port` again, IPv6 in brackets: the key `connect_to` uses. */
export function formatAuthority(authority: Authority): string {
  const host = isIP(authority.host) === 6 ? `[${authority.host}]` : authority.host;
  return `${host}:${authority.port}`;
}
