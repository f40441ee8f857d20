import { describe, expect, it } from 'vitest';
import type { Credentials } from '../../src/credentials/types.js';
import { createSessionTokens } from '../../src/imds/createSessionTokens.js';
import {
  toAccountId,
  toIamInfo,
  toIdentityDocument,
  toImdsCredentials,
  toRoleName,
} from '../../src/imds/toImdsResponses.js';
import { createFakeClock } from '../helpers/fakeClock.js';

const SET: Credentials = {
  accessKeyId: 'ASIAFAKE000000000001',
  secretAccessKey: 'secret-1',
  sessionToken: 'session-1',
  expiresAtMs: Date.UTC(2026, 10, 25, 13, 0, 0, 999),
  accountId: undefined,
  roleArn: 'arn:aws-us-gov:iam::123456789012:role/team/Legacy',
};

describe('IMDS bodies', () => {
  it.each([
    ['arn:aws:iam::123456789012:role/App', 'App', '123456789012'],
    ['arn:aws-us-gov:iam::210987654321:role/team/sub/Legacy', 'Legacy', '210987654321'],
  ])('names %s by its last segment and account', (arn, name, account) => {
    expect([toRoleName(arn), toAccountId(arn)]).toEqual([name, account]);
  });

  it('shapes credentials as EC2 does, in whole seconds with Z, and adds AccountId only when extended', () => {
    const plain = JSON.parse(toImdsCredentials(SET, Date.UTC(2026, 10, 25, 12, 0, 0), false));
    const extended = JSON.parse(toImdsCredentials(SET, Date.UTC(2026, 10, 25, 12, 0, 0), true));

    expect(plain).toEqual({
      Code: 'Success',
      LastUpdated: '2026-11-25T12:00:00Z',
      Type: 'AWS-HMAC',
      AccessKeyId: 'ASIAFAKE000000000001',
      SecretAccessKey: 'secret-1',
      Token: 'session-1',
      Expiration: '2026-11-25T13:00:00Z',
    });
    expect(extended).toEqual({ ...plain, AccountId: '123456789012' });
  });

  it('names an instance profile after the role and keeps the document to account and region', () => {
    expect(JSON.parse(toIamInfo(SET.roleArn, Date.UTC(2026, 0, 1)))).toEqual({
      Code: 'Success',
      LastUpdated: '2026-01-01T00:00:00Z',
      InstanceProfileArn: 'arn:aws-us-gov:iam::123456789012:instance-profile/team/Legacy',
    });
    expect(JSON.parse(toIdentityDocument(SET.roleArn, 'us-gov-west-1'))).toEqual({
      accountId: '123456789012',
      region: 'us-gov-west-1',
    });
  });
});

describe('createSessionTokens', () => {
  it('accepts a token until its TTL has passed, to the millisecond', async () => {
    const clock = createFakeClock();
    const sessions = createSessionTokens({ clock });
    const token = sessions.issue(2);

    await clock.advance(1_999);
    const justBefore = sessions.isValid(token);
    await clock.advance(1);

    expect(justBefore).toBe(true);
    expect(sessions.isValid(token)).toBe(false);
    expect(sessions.isValid('made-up')).toBe(false);
  });

  it('holds at most maxTokens, dropping expired ones first, then the oldest', async () => {
    const clock = createFakeClock();
    let n = 0;
    const sessions = createSessionTokens({ clock, maxTokens: 3, newToken: () => `t${++n}` });
    sessions.issue(1);
    sessions.issue(100);
    sessions.issue(100);
    await clock.advance(1_000);

    sessions.issue(100); // t1 has expired: it makes room
    sessions.issue(100); // full of live ones: the oldest (t2) goes

    expect(['t1', 't2', 't3', 't4', 't5'].map((t) => sessions.isValid(t))).toEqual([
      false,
      false,
      true,
      true,
      true,
    ]);
    expect(sessions.size).toBe(3);
  });

  it('issues 256-bit URL-safe tokens, different each time', () => {
    const sessions = createSessionTokens({ clock: createFakeClock() });

    const tokens = [sessions.issue(60), sessions.issue(60)];

    expect(tokens[0]).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(tokens[0]).not.toBe(tokens[1]);
  });
});
