import type { IssueCollector } from './issues.js';
import { isRecord, joinKeyPath } from './keyPath.js';
import type { AssumeRoleParams, SourceCredentials } from './types.js';

/** The kinds of source a block may name, at most one each. */
const KINDS = ['iam_keys', 'iam_profile', 'web_identity'] as const;

/** The session length of the web-identity role, as the SDKs' web-identity providers ask. */
export const WEB_IDENTITY_SESSION_SECONDS = 3600;

/**
 * Resolves a service's source credentials against `aws_defaults`. The credential kind is
 * taken as a whole: the service's own iam_keys or iam_profile wins, and only when it has
 * neither do the defaults' apply. (The original merged key by key, so a default iam_profile
 * silently overrode a service's own iam_keys.) The region is resolved on its own.
 */
export function toSourceCredentials(
  own: Readonly<Record<string, unknown>>,
  defaults: Readonly<Record<string, unknown>>,
  path: string,
  context: { readonly issues: IssueCollector; readonly resolvePath: (raw: string) => string },
): SourceCredentials | undefined {
  const { issues } = context;
  const region = stringAt(own, 'region') ?? stringAt(defaults, 'region');
  if (region === undefined) {
    issues.error(
      joinKeyPath(path, 'region'),
      'is required: set a region here or in aws_defaults.region',
    );
  }
  const chosen = hasKind(own) ? own : defaults;
  const keys = chosen.iam_keys;
  const profile = chosen.iam_profile;
  const webIdentity = chosen.web_identity;
  if (region === undefined) return undefined;
  if (isRecord(webIdentity)) {
    return {
      kind: 'webIdentity',
      region,
      tokenFile: context.resolvePath(String(webIdentity.token_file)),
    };
  }
  if (isRecord(keys)) {
    const sessionToken = stringAt(keys, 'session_token');
    return {
      kind: 'keys',
      region,
      accessKeyId: String(keys.aws_access_key_id),
      secretAccessKey: String(keys.aws_secret_access_key),
      ...(sessionToken === undefined ? {} : { sessionToken }),
    };
  }
  if (isRecord(profile)) {
    const configFile = stringAt(profile, 'config_file');
    return {
      kind: 'profile',
      region,
      profileName: String(profile.profile_name),
      ...(configFile === undefined ? {} : { configFile: context.resolvePath(configFile) }),
    };
  }
  return { kind: 'default', region };
}

/**
 * The role a `web_identity` source exchanges its token for, from the block that applies (the
 * service's own kind, else the defaults'); undefined for any other source. It becomes the first
 * link of the service's role chain.
 */
export function toWebIdentityRole(
  own: Readonly<Record<string, unknown>>,
  defaults: Readonly<Record<string, unknown>>,
): AssumeRoleParams | undefined {
  const webIdentity = (hasKind(own) ? own : defaults).web_identity;
  if (!isRecord(webIdentity)) return undefined;
  return {
    roleArn: String(webIdentity.role_arn),
    roleSessionName: String(webIdentity.role_session_name),
    durationSeconds: WEB_IDENTITY_SESSION_SECONDS,
  };
}

/**
 * Two kinds in one block is ambiguous (the original quietly preferred the profile over keys).
 */
export function checkSingleKind(
  block: Readonly<Record<string, unknown>>,
  path: string,
  issues: IssueCollector,
): void {
  const set = KINDS.filter((kind) => isRecord(block[kind]));
  if (set.length > 1) {
    const named =
      set.length === 2
        ? `both ${set.join(' and ')}`
        : `${set.slice(0, -1).join(', ')} and ${set.at(-1)}`;
    issues.error(path, `sets ${named}: keep one of them`);
  }
}

/** Whether a block names its own kind of source (else the defaults' kind applies). */
export function hasKind(block: Readonly<Record<string, unknown>>): boolean {
  return KINDS.some((kind) => isRecord(block[kind]));
}

function stringAt(block: Readonly<Record<string, unknown>>, key: string): string | undefined {
  const value = block[key];
  return typeof value === 'string' ? value : undefined;
}
