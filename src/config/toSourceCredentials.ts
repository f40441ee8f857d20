import type { IssueCollector } from './issues.js';
import { isRecord, joinKeyPath } from './keyPath.js';
import type { SourceCredentials } from './types.js';

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
  if (region === undefined) return undefined;
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

/** iam_keys and iam_profile in one block is ambiguous (the original quietly preferred the profile). */
export function checkSingleKind(
  block: Readonly<Record<string, unknown>>,
  path: string,
  issues: IssueCollector,
): void {
  if (isRecord(block.iam_keys) && isRecord(block.iam_profile)) {
    issues.error(path, 'sets both iam_keys and iam_profile: keep one of them');
  }
}

function hasKind(block: Readonly<Record<string, unknown>>): boolean {
  return isRecord(block.iam_keys) || isRecord(block.iam_profile);
}

function stringAt(block: Readonly<Record<string, unknown>>, key: string): string | undefined {
  const value = block[key];
  return typeof value === 'string' ? value : undefined;
}
