import type {
  ForwardHostPattern,
  ForwardProxyConfig,
  ForwardRuleConfig,
} from '../config/doorTypes.js';
import type { ErrorCode } from '../errorCodes.js';

/** Ports a host pattern without its own port covers. */
const DEFAULT_PORTS: ReadonlySet<number> = new Set([443, 80]);

/** The rules a caller may use: a service's `forward_rules`, or all with `client_auth: none`. */
export type AllowedRules = ReadonlySet<string> | 'all';

/** What the forward proxy does with a CONNECT or a plain request to host:port. */
export type ForwardDecision =
  | { readonly kind: 'intercept'; readonly rule: ForwardRuleConfig }
  | { readonly kind: 'tunnel' }
  | {
      readonly kind: 'refuse';
      readonly code: Extract<ErrorCode, 'HOST_NOT_ALLOWED' | 'RULE_NOT_ALLOWED'>;
      readonly message: string;
      /** The rule that covers the host, when there is one (for the audit line). */
      readonly rule?: string;
    };

/**
 * Decides by host and port alone, before any byte goes upstream: the rule covering the host (a
 * service not allowed that rule is refused, never tunnelled past it), then `tunnel_hosts`, then
 * `otherwise`. A pattern without a port covers 443 and 80; one with a port, that port only.
 */
export function decideForward(
  config: Pick<ForwardProxyConfig, 'rules' | 'tunnelHosts' | 'otherwise'>,
  host: string,
  port: number,
  allowed: AllowedRules,
): ForwardDecision {
  let portRefused = false;
  for (const rule of config.rules) {
    const match = matchHosts(rule.hosts, host, port);
    if (match === 'port') portRefused = true;
    if (match !== 'yes') continue;
    if (allowed !== 'all' && !allowed.has(rule.name)) {
      return {
        kind: 'refuse',
        code: 'RULE_NOT_ALLOWED',
        message: `this service may not use forward rule ${rule.name} (add it to the service's forward_rules)`,
        rule: rule.name,
      };
    }
    return { kind: 'intercept', rule };
  }
  const tunnel = matchHosts(config.tunnelHosts, host, port);
  if (tunnel === 'yes') return { kind: 'tunnel' };
  if (portRefused || tunnel === 'port') {
    return refuse(
      `port ${port} is not allowed for ${host} (only 443 and 80, unless a host entry names the port)`,
    );
  }
  if (config.otherwise === 'tunnel') {
    return DEFAULT_PORTS.has(port)
      ? { kind: 'tunnel' }
      : refuse(`port ${port} is not allowed (only 443 and 80, unless a host entry names the port)`);
  }
  return refuse(`no forward rule or tunnel_hosts entry covers ${host}, and otherwise is deny`);
}

/** `yes`, `port` (the host matches, the port does not), or `no`. */
function matchHosts(
  patterns: readonly ForwardHostPattern[],
  host: string,
  port: number,
): 'yes' | 'port' | 'no' {
  let result: 'port' | 'no' = 'no';
  for (const pattern of patterns) {
    if (!hostMatches(pattern, host)) continue;
    if (pattern.port === undefined ? DEFAULT_PORTS.has(port) : pattern.port === port) return 'yes';
    result = 'port';
  }
  return result;
}

function hostMatches(pattern: ForwardHostPattern, host: string): boolean {
  if (!pattern.wildcard) return host === pattern.host;
  const suffix = `.${pattern.host}`;
  if (!host.endsWith(suffix)) return false;
  const label = host.slice(0, -suffix.length);
  return label !== '' && !label.includes('.');
}

function refuse(message: string): ForwardDecision {
  return { kind: 'refuse', code: 'HOST_NOT_ALLOWED', message };
}
