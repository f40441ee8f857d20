import type { IssueCollector } from './issues.js';
import { isRecord, joinKeyPath } from './keyPath.js';
import { checkServiceRoutes } from './rules/checkServiceRoutes.js';
import { toAssumeRoleParams } from './toAssumeRoleParams.js';
import { checkSingleKind, toSourceCredentials } from './toSourceCredentials.js';
import type { RouteConfig, ServiceConfig, ServiceOrigin } from './types.js';

/** What normalizing one service needs besides its own block. */
export interface ServiceContext {
  /** The main config's `aws_defaults` (schema-valid, config_file already absolute). */
  readonly awsDefaults: Readonly<Record<string, unknown>>;
  readonly origin: ServiceOrigin;
  readonly issues: IssueCollector;
  /** Resolves a relative path against the directory of the file that defines the service. */
  readonly resolvePath: (raw: string) => string;
  /** The egress routes of the main config, by name: what `routes` may list (null: invalid). */
  readonly routes: ReadonlyMap<string, RouteConfig | null>;
}

/**
 * Normalizes one schema-valid service block (static or dynamic alike) and applies the
 * per-service rules. Returns undefined when a rule failed; the issue is in `context.issues`.
 */
export function toServiceConfig(
  name: string,
  raw: Readonly<Record<string, unknown>>,
  path: string,
  context: ServiceContext,
): ServiceConfig | undefined {
  const { issues } = context;
  const before = issues.issues.length;
  const own = isRecord(raw.source_credentials) ? raw.source_credentials : {};
  const sourcePath = joinKeyPath(path, 'source_credentials');
  checkSingleKind(own, sourcePath, issues);
  const role = isRecord(raw.assumed_role)
    ? toAssumeRoleParams(raw.assumed_role, joinKeyPath(path, 'assumed_role'), issues)
    : undefined;
  // Without a role the service never calls STS: it needs no source and no region.
  const source = role
    ? toSourceCredentials(own, context.awsDefaults, sourcePath, context)
    : undefined;
  const routes = Array.isArray(raw.routes) ? raw.routes.map(String) : [];
  const routeValues = isRecord(raw.route_values) ? toStrings(raw.route_values) : {};
  if (role === undefined && routes.length === 0) {
    issues.error(
      joinKeyPath(path, 'assumed_role'),
      'is required unless the service lists routes (a service needs a role, routes, or both)',
    );
  }
  checkServiceRoutes(routes, routeValues, path, context.routes, issues);
  if ((role !== undefined && source === undefined) || issues.issues.length > before) {
    return undefined;
  }
  return {
    name,
    authToken: String(raw.auth_token),
    ...(role && source ? { role, source } : {}),
    routes,
    routeValues,
    origin: context.origin,
  };
}

function toStrings(block: Readonly<Record<string, unknown>>): Record<string, string> {
  return Object.fromEntries(Object.entries(block).map(([key, value]) => [key, String(value)]));
}
