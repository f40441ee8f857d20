import { describe, expect, it } from 'vitest';
import type { AssumeRoleParams } from '../../src/config/types.js';
import { createCredentialCache } from '../../src/credentials/createCredentialCache.js';
import type { CredentialTarget, SigningCredentials } from '../../src/credentials/ports.js';
import type { Credentials } from '../../src/credentials/types.js';
import { CredentialsUnavailableError } from '../../src/errors.js';
import { makeService } from '../helpers/configs.js';
import { createFakeAssumer } from '../helpers/fakeAssumer.js';
import { createFakeClock } from '../helpers/fakeClock.js';

const MINUTE = 60_000;
const silent = { debug() {}, info() {}, warn() {}, error() {} };
const policy = { refreshBufferSeconds: 1200, retryDelaySeconds: 60, requestTimeoutSeconds: 5 };
const HUB: AssumeRoleParams = {
  roleArn: 'arn:aws:iam::111111111111:role/Hub',
  roleSessionName: 'credproxy',
  durationSeconds: 3600,
};
const SPOKE: AssumeRoleParams = { ...HUB, roleArn: 'arn:aws:iam::222222222222:role/Spoke' };

/** One STS call as the port saw it: which role, signed by which prefix's key (or the source). */
interface Call {
  readonly role: string;
  readonly signedWith: string | undefined;
  readonly made: Credentials;
}

function setup() {
  const clock = createFakeClock();
  const fake = createFakeAssumer(clock);
  const calls: Call[] = [];
  const cache = createCredentialCache(policy, {
    assumer: {
      async assumeRole(target: CredentialTarget, signer?: SigningCredentials) {
        const made = await fake.assumeRole(target);
        calls.push({
          role: target.role.roleArn,
          signedWith: signer?.credentials.accessKeyId,
          made,
        });
        return made;
      },
    },
    clock,
    random: () => 0,
    logger: silent,
    observer: {},
  });
  return { clock, fake, cache, calls };
}

const chained = (name: string, chain: AssumeRoleParams[]) =>
  makeService(name, { role: { ...makeService(name).role, chain } });

describe('role chains in the credential cache', () => {
  it('assumes each link with the credentials of the one before, the first with the source', async () => {
    const { cache, calls } = setup();
    cache.apply([chained('app', [HUB, SPOKE])]);

    await cache.prime();

    expect(calls.map((call) => call.role)).toEqual([
      HUB.roleArn,
      SPOKE.roleArn,
      'arn:aws:iam::123456789012:role/app',
    ]);
    expect(calls.map((call) => call.signedWith)).toEqual([
      undefined,
      calls[0]?.made.accessKeyId,
      calls[1]?.made.accessKeyId,
    ]);
    expect(cache.table().get('app')?.current()?.accessKeyId).toBe(calls[2]?.made.accessKeyId);
  });

  it('shares an intermediate set between services with the same chain prefix: one call for both', async () => {
    const { cache, calls } = setup();
    cache.apply([chained('a', [HUB]), chained('b', [HUB]), chained('c', [SPOKE])]);

    await cache.prime();

    expect(calls.filter((call) => call.role === HUB.roleArn)).toHaveLength(1);
    expect(calls.filter((call) => call.role === SPOKE.roleArn)).toHaveLength(1);
    const hubKey = calls.find((call) => call.role === HUB.roleArn)?.made.accessKeyId;
    expect(calls.filter((call) => call.signedWith === hubKey).map((call) => call.role)).toEqual([
      'arn:aws:iam::123456789012:role/a',
      'arn:aws:iam::123456789012:role/b',
    ]);
  });

  it('serves a set that expires with the earliest expiry of its chain, and refreshes by that one', async () => {
    const { cache, calls, clock, fake } = setup();
    // The hub's session ends after 30 minutes; the service's role would last an hour.
    fake.script.push({ lifetimeMs: 30 * MINUTE });
    cache.apply([chained('app', [HUB])]);
    await cache.prime();
    const first = cache.table().get('app')?.current();
    const hubExpiry = calls[0]?.made.expiresAtMs;

    // lead = min(1200 s, 3600 s / 2) = 20 min before the 30-minute expiry, not the hour's.
    await clock.advance(10 * MINUTE - 1);
    const before = calls.length;
    await clock.advance(1);

    expect(calls[1]?.made.expiresAtMs).toBe(clock.now() - 10 * MINUTE + 60 * MINUTE);
    expect(first?.expiresAtMs).toBe(hubExpiry);
    expect(before).toBe(2);
    expect(calls.slice(2).map((call) => call.role)).toEqual([
      HUB.roleArn,
      'arn:aws:iam::123456789012:role/app',
    ]);
    expect(cache.table().get('app')?.current()?.expiresAtMs).toBe(clock.now() + 60 * MINUTE);
  });

  it('computes the lead from the shortest session of the chain (a 900 s link: 450 s)', async () => {
    const { cache, calls, clock } = setup();
    cache.apply([chained('app', [{ ...HUB, durationSeconds: 900 }])]);
    await cache.prime();

    await clock.advance(450 * 1000 - 1);
    const before = calls.length;
    await clock.advance(1);

    expect(before).toBe(2);
    expect(calls.slice(2).map((call) => call.role)).toEqual([
      HUB.roleArn,
      'arn:aws:iam::123456789012:role/app',
    ]);
  });

  it("fails the service with the intermediate's error, and retries both once STS answers", async () => {
    const { cache, calls, clock, fake } = setup();
    fake.script.push(
      new CredentialsUnavailableError('STS_ACCESS_DENIED', 'STS denied AssumeRole', false),
    );
    cache.apply([chained('app', [HUB])]);

    await cache.prime();
    const failure = cache.table().get('app')?.lastError();
    await clock.advance(MINUTE);

    expect(failure?.code).toBe('STS_ACCESS_DENIED');
    expect(calls.map((call) => call.role)).toEqual([
      HUB.roleArn,
      'arn:aws:iam::123456789012:role/app',
    ]);
    expect(cache.table().get('app')?.current()).toBeDefined();
  });

  it('retires an intermediate set no service needs after a reload', async () => {
    const { cache, calls, clock } = setup();
    cache.apply([chained('app', [HUB])]);
    await cache.prime();

    cache.apply([makeService('app')]);
    await cache.prime();
    await clock.advance(3 * 60 * MINUTE);

    expect(calls.filter((call) => call.role === HUB.roleArn)).toHaveLength(1);
  });
});
