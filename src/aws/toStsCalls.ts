import type {
  AssumeRoleCommandInput,
  AssumeRoleWithWebIdentityCommandInput,
} from '@aws-sdk/client-sts';
import type { AssumeRoleParams } from '../config/types.js';
import type { CredentialSession, CredentialTarget } from '../credentials/ports.js';
import type { Credentials } from '../credentials/types.js';
import { CredentialsUnavailableError } from '../errors.js';

// The pure halves of the STS calls: credproxy's definitions to SDK inputs, and SDK outputs to
// credentials. The role assumer (createRoleAssumer.ts) does the I/O around them.
/**
 * The AssumeRoleWithWebIdentity input of a role. The call takes no ExternalId, tags or source
 * identity (they come from the token); config rules refuse them next to a web-identity source.
 */
export function toWebIdentityInput(
  role: AssumeRoleParams,
  token: string,
): AssumeRoleWithWebIdentityCommandInput {
  return {
    RoleArn: role.roleArn,
    RoleSessionName: role.roleSessionName,
    WebIdentityToken: token,
    DurationSeconds: role.durationSeconds,
    Policy: role.policy,
    PolicyArns: role.policyArns?.map((arn) => ({ arn })),
  };
}

/**
 * The AssumeRole input of a service, plus a caller session's tags and source identity when the
 * set is per session (config rules keep the two from naming one tag key or SourceIdentity twice).
 */
export function toAssumeRoleInput(
  role: AssumeRoleParams,
  session?: CredentialSession,
): AssumeRoleCommandInput {
  const tags = [...(role.tags ?? []), ...(session?.tags ?? [])];
  const transitive = [...(role.transitiveTagKeys ?? []), ...(session?.transitiveTagKeys ?? [])];
  return {
    RoleArn: role.roleArn,
    RoleSessionName: role.roleSessionName,
    DurationSeconds: role.durationSeconds,
    ExternalId: role.externalId,
    Policy: role.policy,
    PolicyArns: role.policyArns?.map((arn) => ({ arn })),
    Tags: tags.length > 0 ? tags.map(({ key, value }) => ({ Key: key, Value: value })) : undefined,
    TransitiveTagKeys: transitive.length > 0 ? transitive : undefined,
    SourceIdentity: session?.sourceIdentity ?? role.sourceIdentity,
  };
}

export function hasSessionTags(target: CredentialTarget): boolean {
  return (
    (target.role.tags?.length ?? 0) > 0 ||
    (target.session?.tags.length ?? 0) > 0 ||
    target.session?.sourceIdentity !== undefined ||
    target.role.sourceIdentity !== undefined
  );
}

/** Validates what STS returned: a body missing a field is an STS failure, not a crash. */
export function toCredentials(output: unknown, roleArn: string): Credentials {
  const body = output as {
    Credentials?: {
      AccessKeyId?: unknown;
      SecretAccessKey?: unknown;
      SessionToken?: unknown;
      Expiration?: unknown;
    };
    AssumedRoleUser?: { Arn?: unknown };
  };
  const c = body.Credentials;
  const expiration = c?.Expiration;
  const expiresAtMs = expiration instanceof Date ? expiration.getTime() : Number.NaN;
  if (
    typeof c?.AccessKeyId !== 'string' ||
    c.AccessKeyId === '' ||
    typeof c.SecretAccessKey !== 'string' ||
    c.SecretAccessKey === '' ||
    typeof c.SessionToken !== 'string' ||
    c.SessionToken === '' ||
    !Number.isFinite(expiresAtMs)
  ) {
    throw new CredentialsUnavailableError(
      'STS_UNAVAILABLE',
      'STS returned an AssumeRole response without complete credentials',
      true,
    );
  }
  return {
    accessKeyId: c.AccessKeyId,
    secretAccessKey: c.SecretAccessKey,
    sessionToken: c.SessionToken,
    expiresAtMs,
    accountId: toAccountId(body.AssumedRoleUser?.Arn) ?? toAccountId(roleArn),
    roleArn,
  };
}

/** The account id is the fifth field of an ARN: arn:partition:service:region:account:... */
function toAccountId(arn: unknown): string | undefined {
  if (typeof arn !== 'string') return undefined;
  const account = arn.split(':')[4];
  return account !== undefined && /^\d{12}$/.test(account) ? account : undefined;
}
