import { describe, expect, it } from 'vitest';
import { toEcsResponse, toExpiration } from '../../src/endpoint/toEcsResponse.js';
import { CredentialsUnavailableError, CredproxyError } from '../../src/errors.js';
import { toErrorResponse } from '../../src/http/errorResponse.js';
import { createFailureLimiter } from '../../src/identity/createFailureLimiter.js';

describe('toEcsResponse', () => {
  it('writes the ECS body with a whole-second UTC Expiration ending in Z', () => {
    const body = JSON.parse(
      toEcsResponse({
        accessKeyId: 'ASIA1',
        secretAccessKey: 'sk',
        sessionToken: 'st',
        expiresAtMs: Date.UTC(2026, 10, 25, 13, 0, 0, 987),
        accountId: '123456789012',
        roleArn: 'arn:aws:iam::123456789012:role/app',
      }).toString(),
    );

    expect(body).toEqual({
      AccessKeyId: 'ASIA1',
      SecretAccessKey: 'sk',
      Token: 'st',
      Expiration: '2026-11-25T13:00:00Z',
      AccountId: '123456789012',
      RoleArn: 'arn:aws:iam::123456789012:role/app',
    });
  });

  it('formats expirations as YYYY-MM-DDTHH:MM:SSZ', () => {
    expect(toExpiration(0)).toBe('1970-01-01T00:00:00Z');
  });
});

describe('toErrorResponse', () => {
  it.each([
    ['MISSING_TOKEN', 401],
    ['INVALID_TOKEN', 403],
    ['RATE_LIMITED', 429],
    ['NOT_FOUND', 404],
    ['METHOD_NOT_ALLOWED', 405],
    ['BAD_REQUEST', 400],
  ] as const)('answers %s with %i and the four-key JSON body', (code, status) => {
    const response = toErrorResponse(new CredproxyError(code, 'why'));

    expect(response.status).toBe(status);
    expect(response.headers['Content-Type']).toBe('application/json');
    expect(JSON.parse(response.body)).toEqual({ code, message: 'why', Code: code, Message: 'why' });
  });

  it('answers unavailable credentials with 503 and Retry-After', () => {
    const response = toErrorResponse(
      new CredentialsUnavailableError('STS_UNAVAILABLE', 'down', true, { retryAfterSeconds: 17 }),
    );

    expect(response.status).toBe(503);
    expect(response.headers['Retry-After']).toBe('17');
  });

  it('hides an unexpected error behind a generic 500 body', () => {
    const response = toErrorResponse(new Error('/home/someone/secret/path exploded'));

    expect(response.status).toBe(500);
    expect(response.body).not.toContain('/home');
    expect(JSON.parse(response.body).code).toBe('INTERNAL');
  });
});

describe('createFailureLimiter', () => {
  it('allows a burst of 100 failures, then refills 10 per second', () => {
    let now = 0;
    const limiter = createFailureLimiter({
      burst: 100,
      refillPerSecond: 10,
      maxAddresses: 10,
      now: () => now,
    });

    const burst = Array.from({ length: 101 }, () => limiter.allow('127.0.0.1'));
    const retryAfter = limiter.retryAfterSeconds('127.0.0.1');
    now += 1_000;
    const afterASecond = Array.from({ length: 11 }, () => limiter.allow('127.0.0.1'));

    expect(burst.filter(Boolean)).toHaveLength(100);
    expect(burst[100]).toBe(false);
    expect(retryAfter).toBe(1);
    expect(afterASecond.filter(Boolean)).toHaveLength(10);
  });

  it('keeps one bucket per address', () => {
    const limiter = createFailureLimiter({
      burst: 1,
      refillPerSecond: 1,
      maxAddresses: 10,
      now: () => 0,
    });

    expect([
      limiter.allow('10.0.0.1'),
      limiter.allow('10.0.0.1'),
      limiter.allow('10.0.0.2'),
    ]).toEqual([true, false, true]);
  });

  it('forgets the least recently seen address past maxAddresses', () => {
    const limiter = createFailureLimiter({
      burst: 1,
      refillPerSecond: 0.001,
      maxAddresses: 2,
      now: () => 0,
    });
    limiter.allow('a');
    limiter.allow('b');
    limiter.allow('c');

    expect(limiter.allow('a')).toBe(true);
  });
});
