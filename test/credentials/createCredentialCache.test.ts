import { describe, expect, it } from 'vitest';
import { createCredentialCache } from '../../src/credentials/createCredentialCache.js';
import { CredentialsUnavailableError } from '../../src/errors.js';
import { makeService } from '../helpers/configs.js';
import { createFakeAssumer } from '../helpers/fakeAssumer.js';
import { createFakeClock } from '../helpers/fakeClock.js';

const MINUTE = 60_000;
const silent = { debug() {}, info() {}, warn() {}, error() {} };
const policy = { refreshBufferSeconds: 1200, retryDelaySeconds: 60, requestTimeoutSeconds: 5 };

function setup(jitter = 0) {
  const clock = createFakeClock();
  const assumer = createFakeAssumer(clock);
  const events: string[] = [];
  const cache = createCredentialCache(policy, {
    assumer,
    clock,
    random: () => jitter,
    logger: silent,
    observer: {
      issued: (service, _c, kind) => events.push(`issued:${service.name}:${kind}`),
      failed: (service, error) => events.push(`failed:${service.name}:${error.code}`),
    },
  });
  return { clock, assumer, cache, events };
}

const throttled = () =>
  new CredentialsUnavailableError('STS_THROTTLED', 'STS throttled the call (Throttling)', true);
const denied = () =>
  new CredentialsUnavailableError('STS_ACCESS_DENIED', 'STS denied AssumeRole', false);

describe('createCredentialCache', () => {
  it('fetches every service once when primed and serves the set from memory', async () => {
    const { cache, assumer } = setup();
    cache.apply([makeService('a'), makeService('b')]);

    await cache.prime();
    const a = cache.table().get('a')?.current();
    for (let i = 0; i < 100; i++) cache.table().get('a')?.current();

    expect(assumer.calls).toBe(2);
    expect(a?.roleArn).toBe('arn:aws:iam::123456789012:role/a');
  });

  it('swaps in a fresh set in the background with 20 minutes left on an hour-long session', async () => {
    const { cache, assumer, clock, events } = setup(0);
    cache.apply([makeService('a')]);
    await cache.prime();
    const first = cache.table().get('a')?.current();

    await clock.advance(40 * MINUTE - 1);
    const stillFirst = cache.table().get('a')?.current();
    await clock.advance(1);
    const second = cache.table().get('a')?.current();

    expect(stillFirst).toBe(first);
    expect(assumer.calls).toBe(2);
    expect(second).not.toBe(first);
    expect(events).toEqual(['issued:a:initial', 'issued:a:refresh']);
  });

  it('swaps earlier by the jitter draw: half the 10 % range moves it one minute', async () => {
    const { cache, assumer, clock } = setup(0.5);
    cache.apply([makeService('a')]);
    await cache.prime();

    await clock.advance(39 * MINUTE - 1);
    const callsBefore = assumer.calls;
    await clock.advance(1);

    expect(callsBefore).toBe(1);
    expect(assumer.calls).toBe(2);
  });

  it('keeps the last good set through failed refreshes until less than 5 minutes are left', async () => {
    const { cache, assumer, clock } = setup(0);
    cache.apply([makeService('a')]);
    await cache.prime();
    const first = cache.table().get('a')?.current();
    assumer.script = Array.from({ length: 50 }, throttled);

    await clock.advance(55 * MINUTE);
    const beforeFloor = cache.table().get('a')?.current();
    await clock.advance(1);
    const atFloor = cache.table().get('a')?.current();

    expect(beforeFloor).toBe(first);
    expect(atFloor).toBeUndefined();
    expect(cache.table().get('a')?.lastError()?.code).toBe('STS_THROTTLED');
  });

  it('retries a failed refresh of a warm service with exponential backoff from retry_delay', async () => {
    const { cache, assumer, clock } = setup(0);
    cache.apply([makeService('a')]);
    await cache.prime();
    assumer.script = [throttled(), throttled(), throttled()];

    await clock.advance(40 * MINUTE);
    const times: number[] = [];
    const start = clock.now();
    for (let i = 0; i < 3; i++) {
      const before = assumer.calls;
      while (assumer.calls === before) await clock.advance(1_000);
      times.push((clock.now() - start) / 1000);
    }

    // The refresh at 40 min fails; retries at +60 s, +180 s, +420 s (that one succeeds).
    expect(times).toEqual([60, 180, 420]);
    expect(cache.table().get('a')?.current()?.accessKeyId).toBe('ASIAFAKE000000000005');
  });

  it('retries a cold service every 15 s at first, not after retry_delay', async () => {
    const { cache, assumer, clock } = setup(0);
    cache.apply([makeService('a')]);
    assumer.script = [throttled(), throttled(), throttled(), throttled()];

    await cache.prime();
    const times: number[] = [];
    const start = clock.now();
    for (let i = 0; i < 4; i++) {
      const before = assumer.calls;
      while (assumer.calls === before) await clock.advance(1_000);
      times.push((clock.now() - start) / 1000);
    }

    // 2, 4 and 8 s are raised to the 15 s minimum interval, then 16 s; the fifth call succeeds.
    expect(times).toEqual([15, 30, 45, 61]);
    expect(cache.table().get('a')?.current()).toBeDefined();
  });

  it('lets a credential request retry a cold service 15 s after a final error, not 5 minutes', async () => {
    const { cache, assumer, clock } = setup(0);
    cache.apply([makeService('a')]);
    assumer.script = [denied()];
    await cache.prime();

    await clock.advance(14_000);
    const tooSoon = await cache
      .table()
      .get('a')
      ?.waitForCredentials(750)
      .catch((e: CredentialsUnavailableError) => e);
    await clock.advance(1_000);
    const served = await cache.table().get('a')?.waitForCredentials(750);

    expect((tooSoon as CredentialsUnavailableError).code).toBe('STS_ACCESS_DENIED');
    expect((tooSoon as CredentialsUnavailableError).retryAfterSeconds).toBe(1);
    expect(served?.roleArn).toBe('arn:aws:iam::123456789012:role/a');
    expect(assumer.calls).toBe(2);
  });

  it('backs off a final error of a warm service for at least 5 minutes', async () => {
    const { cache, assumer, clock } = setup(0);
    cache.apply([makeService('a')]);
    await cache.prime();
    assumer.script = [denied()];
    await clock.advance(40 * MINUTE);

    await clock.advance(5 * MINUTE - 1);
    const callsBefore = assumer.calls;
    await clock.advance(1);

    expect(callsBefore).toBe(2);
    expect(assumer.calls).toBe(3);
  });

  it('retries a warm service by the time its set falls below the floor, whatever the backoff', async () => {
    const { cache, assumer, clock } = setup(0);
    cache.apply([makeService('a')]);
    await cache.prime();
    // Final failures back off 5, then 10 minutes: the second wait would pass the floor at 55 min.
    assumer.script = [denied(), denied(), denied()];

    await clock.advance(45 * MINUTE);
    const callsAt45 = assumer.calls;
    await clock.advance(10 * MINUTE);

    expect(callsAt45).toBe(3);
    expect(assumer.calls).toBe(4);
  });

  it('reschedules a healthy set when a reload changes refresh_buffer_seconds', async () => {
    const { cache, assumer, clock } = setup(0);
    cache.apply([makeService('a')]);
    await cache.prime();

    cache.setPolicy({ ...policy, refreshBufferSeconds: 600 });
    await clock.advance(40 * MINUTE);
    const callsAt40 = assumer.calls;
    await clock.advance(10 * MINUTE);

    expect(callsAt40).toBe(1);
    expect(assumer.calls).toBe(2);
  });

  it('retries a failing service on demand (SIGHUP) despite its backoff, but not within 15 s', async () => {
    const { cache, assumer, clock } = setup(0);
    cache.apply([makeService('a')]);
    assumer.script = [denied()];
    await cache.prime();

    await clock.advance(10_000);
    await cache.prime();
    const tooSoon = assumer.calls;
    await clock.advance(5_000);
    await cache.prime();

    expect(tooSoon).toBe(1);
    expect(assumer.calls).toBe(2);
    expect(cache.table().get('a')?.current()).toBeDefined();
  });

  it('shares one STS call among 1,000 concurrent cold requests', async () => {
    const { cache, assumer } = setup();
    cache.apply([makeService('a')]);
    const entry = cache.table().get('a');

    const results = await Promise.all(
      Array.from({ length: 1000 }, () => entry?.waitForCredentials(750)),
    );

    expect(assumer.calls).toBe(1);
    expect(new Set(results.map((c) => c?.accessKeyId)).size).toBe(1);
  });

  it('answers a cold request with CREDENTIALS_PENDING after the wait bound when STS is slow', async () => {
    const { cache, assumer, clock } = setup();
    cache.apply([makeService('a')]);
    assumer.hold = true;
    const waiting = cache.table().get('a')?.waitForCredentials(750);
    const outcome = waiting?.then(
      () => 'resolved',
      (error: CredentialsUnavailableError) => `${error.code}:${error.retryAfterSeconds}`,
    );

    await clock.advance(749);
    const early = await Promise.race([outcome, Promise.resolve('pending')]);
    await clock.advance(1);

    expect(early).toBe('pending');
    expect(await outcome).toBe('CREDENTIALS_PENDING:1');
    assumer.release();
  });

  it('fails cold requests fast within 15 s of an attempt, with Retry-After until the next one', async () => {
    const { cache, assumer, clock } = setup(0);
    cache.apply([makeService('a')]);
    assumer.script = [throttled()];
    await cache.prime();

    await clock.advance(10_000);
    const error = await cache
      .table()
      .get('a')
      ?.waitForCredentials(750)
      .catch((e: CredentialsUnavailableError) => e);

    expect(assumer.calls).toBe(1);
    expect(error).toBeInstanceOf(CredentialsUnavailableError);
    expect((error as CredentialsUnavailableError).code).toBe('STS_THROTTLED');
    expect((error as CredentialsUnavailableError).retryAfterSeconds).toBe(5);
  });

  it('never attempts STS more than once per 15 seconds, however many cold requests arrive', async () => {
    const { cache, assumer, clock } = setup(0);
    cache.apply([
      makeService('a', {
        role: {
          roleArn: 'arn:aws:iam::123456789012:role/a',
          roleSessionName: 'credproxy',
          durationSeconds: 3600,
        },
      }),
    ]);
    // STS caps the session at 4 minutes: below the serve floor, so nothing is ever servable.
    assumer.script = Array.from({ length: 10 }, () => ({ lifetimeMs: 4 * MINUTE }));
    const entry = cache.table().get('a');

    for (let i = 0; i < 60; i++) {
      await entry?.waitForCredentials(750).catch(() => undefined);
      await clock.advance(1_000);
    }

    // 60 s of one request a second: attempts at 0, 15, 30, 45 and 60 s, never more.
    expect(assumer.calls).toBe(5);
  });

  it('keeps credentials across a reload that changes only the token', async () => {
    const { cache, assumer } = setup();
    cache.apply([makeService('a')]);
    await cache.prime();
    const before = cache.table().get('a')?.current();

    const fresh = cache.apply([
      makeService('a', { authToken: 'rotated-token-0123456789abcdef0123456789' }),
    ]);

    expect(fresh).toEqual([]);
    expect(cache.table().get('a')?.current()).toBe(before);
    expect(assumer.calls).toBe(1);
  });

  it('never serves the old set for a changed role', async () => {
    const { cache } = setup();
    const old = makeService('a');
    cache.apply([old]);
    await cache.prime();
    const changed = makeService('a', {
      authToken: 'new-token-0123456789abcdef0123456789abcd',
      role: {
        roleArn: 'arn:aws:iam::123456789012:role/other',
        roleSessionName: 'credproxy',
        durationSeconds: 3600,
      },
    });

    const fresh = cache.apply([changed]);
    const beforeFetch = cache.table().get('a')?.current();
    await cache.prime(fresh);
    const afterFetch = cache.table().get('a')?.current();

    expect(fresh).toHaveLength(1);
    expect(beforeFetch).toBeUndefined();
    expect(afterFetch?.roleArn).toBe('arn:aws:iam::123456789012:role/other');
  });

  it('discards a fetch that was running when its service was removed', async () => {
    const { cache, assumer, clock } = setup();
    cache.apply([makeService('a')]);
    assumer.hold = true;
    const entry = cache.table().get('a');
    const waiting = entry?.waitForCredentials(5_000).then(
      () => 'served',
      (e: CredentialsUnavailableError) => e.code,
    );

    cache.apply([]);
    assumer.release();
    await clock.advance(1);

    expect(await waiting).toBe('CREDENTIALS_PENDING');
    expect(entry?.current()).toBeUndefined();
    expect(cache.table().size).toBe(0);
    expect(clock.pending()).toEqual([]);
  });
});
