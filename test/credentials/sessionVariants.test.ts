import { describe, expect, it } from 'vitest';
import { createCredentialCache } from '../../src/credentials/createCredentialCache.js';
import type { CredentialSession } from '../../src/credentials/ports.js';
import { toSessionKey } from '../../src/credentials/toSessionKey.js';
import { makeService } from '../helpers/configs.js';
import { createFakeAssumer } from '../helpers/fakeAssumer.js';
import { createFakeClock } from '../helpers/fakeClock.js';

const MINUTE = 60_000;
const silent = { debug() {}, info() {}, warn() {}, error() {} };
const policy = { refreshBufferSeconds: 1200, retryDelaySeconds: 60, requestTimeoutSeconds: 5 };

function setup(maxSessionSets = 1000) {
  const clock = createFakeClock();
  const assumer = createFakeAssumer(clock);
  const evicted: string[] = [];
  const cache = createCredentialCache(
    policy,
    {
      assumer,
      clock,
      random: () => 0,
      logger: silent,
      observer: { sessionEvicted: (target) => evicted.push(target.session?.key ?? '') },
    },
    { maxSessionSets },
  );
  return { clock, assumer, cache, evicted };
}

function tenant(name: string, sourceIdentity?: string): CredentialSession {
  const session = {
    tags: [{ key: 'Tenant', value: name }],
    transitiveTagKeys: [],
    ...(sourceIdentity === undefined ? {} : { sourceIdentity }),
  };
  return { ...session, key: toSessionKey(session) };
}

describe('toSessionKey', () => {
  it('is the same whatever the order of tags, and differs with any value or the source identity', () => {
    const a = {
      tags: [
        { key: 'Tenant', value: 'acme' },
        { key: 'Team', value: 'blue' },
      ],
      transitiveTagKeys: [],
    };
    const b = { ...a, tags: [...a.tags].reverse() };

    expect(toSessionKey(a)).toBe(toSessionKey(b));
    expect(toSessionKey(a)).not.toBe(
      toSessionKey({ ...a, tags: [{ key: 'Tenant', value: 'acme' }] }),
    );
    expect(toSessionKey(a)).not.toBe(toSessionKey({ ...a, sourceIdentity: 'x1' }));
    expect(toSessionKey(a)).not.toBe(toSessionKey({ ...a, transitiveTagKeys: ['Tenant'] }));
  });
});

describe('createCredentialCache: per-session sets', () => {
  it('gives two tenants two sets, each fetched with its own tags, apart from the service set', async () => {
    const { cache, assumer } = setup();
    cache.apply([makeService('agent')]);
    await cache.prime();

    const acme = await cache.session('agent', tenant('acme'))?.waitForCredentials(750);
    const globex = await cache.session('agent', tenant('globex'))?.waitForCredentials(750);
    const base = cache.table().get('agent')?.current();

    expect(assumer.calls).toBe(3);
    expect(assumer.targets.map((t) => t.session?.tags ?? [])).toEqual([
      [],
      [{ key: 'Tenant', value: 'acme' }],
      [{ key: 'Tenant', value: 'globex' }],
    ]);
    expect(new Set([acme?.accessKeyId, globex?.accessKeyId, base?.accessKeyId]).size).toBe(3);
  });

  it("shares one set among one tenant's 100 callers: one AssumeRole", async () => {
    const { cache, assumer } = setup();
    cache.apply([makeService('agent')]);
    await cache.prime();

    const sets = await Promise.all(
      Array.from({ length: 100 }, () =>
        cache.session('agent', tenant('acme'))?.waitForCredentials(750),
      ),
    );

    expect(assumer.calls).toBe(2);
    expect(new Set(sets.map((s) => s?.accessKeyId)).size).toBe(1);
  });

  it('keeps a distinct source identity apart', async () => {
    const { cache, assumer } = setup();
    cache.apply([makeService('agent')]);

    await cache.session('agent', tenant('acme', 'sbx-1'))?.waitForCredentials(750);
    await cache.session('agent', tenant('acme', 'sbx-2'))?.waitForCredentials(750);

    expect(assumer.targets.map((t) => t.session?.sourceIdentity)).toEqual(['sbx-1', 'sbx-2']);
  });

  it('refreshes a session set on the service schedule, with the same tags', async () => {
    const { cache, assumer, clock } = setup();
    cache.apply([makeService('agent')]);
    const first = await cache.session('agent', tenant('acme'))?.waitForCredentials(750);

    await clock.advance(40 * MINUTE);
    const second = cache.session('agent', tenant('acme'))?.current();

    expect(assumer.calls).toBe(2);
    expect(second?.accessKeyId).not.toBe(first?.accessKeyId);
    expect(assumer.targets[1]?.session?.tags).toEqual([{ key: 'Tenant', value: 'acme' }]);
  });

  it('evicts the least recently requested set past the cap, stops its refresh, and reports it', async () => {
    const { cache, assumer, clock, evicted } = setup(2);
    cache.apply([makeService('agent')]);
    await cache.session('agent', tenant('a'))?.waitForCredentials(750);
    await cache.session('agent', tenant('b'))?.waitForCredentials(750);
    cache.session('agent', tenant('a'));

    await cache.session('agent', tenant('c'))?.waitForCredentials(750);
    await clock.advance(40 * MINUTE);

    expect(evicted).toEqual([tenant('b').key]);
    // a and c refreshed; b was retired and never fetched again.
    expect(assumer.targets.slice(3).map((t) => t.session?.tags[0]?.value)).toEqual(['a', 'c']);
  });

  it('drops the sets of a service whose definition changed, and answers undefined for an unknown one', async () => {
    const { cache, assumer } = setup();
    cache.apply([makeService('agent')]);
    const old = cache.session('agent', tenant('acme'));
    await old?.waitForCredentials(750);

    cache.apply([
      makeService('agent', { role: { ...makeService('agent').role, durationSeconds: 900 } }),
    ]);
    const fresh = cache.session('agent', tenant('acme'));

    expect(old?.current()).toBeUndefined();
    expect(fresh).not.toBe(old);
    expect(cache.session('nobody', tenant('acme'))).toBeUndefined();
    expect(assumer.calls).toBe(1);
  });
});
