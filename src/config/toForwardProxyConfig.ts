import { FRAMING_HEADERS, HOP_BY_HOP_HEADERS } from '../http/hopByHopHeaders.js';
import { isLoopbackHost } from '../http/listen.js';
import type { ForwardHostPattern, ForwardProxyConfig, ForwardRuleConfig } from './doorTypes.js';
import { isRecord } from './keyPath.js';
import { type ProxyContext, readCa } from './toProxyConfig.js';

/**
 * Normalizes the schema-valid `forward_proxy` block (defaults applied) and checks what the
 * schema cannot: a host is covered by one rule at most, and never by a rule and tunnel_hosts
 * at once; the injected header is not one HTTP manages; `connect_to` targets are host:port.
 * No message holds an injected value.
 */
export function toForwardProxyConfig(
  block: Readonly<Record<string, unknown>>,
  context: ProxyContext,
): ForwardProxyConfig {
  const { issues } = context;
  const host = String(block.host);
  const ca = isRecord(block.ca) ? block.ca : {};
  const rules: ForwardRuleConfig[] = [];
  const owners = new Map<string, string>();
  for (const [name, raw] of Object.entries(isRecord(block.rules) ? block.rules : {})) {
    const at = `forward_proxy.rules.${name}`;
    if (!isRecord(raw) || context.isInvalid(at)) continue;
    const inject = isRecord(raw.inject) ? raw.inject : {};
    const header = String(inject.header).toLowerCase();
    if (HOP_BY_HOP_HEADERS.has(header) || FRAMING_HEADERS.has(header)) {
      issues.error(
        `${at}.inject.header`,
        `is ${header}, which HTTP itself manages: inject another header`,
      );
      continue;
    }
    const hosts = strings(raw.hosts).map(toForwardHostPattern);
    for (const pattern of hosts) {
      const key = patternKey(pattern);
      const other = owners.get(key);
      if (other !== undefined) {
        issues.error(`${at}.hosts`, `${key} is also a host of rule ${other}: one rule per host`);
      }
      owners.set(key, name);
    }
    rules.push({
      name,
      hosts,
      inject: {
        header,
        ...(typeof inject.scheme === 'string' ? { scheme: inject.scheme } : {}),
        value: String(inject.value),
      },
    });
  }
  const tunnelHosts = strings(block.tunnel_hosts).map(toForwardHostPattern);
  for (const pattern of tunnelHosts) {
    const rule = owners.get(patternKey(pattern));
    if (rule !== undefined) {
      issues.error(
        'forward_proxy.tunnel_hosts',
        `${patternKey(pattern)} is also a host of rule ${rule}: a host is intercepted or tunnelled, not both`,
      );
    }
  }
  const clientAuth = block.client_auth === 'none' ? 'none' : 'token';
  if (clientAuth === 'none') {
    issues.warn(
      'forward_proxy.client_auth',
      isLoopbackHost(host)
        ? 'is none: any process that can reach the forward proxy may use every rule with its key'
        : `is none while forward_proxy.host is ${host}, not loopback: anything that can reach the listener may use every rule with its key`,
      'CLIENT_AUTH_NONE_EXPOSED',
    );
  }
  const upstreamCa =
    typeof block.ca_file === 'string'
      ? readCa(block.ca_file, 'forward_proxy.ca_file', context)
      : undefined;
  return {
    host,
    port: Number(block.port),
    ca: {
      certFile: context.resolvePath(String(ca.cert_file)),
      keyFile: context.resolvePath(String(ca.key_file)),
    },
    ...(upstreamCa === undefined ? {} : { caFile: upstreamCa.caFile, upstreamCa: upstreamCa.ca }),
    connectTo: toConnectTo(isRecord(block.connect_to) ? block.connect_to : {}),
    rules,
    tunnelHosts,
    otherwise: block.otherwise === 'tunnel' ? 'tunnel' : 'deny',
    clientAuth,
  };
}

/** `*.example.com:8443` → `{host: 'example.com', wildcard: true, port: 8443}`. */
export function toForwardHostPattern(text: string): ForwardHostPattern {
  const lower = text.toLowerCase();
  const colon = lower.lastIndexOf(':');
  const name = colon === -1 ? lower : lower.slice(0, colon);
  const port = colon === -1 ? undefined : Number(lower.slice(colon + 1));
  const wildcard = name.startsWith('*.');
  return {
    host: wildcard ? name.slice(2) : name,
    wildcard,
    ...(port === undefined ? {} : { port }),
  };
}

function patternKey(pattern: ForwardHostPattern): string {
  const name = pattern.wildcard ? `*.${pattern.host}` : pattern.host;
  return pattern.port === undefined ? name : `${name}:${pattern.port}`;
}

function toConnectTo(block: Readonly<Record<string, unknown>>): ForwardProxyConfig['connectTo'] {
  const out: Record<string, { host: string; port: number }> = {};
  for (const [from, to] of Object.entries(block)) {
    const text = String(to);
    const colon = text.lastIndexOf(':');
    const host = text.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
    out[from.toLowerCase()] = { host, port: Number(text.slice(colon + 1)) };
  }
  return out;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : [];
}
