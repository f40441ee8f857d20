import { FRAMING_HEADERS, HOP_BY_HOP_HEADERS } from '../http/hopByHopHeaders.js';
import { isLoopbackHost } from '../http/listen.js';
import type { AwsGatewayConfig, ProxyConfig, RouteAllowRule, RouteConfig } from './doorTypes.js';
import { describeReadError, type FileReader } from './fileReader.js';
import type { IssueCollector } from './issues.js';
import { isRecord } from './keyPath.js';

export interface ProxyContext {
  readonly issues: IssueCollector;
  readonly resolvePath: (raw: string) => string;
  readonly files: FileReader;
  readonly isInvalid: (path: string) => boolean;
}

/**
 * Normalizes the schema-valid `proxy` block (defaults applied) and checks what the schema
 * cannot: the upstream is a plain base URL, http:// only towards loopback unless allowed, the
 * injected header is not one HTTP itself manages, prefixes are unique, and `ca_file` holds PEM
 * certificates. No message holds an injected value.
 */
export function toProxyConfig(
  block: Readonly<Record<string, unknown>>,
  context: ProxyContext,
): ProxyConfig {
  const host = String(block.host);
  const routes: RouteConfig[] = [];
  const byPath = new Map<string, string>();
  for (const [name, raw] of Object.entries(isRecord(block.routes) ? block.routes : {})) {
    const at = `proxy.routes.${name}`;
    if (!isRecord(raw) || context.isInvalid(at)) continue;
    const route = toRouteConfig(name, raw, at, context);
    if (route === undefined) continue;
    const other = byPath.get(route.path);
    if (other !== undefined) {
      context.issues.error(
        `${at}.path`,
        `is also the path of route ${other}: each route needs its own prefix`,
      );
    }
    byPath.set(route.path, name);
    if (route.clientAuth === 'none' && route.inject.value === undefined) {
      context.issues.error(
        `${at}.inject.value`,
        'is required with client_auth: none (no service token says whose value to inject)',
      );
    }
    if (route.clientAuth === 'none' && !isLoopbackHost(host)) {
      context.issues.warn(
        `${at}.client_auth`,
        `is none while proxy.host is ${host}, not loopback: anything that can reach the listener may call this route with its key`,
        'CLIENT_AUTH_NONE_EXPOSED',
      );
    }
    routes.push(route);
  }
  const aws = isRecord(block.aws) ? toAwsGatewayConfig(block.aws, context.issues) : undefined;
  return { host, port: Number(block.port), routes, ...(aws?.enabled ? { aws } : {}) };
}

function toAwsGatewayConfig(
  raw: Readonly<Record<string, unknown>>,
  issues: IssueCollector,
): AwsGatewayConfig {
  const strings = (value: unknown) => (Array.isArray(value) ? value.map(String) : []);
  const endpoints: Record<string, string> = {};
  for (const [name, url] of Object.entries(isRecord(raw.endpoints) ? raw.endpoints : {})) {
    try {
      endpoints[name] = new URL(String(url)).origin;
    } catch {
      issues.error(`proxy.aws.endpoints.${name}`, 'must be a URL such as http://127.0.0.1:5000');
    }
  }
  return {
    enabled: raw.enabled === true,
    services: strings(raw.services),
    ...(Array.isArray(raw.regions) ? { regions: strings(raw.regions) } : {}),
    endpoints,
    maxBufferedBodyBytes: Number(raw.max_buffered_body_bytes ?? 10_485_760),
  };
}

function toRouteConfig(
  name: string,
  raw: Readonly<Record<string, unknown>>,
  at: string,
  context: ProxyContext,
): RouteConfig | undefined {
  const { issues } = context;
  const before = issues.issues.length;
  const upstream = toUpstream(
    String(raw.upstream),
    raw.allow_plain_http === true,
    `${at}.upstream`,
    issues,
  );
  const inject = isRecord(raw.inject) ? raw.inject : {};
  const header = String(inject.header).toLowerCase();
  if (HOP_BY_HOP_HEADERS.has(header) || FRAMING_HEADERS.has(header)) {
    issues.error(
      `${at}.inject.header`,
      `is ${header}, which HTTP itself manages: inject another header`,
    );
  }
  const timeouts = isRecord(raw.timeouts) ? raw.timeouts : {};
  const ca =
    typeof raw.ca_file === 'string' ? readCa(raw.ca_file, `${at}.ca_file`, context) : undefined;
  if (upstream === undefined || issues.issues.length > before) return undefined;
  return {
    name,
    path: String(raw.path),
    upstream,
    inject: {
      header,
      ...(typeof inject.scheme === 'string' ? { scheme: inject.scheme } : {}),
      ...(typeof inject.value === 'string' ? { value: inject.value } : {}),
    },
    ...(Array.isArray(raw.allow) ? { allow: raw.allow.filter(isRecord).map(toAllowRule) } : {}),
    timeouts: {
      connectSeconds: Number(timeouts.connect),
      headersSeconds: Number(timeouts.headers),
      idleSeconds: Number(timeouts.idle),
    },
    clientAuth: raw.client_auth === 'none' ? 'none' : 'token',
    ...(ca ?? {}),
  };
}

function toUpstream(
  text: string,
  allowPlainHttp: boolean,
  at: string,
  issues: IssueCollector,
): RouteConfig['upstream'] | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    issues.error(at, 'must be a URL such as https://api.example.com or https://host/api/v1');
    return undefined;
  }
  if (url.username !== '' || url.password !== '') {
    issues.error(at, 'must not hold a user name or password: inject credentials with inject');
    return undefined;
  }
  if (url.search !== '' || url.hash !== '' || text.includes('?') || text.includes('#')) {
    issues.error(at, 'must not have a query or a fragment');
    return undefined;
  }
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (url.protocol === 'http:' && !allowPlainHttp && !isLoopbackHost(hostname)) {
    issues.error(
      at,
      'is plain http:// to a host that is not loopback, so the injected key would cross the network in clear text: use https:// or set allow_plain_http: true',
    );
    return undefined;
  }
  return { origin: url.origin, basePath: url.pathname.replace(/\/+$/, '') };
}

function toAllowRule(raw: Readonly<Record<string, unknown>>): RouteAllowRule {
  const strings = (value: unknown) => (Array.isArray(value) ? value.map(String) : undefined);
  const methods = strings(raw.methods);
  const paths = strings(raw.paths);
  return { ...(methods ? { methods } : {}), ...(paths ? { paths } : {}) };
}

export function readCa(
  raw: string,
  at: string,
  context: ProxyContext,
): { caFile: string; ca: string } | undefined {
  const caFile = context.resolvePath(raw);
  let ca: string;
  try {
    ca = context.files.readText(caFile);
  } catch (error) {
    context.issues.error(at, describeReadError(caFile, error));
    return undefined;
  }
  if (!ca.includes('-----BEGIN CERTIFICATE-----')) {
    context.issues.error(
      at,
      `file ${caFile} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`,
    );
    return undefined;
  }
  return { caFile, ca };
}
