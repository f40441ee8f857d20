import type { RouteConfig } from './doorTypes.js';
import type { JwtIssuerConfig } from './identityTypes.js';
import type { IssueCollector } from './issues.js';
import { isRecord, joinKeyPath } from './keyPath.js';
import { checkServiceRoutes } from './rules/checkServiceRoutes.js';
import { toAssumeRoleParams } from './toAssumeRoleParams.js';
import { toRoleChain } from './toRoleChain.js';
import { toServiceJwt } from './toServiceJwt.js';
import {
  checkSingleKind,
  hasKind,
  toSourceCredentials,
  toWebIdentityRole,
} from './toSourceCredentials.js';
import { toTokenFile } from './toTokenFile.js';
import type { ServiceConfig, ServiceOrigin } from './types.js';

/** What normalizing one service needs besides its own block. */
export interface ServiceContext {
  /** The main config's `aws_defaults` (schema-valid, config_file already absolute). */
  readonly awsDefaults: Readonly<Record<string, unknown>>;
  readonly origin: ServiceOrigin;
  readonly issues: IssueCollector;
  /** Resolves a relative path against the directory of the file that defines the service. */
  readonly resolvePath: (raw: string) => string;
  /** Dynamic services only: where a token_file may be written (see toTokenFile). */
  readonly tokenDirectories?: readonly string[];
  /** The egress routes of the main config, by name: what `routes` may list (null: invalid). */
  readonly routes: ReadonlyMap<string, RouteConfig | null>;
  /** The main config's JWT issuers by name, which `jwt.issuer` must name. */
  readonly jwtIssuers: ReadonlyMap<string, JwtIssuerConfig>;
  /** Issuers defined but invalid: their own errors are reported, a service naming one adds none. */
  readonly brokenIssuers?: ReadonlySet<string>;
  /** The forward proxy's rule names (main config only): what `forward_rules` may list. */
  readonly forwardRules?: ReadonlySet<string>;
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
  const ownRole = isRecord(raw.assumed_role)
    ? toAssumeRoleParams(raw.assumed_role, joinKeyPath(path, 'assumed_role'), issues)
    : undefined;
  // Without a role the service never calls STS: it needs no source and no region.
  const ownSource = ownRole
    ? toSourceCredentials(own, context.awsDefaults, sourcePath, context)
    : undefined;
  const resolved =
    ownRole && ownSource && isRecord(raw.assumed_role)
      ? toRoleChain({
          raw: raw.assumed_role,
          role: ownRole,
          source: ownSource,
          webIdentityRole: toWebIdentityRole(own, context.awsDefaults),
          ownSourceKind: hasKind(own),
          path,
          issues,
          resolvePath: context.resolvePath,
        })
      : undefined;
  if (context.origin.kind === 'dynamic') refuseOwnTokenFile(raw, path, issues);
  const role = resolved?.role ?? ownRole;
  const source = resolved?.source;
  const routes = Array.isArray(raw.routes) ? raw.routes.map(String) : [];
  const routeValues = isRecord(raw.route_values) ? toStrings(raw.route_values) : {};
  const forwardRules = Array.isArray(raw.forward_rules) ? raw.forward_rules.map(String) : [];
  if (role === undefined && routes.length === 0 && forwardRules.length === 0) {
    issues.error(
      joinKeyPath(path, 'assumed_role'),
      'is required unless the service lists routes or forward_rules (a service needs a role, routes, or both)',
    );
  }
  forwardRules.forEach((rule, index) => {
    if (context.forwardRules?.has(rule) === true) return;
    issues.error(
      `${joinKeyPath(path, 'forward_rules')}[${index}]`,
      context.forwardRules === undefined
        ? 'can only be listed in the main config file'
        : `names rule ${rule}, which forward_proxy.rules does not define`,
    );
  });
  checkServiceRoutes(routes, routeValues, path, context.routes, issues);
  const tokenFile = isRecord(raw.token_file)
    ? toTokenFile(raw.token_file, joinKeyPath(path, 'token_file'), context)
    : undefined;
  const brokenIssuer = isRecord(raw.jwt) && context.brokenIssuers?.has(String(raw.jwt.issuer));
  const jwt =
    isRecord(raw.jwt) && !brokenIssuer
      ? toServiceJwt(raw.jwt, joinKeyPath(path, 'jwt'), role, context.jwtIssuers, issues)
      : undefined;
  if (jwt !== undefined && source?.kind === 'webIdentity' && role?.chain === undefined) {
    const issuer = context.jwtIssuers.get(jwt.issuer);
    if ((issuer?.sessionTags.length ?? 0) > 0 || issuer?.sourceIdentity !== undefined) {
      issues.error(
        joinKeyPath(path, 'jwt.issuer'),
        `issuer ${jwt.issuer} maps claims to session tags or a source identity, which AssumeRoleWithWebIdentity (assumed_role.web_identity_token_file) cannot pass: use source_credentials.web_identity so the service's role is a separate AssumeRole`,
      );
    }
  }
  if ((role !== undefined && source === undefined) || issues.issues.length > before) {
    return undefined;
  }
  const authToken = typeof raw.auth_token === 'string' ? raw.auth_token : undefined;
  if (authToken !== undefined && tokenFile !== undefined) {
    issues.warn(
      joinKeyPath(path, 'auth_token'),
      'is set next to token_file: both are accepted, but this one never rotates; remove it once every client reads the token file',
      'STATIC_TOKEN_BESIDE_FILE',
    );
  }
  return {
    name,
    ...(authToken === undefined ? {} : { authToken }),
    ...(tokenFile === undefined ? {} : { tokenFile }),
    ...(jwt === undefined ? {} : { jwt }),
    ...(role && source ? { role, source } : {}),
    routes,
    routeValues,
    ...(forwardRules.length === 0 ? {} : { forwardRules }),
    ...(raw.aws_gateway === true ? { awsGateway: true } : {}),
    origin: context.origin,
  };
}

/**
 * A dynamic file may not name a web-identity token file: credproxy would read any file it can
 * and send it to STS. Its services inherit aws_defaults.web_identity from the main config.
 */
function refuseOwnTokenFile(
  raw: Readonly<Record<string, unknown>>,
  path: string,
  issues: IssueCollector,
): void {
  const source = raw.source_credentials;
  if (isRecord(source) && isRecord(source.web_identity)) {
    issues.error(
      joinKeyPath(path, 'source_credentials.web_identity'),
      'is not allowed in a dynamic service file: set aws_defaults.web_identity in the main config',
    );
  }
  const role = raw.assumed_role;
  if (isRecord(role) && role.web_identity_token_file !== undefined) {
    issues.error(
      joinKeyPath(path, 'assumed_role.web_identity_token_file'),
      'is not allowed in a dynamic service file: set aws_defaults.web_identity in the main config',
    );
  }
}

function toStrings(block: Readonly<Record<string, unknown>>): Record<string, string> {
  return Object.fromEntries(Object.entries(block).map(([key, value]) => [key, String(value)]));
}
