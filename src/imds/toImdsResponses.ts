import type { Credentials } from '../credentials/types.js';
import { toExpiration } from '../endpoint/toEcsResponse.js';

/**
 * The bodies of the IMDS paths credproxy answers (CLIENT-CONTRACT.md, "IMDSv2"). Pure: the
 * listener hands in the set, the role and the time; these shape it as EC2 does.
 */

/** The role name IMDS lists: the last segment of the role ARN (after any path). */
export function toRoleName(roleArn: string): string {
  return roleArn.slice(roleArn.lastIndexOf('/') + 1);
}

/** `arn:aws:iam::123456789012:role/x` → `123456789012`. */
export function toAccountId(roleArn: string): string {
  return roleArn.split(':')[4] ?? '';
}

/**
 * `security-credentials/<role>`: botocore and JS require the four credential keys (the
 * Expiration in whole seconds with a `Z`); `Code`, `LastUpdated` and `Type` are EC2's. The
 * `-extended` variant adds `AccountId`, as EC2 does for SDKs that ask for it.
 */
export function toImdsCredentials(
  credentials: Credentials,
  lastUpdatedMs: number,
  extended: boolean,
): string {
  return JSON.stringify({
    Code: 'Success',
    LastUpdated: toExpiration(lastUpdatedMs),
    Type: 'AWS-HMAC',
    AccessKeyId: credentials.accessKeyId,
    SecretAccessKey: credentials.secretAccessKey,
    Token: credentials.sessionToken,
    Expiration: toExpiration(credentials.expiresAtMs),
    ...(extended ? { AccountId: credentials.accountId ?? toAccountId(credentials.roleArn) } : {}),
  });
}

/**
 * `iam/info`. There is no instance profile: the ARN names one after the role (same partition,
 * account and path), which is what tools that print or parse it need; no made-up profile id.
 */
export function toIamInfo(roleArn: string, lastUpdatedMs: number): string {
  return JSON.stringify({
    Code: 'Success',
    LastUpdated: toExpiration(lastUpdatedMs),
    InstanceProfileArn: roleArn.replace(/:role\//, ':instance-profile/'),
  });
}

/** `dynamic/instance-identity/document`, minimal: the account and region, nothing invented. */
export function toIdentityDocument(roleArn: string, region: string): string {
  return JSON.stringify({ accountId: toAccountId(roleArn), region });
}
