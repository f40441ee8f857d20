import type { IssueCollector } from './issues.js';
import { joinKeyPath } from './keyPath.js';
import type { AssumeRoleParams, SourceCredentials } from './types.js';

/**
 * STS caps a session assumed with role credentials (role chaining) at one hour, whatever the
 * role's maximum session duration (IAM user guide, "Role chaining").
 */
export const MAX_CHAINED_SESSION_SECONDS = 3600;

/** What AssumeRoleWithWebIdentity does not take: the token carries who the caller is. */
const NOT_WITH_WEB_IDENTITY = ['ExternalId', 'Tags', 'TransitiveTagKeys', 'SourceIdentity'];

export interface RoleChainInput {
  /** The schema-valid `assumed_role` block (defaults applied). */
  readonly raw: Readonly<Record<string, unknown>>;
  /** Its AssumeRoleParams, from toAssumeRoleParams. */
  readonly role: AssumeRoleParams;
  readonly source: SourceCredentials;
  /** The role of a web_identity source (toWebIdentityRole), the chain's first link. */
  readonly webIdentityRole: AssumeRoleParams | undefined;
  /** Whether the service's own source_credentials names a kind (keys, profile, web identity). */
  readonly ownSourceKind: boolean;
  /** The service's key path (services.NAME). */
  readonly path: string;
  readonly issues: IssueCollector;
  readonly resolvePath: (raw: string) => string;
}

/**
 * Resolves what the service's role is assumed from. A web_identity source's role and
 * `assumed_role.chain` become `role.chain`, in order; `assumed_role.web_identity_token_file`
 * makes the source a web-identity one for the role itself. Every role assumed with role
 * credentials may last at most an hour: a longer DurationSeconds is an error at its key.
 */
export function toRoleChain(input: RoleChainInput): {
  readonly role: AssumeRoleParams;
  readonly source: SourceCredentials;
} {
  const { raw, role, source, issues } = input;
  const rolePath = joinKeyPath(input.path, 'assumed_role');
  const links = Array.isArray(raw.chain) ? raw.chain.map(toChainLink) : [];
  if (typeof raw.web_identity_token_file === 'string') {
    checkDirectWebIdentity(input, links.length > 0, rolePath);
    const tokenFile = input.resolvePath(raw.web_identity_token_file);
    return { role, source: { kind: 'webIdentity', region: source.region, tokenFile } };
  }
  const first = input.webIdentityRole;
  const offset = first === undefined ? 0 : 1;
  const chain = first === undefined ? links : [first, ...links];
  links.forEach((link, index) => {
    if (index + offset > 0) {
      checkChainedDuration(link, `${joinKeyPath(rolePath, 'chain')}[${index}]`, issues);
    }
  });
  if (chain.length > 0) checkChainedDuration(role, rolePath, issues);
  return chain.length === 0 ? { role, source } : { role: { ...role, chain }, source };
}

function checkDirectWebIdentity(input: RoleChainInput, hasChain: boolean, rolePath: string): void {
  const { raw, issues } = input;
  const at = joinKeyPath(rolePath, 'web_identity_token_file');
  if (hasChain) {
    issues.error(
      at,
      'cannot be combined with chain (the token would be exchanged for the first link): use source_credentials.web_identity for the role the token is exchanged for',
    );
  }
  if (input.ownSourceKind) {
    issues.error(
      at,
      "makes the token the source: remove the service's own iam_keys, iam_profile or web_identity",
    );
  }
  for (const key of NOT_WITH_WEB_IDENTITY) {
    if (raw[key] !== undefined) {
      issues.error(
        joinKeyPath(rolePath, key),
        'is not taken by AssumeRoleWithWebIdentity (web_identity_token_file is set): the token carries the identity',
      );
    }
  }
}

function checkChainedDuration(role: AssumeRoleParams, path: string, issues: IssueCollector): void {
  if (role.durationSeconds > MAX_CHAINED_SESSION_SECONDS) {
    issues.error(
      joinKeyPath(path, 'DurationSeconds'),
      `is ${role.durationSeconds}, but this role is assumed with role credentials (a chained session, after a chain link or a web_identity source), which STS caps at ${MAX_CHAINED_SESSION_SECONDS} seconds`,
    );
  }
}

function toChainLink(entry: Readonly<Record<string, unknown>>): AssumeRoleParams {
  return {
    roleArn: String(entry.RoleArn),
    roleSessionName: String(entry.RoleSessionName),
    durationSeconds: Number(entry.DurationSeconds),
    ...(typeof entry.ExternalId === 'string' ? { externalId: entry.ExternalId } : {}),
  };
}
