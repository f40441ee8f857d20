import type { IssueCollector } from './issues.js';
import { isRecord, joinKeyPath } from './keyPath.js';
import { toAssumeRoleParams } from './toAssumeRoleParams.js';
import { toServiceJwt } from './toServiceJwt.js';
import { checkSingleKind, toSourceCredentials } from './toSourceCredentials.js';
import type { JwtIssuerConfig, ServiceConfig, ServiceOrigin } from './types.js';

/** What normalizing one service needs besides its own block. */
export interface ServiceContext {
  /** The main config's `aws_defaults` (schema-valid, config_file already absolute). */
  readonly awsDefaults: Readonly<Record<string, unknown>>;
  readonly origin: ServiceOrigin;
  readonly issues: IssueCollector;
  /** Resolves a relative path against the directory of the file that defines the service. */
  readonly resolvePath: (raw: string) => string;
  /** The main config's JWT issuers by name, which `jwt.issuer` must name. */
  readonly jwtIssuers: ReadonlyMap<string, JwtIssuerConfig>;
  /** Issuers defined but invalid: their own errors are reported, a service naming one adds none. */
  readonly brokenIssuers?: ReadonlySet<string>;
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
  const source = toSourceCredentials(own, context.awsDefaults, sourcePath, context);
  const roleBlock = isRecord(raw.assumed_role) ? raw.assumed_role : {};
  const role = toAssumeRoleParams(roleBlock, joinKeyPath(path, 'assumed_role'), issues);
  const brokenIssuer = isRecord(raw.jwt) && context.brokenIssuers?.has(String(raw.jwt.issuer));
  const jwt =
    isRecord(raw.jwt) && !brokenIssuer
      ? toServiceJwt(raw.jwt, joinKeyPath(path, 'jwt'), role, context.jwtIssuers, issues)
      : undefined;
  if (source === undefined || issues.issues.length > before) return undefined;
  return {
    name,
    ...(typeof raw.auth_token === 'string' ? { authToken: raw.auth_token } : {}),
    ...(jwt === undefined ? {} : { jwt }),
    source,
    role,
    origin: context.origin,
  };
}
