import { describe, expect, it } from 'vitest';
import { toAssumeRoleInput, toCredentials } from '../../src/aws/toStsCalls.js';
import { CredentialsUnavailableError } from '../../src/errors.js';

const ROLE = 'arn:aws:iam::123456789012:role/app';
const expiration = new Date('2026-11-25T13:00:00Z');

describe('toCredentials', () => {
  it('maps an AssumeRole response and takes the account from the assumed-role ARN', () => {
    const credentials = toCredentials(
      {
        Credentials: {
          AccessKeyId: 'ASIAEXAMPLE',
          SecretAccessKey: 'secret',
          SessionToken: 'session',
          Expiration: expiration,
        },
        AssumedRoleUser: { Arn: 'arn:aws:sts::210987654321:assumed-role/app/credproxy' },
      },
      ROLE,
    );

    expect(credentials).toEqual({
      accessKeyId: 'ASIAEXAMPLE',
      secretAccessKey: 'secret',
      sessionToken: 'session',
      expiresAtMs: expiration.getTime(),
      accountId: '210987654321',
      roleArn: ROLE,
    });
  });

  it.each([
    ['no Credentials', {}],
    [
      'an empty key',
      {
        Credentials: {
          AccessKeyId: '',
          SecretAccessKey: 's',
          SessionToken: 't',
          Expiration: expiration,
        },
      },
    ],
    [
      'no session token',
      { Credentials: { AccessKeyId: 'A', SecretAccessKey: 's', Expiration: expiration } },
    ],
    [
      'no expiration',
      { Credentials: { AccessKeyId: 'A', SecretAccessKey: 's', SessionToken: 't' } },
    ],
  ])('rejects a response with %s as transient STS_UNAVAILABLE', (_what, body) => {
    expect(() => toCredentials(body, ROLE)).toThrow(CredentialsUnavailableError);
  });
});

describe('toAssumeRoleInput', () => {
  it('passes every configured AssumeRole key in the SDK shape', () => {
    const input = toAssumeRoleInput({
      roleArn: ROLE,
      roleSessionName: 'sess',
      durationSeconds: 3600,
      externalId: 'ext-1',
      policy: '{"Version":"2012-10-17"}',
      policyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'],
      tags: [{ key: 'team', value: 'a' }],
      transitiveTagKeys: ['team'],
      sourceIdentity: 'alice',
    });

    expect(input).toEqual({
      RoleArn: ROLE,
      RoleSessionName: 'sess',
      DurationSeconds: 3600,
      ExternalId: 'ext-1',
      Policy: '{"Version":"2012-10-17"}',
      PolicyArns: [{ arn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }],
      Tags: [{ Key: 'team', Value: 'a' }],
      TransitiveTagKeys: ['team'],
      SourceIdentity: 'alice',
    });
  });

  it("adds a caller session's tags, transitive keys and source identity to the role's own", () => {
    const input = toAssumeRoleInput(
      {
        roleArn: ROLE,
        roleSessionName: 'sess',
        durationSeconds: 3600,
        tags: [{ key: 'Env', value: 'prod' }],
      },
      {
        tags: [
          { key: 'Tenant', value: 'acme' },
          { key: 'Team', value: 'blue' },
        ],
        transitiveTagKeys: ['Tenant', 'Team'],
        sourceIdentity: 'sandbox-17',
        key: 'k',
      },
    );

    expect(input).toMatchObject({
      Tags: [
        { Key: 'Env', Value: 'prod' },
        { Key: 'Tenant', Value: 'acme' },
        { Key: 'Team', Value: 'blue' },
      ],
      TransitiveTagKeys: ['Tenant', 'Team'],
      SourceIdentity: 'sandbox-17',
    });
  });

  it('sends no Tags and no TransitiveTagKeys when there are none', () => {
    const input = toAssumeRoleInput(
      { roleArn: ROLE, roleSessionName: 'sess', durationSeconds: 3600 },
      { tags: [], transitiveTagKeys: [], key: 'k' },
    );

    expect(input.Tags).toBeUndefined();
    expect(input.TransitiveTagKeys).toBeUndefined();
    expect(input.SourceIdentity).toBeUndefined();
  });
});
