import type { RouteConfig } from './doorTypes.js';
import type { Env } from './env.js';
import { isLogHealthChecksEnv } from './env.js';
import type { FileReader } from './fileReader.js';
import type { IdentityConfig, JwtIssuerConfig } from './identityTypes.js';
import type { IssueCollector } from './issues.js';
import { isRecord } from './keyPath.js';
import type { PortSources } from './ports.js';
import { checkServiceTokens, tokenHoldersOf } from './rules/checkServiceTokens.js';
import { checkTokenFilePaths } from './rules/checkTokenFilePaths.js';
import { requireWayIn } from './rules/requireWayIn.js';
import { toDynamicServices } from './toDynamicServices.js';
import { toForwardProxyConfig } from './toForwardProxyConfig.js';
import { toIdentityConfig } from './toIdentityConfig.js';
import { toImdsListeners } from './toImdsListeners.js';
import { toProxyConfig } from './toProxyConfig.js';
import type { ServiceContext } from './toServiceConfig.js';
import { toServiceConfig } from './toServiceConfig.js';
import { checkSingleKind } from './toSourceCredentials.js';
import type { AwsDefaults, Config, ServiceConfig } from './types.js';

export interface ToConfigContext {
  readonly file: string;
  readonly env: Env;
  readonly issues: IssueCollector;
  readonly resolvePath: (raw: string) => string;
  /** Reads `proxy.routes.*.ca_file`. */
  readonly files: FileReader;
  /** True when the schema found a problem at or below this key path. */
  readonly isInvalid: (path: string) => boolean;
  /** The environment variable each port key read, if any (see ports.ts). */
  readonly portSources?: PortSources;
}

/**
 * Builds the Config from a document the schema has checked and filled with defaults, and runs
 * the rules that need more than one value. Parts the schema already rejected are skipped, so
 * every remaining finding is a real, separate problem.
 */
export function toConfig(
  document: Readonly<Record<string, unknown>>,
  context: ToConfigContext,
): Config {
  const { issues } = context;
  const server = record(document.server);
  const credentials = record(document.credentials);
  const prometheus = record(record(document.metrics).prometheus);
  const awsDefaults = toAwsDefaults(record(document.aws_defaults), context);
  const proxy = toProxyConfig(record(document.proxy), context);
  const identity = toIdentityConfig(record(document.identity), context);
  const forwardProxy =
    isRecord(document.forward_proxy) && !context.isInvalid('forward_proxy')
      ? toForwardProxyConfig(document.forward_proxy, context)
      : undefined;
  const services: ServiceConfig[] = [];
  if (!context.isInvalid('aws_defaults')) {
    const serviceContext: ServiceContext = {
      awsDefaults: awsDefaults.raw,
      origin: { kind: 'static', file: context.file },
      issues,
      resolvePath: context.resolvePath,
      routes: routesByName(record(record(document.proxy).routes), proxy.routes),
      jwtIssuers: toIssuerMap(identity),
      brokenIssuers: new Set(
        Object.keys(record(record(record(document.identity).jwt).issuers)).filter(
          (name) => !identity.jwt?.issuers.some((issuer) => issuer.name === name),
        ),
      ),
      forwardRules: new Set(Object.keys(record(record(document.forward_proxy).rules))),
    };
    for (const [name, block] of Object.entries(record(document.services))) {
      const path = `services.${name}`;
      if (!isRecord(block) || context.isInvalid(path)) continue;
      const service = toServiceConfig(name, block, path, serviceContext);
      if (service !== undefined) services.push(service);
    }
  }
  const pathOf = (name: string): string => `services.${name}`;
  const holders = tokenHoldersOf(record(document.services), pathOf, context.isInvalid);
  checkServiceTokens(holders, pathOf, issues);
  const sources = context.portSources ?? {};
  const metricsPortSource = sources['metrics.prometheus.port'];
  const serverPortSource = sources['server.port'];
  checkTokenFilePaths(services, pathOf, issues);
  requireWayIn(record(document.services), pathOf, issues);
  const metrics = {
    enabled: prometheus.enabled === true,
    host: String(prometheus.host),
    port: Number(prometheus.port),
    ...(metricsPortSource === undefined ? {} : { portSource: metricsPortSource }),
  };
  const port = Number(server.port);
  if (metrics.enabled && metrics.port !== 0 && metrics.port === port) {
    issues.error(
      'metrics.prometheus.port',
      `must differ from server.port (both are ${port}); use another port or 0 for a free one`,
    );
  }
  const dynamicServices = toDynamicServices(record(document.dynamic_services), context);
  // Schema findings in the list are reported already; its rules would only add noise.
  const imds = context.isInvalid('imds')
    ? []
    : toImdsListeners(document.imds, {
        issues,
        services: new Set(Object.keys(record(document.services))),
        dynamicEnabled: dynamicServices.enabled,
        ports: [
          ['server.port', port],
          ...(metrics.enabled ? [['metrics.prometheus.port', metrics.port] as const] : []),
        ],
      });
  if ((proxy.routes.length > 0 || proxy.aws !== undefined) && proxy.port !== 0) {
    if (proxy.port === port || (metrics.enabled && proxy.port === metrics.port)) {
      issues.error(
        'proxy.port',
        `must differ from server.port and metrics.prometheus.port (${proxy.port} is taken); use another port or 0 for a free one`,
      );
    }
  }
  if (forwardProxy !== undefined && forwardProxy.port !== 0) {
    const taken = [port, ...(metrics.enabled ? [metrics.port] : [])];
    if (proxy.routes.length > 0) taken.push(proxy.port);
    if (taken.includes(forwardProxy.port)) {
      issues.error(
        'forward_proxy.port',
        `must differ from the other listeners' ports (${forwardProxy.port} is taken); use another port or 0 for a free one`,
      );
    }
  }
  return {
    file: context.file,
    server: {
      host: String(server.host),
      port,
      ...(serverPortSource === undefined ? {} : { portSource: serverPortSource }),
      debug: server.debug === true,
      logHealthChecks: server.log_health_checks === true || isLogHealthChecksEnv(context.env),
    },
    credentials: {
      refreshBufferSeconds: Number(credentials.refresh_buffer_seconds),
      retryDelaySeconds: Number(credentials.retry_delay),
      requestTimeoutSeconds: Number(credentials.request_timeout),
    },
    awsDefaults,
    identity,
    services,
    dynamicServices,
    metrics,
    imds,
    proxy,
    ...(forwardProxy === undefined ? {} : { forwardProxy }),
  };
}

/** The JWT issuers by name, as services name them in `jwt.issuer`. */
export function toIssuerMap(identity: IdentityConfig): ReadonlyMap<string, JwtIssuerConfig> {
  return new Map((identity.jwt?.issuers ?? []).map((issuer) => [issuer.name, issuer]));
}

/**
 * Keeps the block for dynamic files, with iam_profile.config_file and web_identity.token_file
 * made absolute here (relative to the main config, not to a dynamic file that inherits them).
 */
function toAwsDefaults(block: Record<string, unknown>, context: ToConfigContext): AwsDefaults {
  checkSingleKind(block, 'aws_defaults', context.issues);
  const profile = block.iam_profile;
  const webIdentity = block.web_identity;
  const raw: Record<string, unknown> = {
    ...block,
    ...(isRecord(profile) && typeof profile.config_file === 'string'
      ? { iam_profile: { ...profile, config_file: context.resolvePath(profile.config_file) } }
      : {}),
    ...(isRecord(webIdentity) && typeof webIdentity.token_file === 'string'
      ? {
          web_identity: { ...webIdentity, token_file: context.resolvePath(webIdentity.token_file) },
        }
      : {}),
  };
  return typeof raw.region === 'string' ? { region: raw.region, raw } : { raw };
}

/** Every route name the file defines: the valid ones to their config, the invalid ones to null. */
function routesByName(
  blocks: Readonly<Record<string, unknown>>,
  valid: readonly RouteConfig[],
): Map<string, RouteConfig | null> {
  const routes = new Map<string, RouteConfig | null>(
    Object.keys(blocks).map((name) => [name, null]),
  );
  for (const route of valid) routes.set(route.name, route);
  return routes;
}

function record(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {};
}
