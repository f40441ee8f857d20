import { describe, expect, it } from 'vitest';
import { createAuthenticator } from '../../src/identity/createAuthenticator.js';
import { createFailureLimiter } from '../../src/identity/createFailureLimiter.js';
import { createTokenIndex } from '../../src/identity/createTokenIndex.js';

describe('createTokenIndex', () => {
  it('finds the service holding a token and nothing for a near miss', () => {
    const index = createTokenIndex([
      { name: 'a', authToken: 'token-a-0123456789abcdef0123456789abcdef' },
      { name: 'b', authToken: 'token-b-0123456789abcdef0123456789abcdef' },
    ]);

    expect(index.lookup('token-a-0123456789abcdef0123456789abcdef')).toBe('a');
    expect(index.lookup('token-a-0123456789abcdef0123456789abcde')).toBeUndefined();
    expect(index.size).toBe(2);
  });
});

describe('createFailureLimiter', () => {
  it('caps failures spread over many addresses with the global ceiling', () => {
    let now = 0;
    const limiter = createFailureLimiter({
      burst: 100,
      refillPerSecond: 10,
      maxAddresses: 10_000,
      globalBurst: 50,
      globalRefillPerSecond: 5,
      now: () => now,
    });

    const spread = Array.from({ length: 60 }, (_, i) => limiter.allow(`127.0.0.${i}`));
    const retryAfter = limiter.retryAfterSeconds('127.0.0.200');
    now += 1_000;
    const afterASecond = Array.from({ length: 10 }, (_, i) => limiter.allow(`127.1.0.${i}`));

    expect(spread.filter(Boolean)).toHaveLength(50);
    expect(retryAfter).toBe(1);
    expect(afterASecond.filter(Boolean)).toHaveLength(5);
  });
});

describe('createAuthenticator', () => {
  const index = createTokenIndex([
    { name: 'a', authToken: 'valid-token-0123456789abcdef01234567' },
  ]);

  it('never limits a valid token, even from an address that is over its limit', () => {
    const limiter = createFailureLimiter({
      burst: 1,
      refillPerSecond: 0.001,
      maxAddresses: 10,
      now: () => 0,
    });
    const auth = createAuthenticator({ index: () => index, limiter });

    const failures = [auth.authenticate('x', '127.0.0.1'), auth.authenticate('y', '127.0.0.1')];
    const valid = auth.authenticate('valid-token-0123456789abcdef01234567', '127.0.0.1');

    // Static tokens are answered synchronously: never a promise.
    expect(failures.map((f) => (f instanceof Promise ? 'async' : f.ok ? 'ok' : f.reason))).toEqual([
      'invalid_token',
      'rate_limited',
    ]);
    expect(valid).toEqual({ ok: true, service: 'a' });
  });

  it('tells a missing token from a wrong one', () => {
    const limiter = createFailureLimiter({
      burst: 10,
      refillPerSecond: 1,
      maxAddresses: 10,
      now: () => 0,
    });
    const auth = createAuthenticator({ index: () => index, limiter });

    expect(auth.authenticate(undefined, 'a')).toMatchObject({ ok: false, reason: 'missing_token' });
    expect(auth.authenticate('', 'a')).toMatchObject({ ok: false, reason: 'missing_token' });
  });
});
