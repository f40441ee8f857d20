import type { IssueCollector } from './issues.js';
import { isRecord, joinKeyPath } from './keyPath.js';
import { toAssumeRoleParams } from './toAssumeRoleParams.js';
import { checkSingleKind, toSourceCredentials } from './toSourceCredentials.js';
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
  const tokenFile = isRecord(raw.token_file)
    ? toTokenFile(raw.token_file, joinKeyPath(path, 'token_file'), context)
    : undefined;
  if (source === undefined || issues.issues.length > before) return undefined;
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
    source,
    role,
    origin: context.origin,
  };
}
