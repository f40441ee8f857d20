import { describe, expect, it } from 'vitest';
import { FILE, linesOf, parse, validConfig } from './configText.js';

const ARN_PATH = `${FILE}: services.app1.assumed_role.RoleArn`;

describe('assumed_role.RoleArn', () => {
  it.each([
    'arn:aws:iam::123456789012:role/App',
    'arn:aws-cn:iam::123456789012:role/App',
    'arn:aws-us-gov:iam::123456789012:role/App',
    'arn:aws-iso:iam::123456789012:role/App',
    'arn:aws-iso-b:iam::123456789012:role/App',
    'arn:aws-iso-e:iam::123456789012:role/App',
    'arn:aws-iso-f:iam::123456789012:role/App',
    'arn:aws:iam::123456789012:role/team/sub/App',
    'arn:aws:iam::123456789012:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS',
    'arn:aws:iam::123456789012:role/with+=,.@_-chars',
  ])('accepts %s', (roleArn) => {
    const loaded = parse(validConfig({ role: { RoleArn: roleArn } }));

    expect(loaded.config.services[0]?.role?.roleArn).toBe(roleArn);
  });

  it.each([
    ['a user ARN', 'arn:aws:iam::123456789012:user/App'],
    ['an 11-digit account', 'arn:aws:iam::12345678901:role/App'],
    ['no role name', 'arn:aws:iam::123456789012:role/'],
    ['a trailing slash', 'arn:aws:iam::123456789012:role/team/'],
    ['an unknown service', 'arn:aws:sts::123456789012:role/App'],
    ['a bare name', 'App'],
    ['a partition typo', 'arn:AWS:iam::123456789012:role/App'],
  ])('rejects %s', (_case, roleArn) => {
    const lines = linesOf(validConfig({ role: { RoleArn: roleArn } }));

    expect(lines).toEqual([
      `${ARN_PATH}: must be an IAM role ARN such as arn:aws:iam::123456789012:role/Name (any partition, optional path)`,
    ]);
  });

  it('is required', () => {
    const document = validConfig({});
    const service = (document.services as Record<string, Record<string, unknown>>).app1;
    if (service) service.assumed_role = {};

    expect(linesOf(document)).toEqual([`${ARN_PATH}: is required`]);
  });
});

describe('assumed_role keys', () => {
  it.each([
    ['DurationSeconds', 900, true],
    ['DurationSeconds', 43200, true],
    ['DurationSeconds', 899, false],
    ['DurationSeconds', 43201, false],
    ['RoleSessionName', 'ab', true],
    ['RoleSessionName', 'a'.repeat(64), true],
    ['RoleSessionName', 'a', false],
    ['RoleSessionName', 'a'.repeat(65), false],
    ['RoleSessionName', 'has space', false],
    ['ExternalId', 'ab', true],
    ['ExternalId', `a:/${'b'.repeat(1222)}`, false],
    ['ExternalId', `a:/${'b'.repeat(1221)}`, true],
    ['ExternalId', 'x', false],
    ['ExternalId', 'no*star', false],
    ['SourceIdentity', 'alice@example.com', true],
    ['SourceIdentity', 'a', false],
    ['TransitiveTagKeys', ['team', 'cost-center'], true],
    ['TransitiveTagKeys', ['team', 'team'], false],
    ['PolicyArns', [{ arn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }], true],
    ['PolicyArns', [{ arn: 'arn:aws-us-gov:iam::123456789012:policy/path/Mine' }], true],
    ['PolicyArns', [{ arn: 'arn:aws:iam::123456789012:role/NotAPolicy' }], false],
    ['PolicyArns', [{ ARN: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }], false],
    ['PolicyArns', Array(10).fill({ arn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }), true],
    ['PolicyArns', Array(11).fill({ arn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }), false],
    ['Tags', [{ Key: 'team', Value: 'payments' }], true],
    ['Tags', [{ Key: 'team' }], false],
    ['Tags', [{ Key: '', Value: 'x' }], false],
    ['Policy', { Version: '2012-10-17' }, false],
  ])('%s = %j is valid: %s', (key, value, valid) => {
    const document = validConfig({ role: { [key]: value } });

    const outcome = valid ? parse(document) : linesOf(document);

    if (valid) expect(outcome).toHaveProperty('config');
    else expect(outcome).not.toHaveLength(0);
  });

  it.each([
    ['DurationSeconds', 899, 'must be from 900 to 43200'],
    ['RoleSessionName', 'a', 'must be 2 to 64 characters of letters, digits and +=,.@_-'],
    ['ExternalId', 'x', 'must be 2 to 1224 characters of letters, digits and +=,.@:/_-'],
    ['Policy', { Version: '2012-10-17' }, 'must be a string'],
  ])('reports %s = %j as "%s"', (key, value, message) => {
    const lines = linesOf(validConfig({ role: { [key]: value } }));

    expect(lines).toEqual([`${FILE}: services.app1.assumed_role.${key}: ${message}`]);
  });

  it('allows 50 tags and rejects 51', () => {
    const tags = (count: number) =>
      Array.from({ length: count }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));

    const fifty = parse(validConfig({ role: { Tags: tags(50) } }));
    const fiftyOne = linesOf(validConfig({ role: { Tags: tags(51) } }));

    expect(fifty.config.services[0]?.role?.tags).toHaveLength(50);
    expect(fiftyOne).toEqual([
      `${FILE}: services.app1.assumed_role.Tags: must list at most 50 items`,
    ]);
  });

  it('rejects session tag keys that differ only in case', () => {
    const lines = linesOf(
      validConfig({
        role: {
          Tags: [
            { Key: 'Team', Value: 'a' },
            { Key: 'team', Value: 'b' },
          ],
        },
      }),
    );

    expect(lines).toEqual([
      `${FILE}: services.app1.assumed_role.Tags[1].Key: repeats the key of services.app1.assumed_role.Tags[0].Key (session tag keys are case-insensitive)`,
    ]);
  });

  it.each([
    [
      'Bogus',
      'is not a known key (expected one of: RoleArn, RoleSessionName, DurationSeconds, ExternalId, Policy, PolicyArns, Tags, TransitiveTagKeys, SourceIdentity, chain, web_identity_token_file)',
    ],
    ['roleSessionName', 'is not a known key: did you mean RoleSessionName?'],
    ['RoleArm', 'is not a known key: did you mean RoleArn?'],
    ['DurationSecond', 'is not a known key: did you mean DurationSeconds?'],
    ['Polciy', 'is not a known key: did you mean Policy?'],
    [
      'TokenCode',
      'is not a known key: MFA is not supported: a one-time code in a config file cannot refresh a session',
    ],
    [
      'x-note',
      'is not a known key (expected one of: RoleArn, RoleSessionName, DurationSeconds, ExternalId, Policy, PolicyArns, Tags, TransitiveTagKeys, SourceIdentity, chain, web_identity_token_file)',
    ],
  ])('rejects the unknown key %s instead of dropping it', (key, message) => {
    const lines = linesOf(validConfig({ role: { [key]: 'x' } }));

    expect(lines).toEqual([`${FILE}: services.app1.assumed_role.${key}: ${message}`]);
  });

  it('applies the defaults: session name credproxy, 3600 seconds', () => {
    const loaded = parse(validConfig({}));

    expect(loaded.config.services[0]?.role).toEqual({
      roleArn: 'arn:aws:iam::123456789012:role/App',
      roleSessionName: 'credproxy',
      durationSeconds: 3600,
    });
  });

  it('normalizes every key it accepts', () => {
    const loaded = parse(
      validConfig({
        role: {
          RoleSessionName: 'app1-session',
          DurationSeconds: 7200,
          ExternalId: 'ext-123',
          Policy: '{\n  "Version": "2012-10-17",\n  "Statement": []\n}',
          PolicyArns: [{ arn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }],
          Tags: [{ Key: 'team', Value: 'payments' }],
          TransitiveTagKeys: ['team'],
          SourceIdentity: 'alice',
        },
      }),
    );

    expect(loaded.config.services[0]?.role).toEqual({
      roleArn: 'arn:aws:iam::123456789012:role/App',
      roleSessionName: 'app1-session',
      durationSeconds: 7200,
      externalId: 'ext-123',
      policy: '{"Version":"2012-10-17","Statement":[]}',
      policyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'],
      tags: [{ key: 'team', value: 'payments' }],
      transitiveTagKeys: ['team'],
      sourceIdentity: 'alice',
    });
  });
});

describe('assumed_role.Policy', () => {
  const policyOfLength = (length: number): string => {
    const skeleton = JSON.stringify({ Version: '2012-10-17', Sid: '' });
    return JSON.stringify({ Version: '2012-10-17', Sid: 'x'.repeat(length - skeleton.length) });
  };

  it('accepts a policy of exactly 2048 characters once minified, however it is indented', () => {
    const indented = JSON.stringify(JSON.parse(policyOfLength(2048)), null, 8);

    const loaded = parse(validConfig({ role: { Policy: indented } }));

    expect(indented.length).toBeGreaterThan(2048);
    expect(loaded.config.services[0]?.role?.policy).toHaveLength(2048);
  });

  it('rejects 2049 characters once minified', () => {
    const lines = linesOf(validConfig({ role: { Policy: policyOfLength(2049) } }));

    expect(lines).toEqual([
      `${FILE}: services.app1.assumed_role.Policy: is 2049 characters once minified; STS accepts at most 2048`,
    ]);
  });

  it.each([
    ['not JSON', '{"Version": ', 'must be a JSON policy document (it does not parse as JSON)'],
    ['a JSON list', '[]', 'must be a JSON policy document: an object with Version and Statement'],
  ])('rejects %s', (_case, policy, message) => {
    const lines = linesOf(validConfig({ role: { Policy: policy } }));

    expect(lines).toEqual([`${FILE}: services.app1.assumed_role.Policy: ${message}`]);
  });
});
