import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JSONWebKeySet } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createJwtIdentity,
  type JwtIdentity,
} from '../../../src/identity/jwt/createJwtIdentity.js';
import {
  FIRST_LOAD_WAIT_MS,
  UNKNOWN_KID_COOLDOWN_MS,
} from '../../../src/identity/jwt/createKeySource.js';
import { makeService } from '../../helpers/configs.js';
import { createFakeClock } from '../../helpers/fakeClock.js';
import { claimsAt, makeSigner, sandboxIssuer } from '../../helpers/jwtIssuer.js';

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const agent = makeService('agent', { jwt: { issuer: 'sandbox', requireClaims: [] } });

/** A loopback JWKS endpoint that counts its requests and serves whatever set the test gives. */
async function startJwksServer(initial: JSONWebKeySet) {
  let jwks = initial;
  let requests = 0;
  let failing = false;
  let held: (() => void)[] | undefined;
  const server: Server = createServer((_req, res) => {
    requests += 1;
    if (held) {
      held.push(() =>
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks)),
      );
      return;
    }
    if (failing) {
      res.writeHead(500).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    requests: () => requests,
    serve(next: JSONWebKeySet) {
      jwks = next;
    },
    fail(on: boolean) {
      failing = on;
    },
    /** Hold every answer until release(). */
    hold() {
      held = [];
    },
    release() {
      for (const answer of held ?? []) answer();
      held = undefined;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('a jwks_url issuer', () => {
  let identity: JwtIdentity | undefined;
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    identity?.close();
    await close?.();
  });

  async function setup(initial: JSONWebKeySet, failing = false, hold = false) {
    const jwks = await startJwksServer(initial);
    jwks.fail(failing);
    if (hold) jwks.hold();
    close = jwks.close;
    const clock = createFakeClock();
    const keys = { loaded: [] as number[], failures: 0 };
    identity = createJwtIdentity(
      {
        jwt: {
          clockSkewSeconds: 30,
          issuers: [sandboxIssuer({ keys: { kind: 'jwks_url', url: jwks.url }, sessionTags: [] })],
        },
      },
      [agent],
      {
        clock,
        logger: silent,
        keys: {
          loaded: (_issuer, count) => keys.loaded.push(count),
          failed: () => {
            keys.failures += 1;
          },
        },
      },
    );
    const jwt = identity;
    return { jwks, clock, keys, authenticate: async (token: string) => jwt.authenticate(token) };
  }

  it('refetches once on an unknown kid, then refuses it; a second unknown kid within the cooldown costs no fetch', async () => {
    const trusted = await makeSigner();
    const stranger = await makeSigner();
    const { jwks, clock, keys, authenticate } = await setup(trusted.jwks);
    const first = await authenticate(await trusted.sign(claimsAt(clock.now(), { svc: 'agent' })));
    const fetchesBefore = jwks.requests();
    await clock.advance(UNKNOWN_KID_COOLDOWN_MS);

    const unknown = await authenticate(
      await stranger.sign(claimsAt(clock.now(), { svc: 'agent' })),
    );
    const fetchesAfter = jwks.requests();
    const again = await authenticate(
      await stranger.sign(claimsAt(clock.now(), { svc: 'agent', n: 2 })),
    );

    expect(first).toMatchObject({ kind: 'accepted', service: 'agent' });
    expect(fetchesBefore).toBe(1);
    expect(unknown).toEqual({ kind: 'rejected', reason: 'unknown_kid' });
    expect(fetchesAfter).toBe(2);
    expect(again).toEqual({ kind: 'rejected', reason: 'unknown_kid' });
    expect(jwks.requests()).toBe(2);
    // The refetch found the same set: confirmed (the refresh time moves), not replaced.
    expect(keys.loaded).toEqual([1, 1]);
  });

  it('accepts a token signed by a key the issuer added since the last fetch, after one refetch', async () => {
    const old = await makeSigner();
    const rotated = await makeSigner();
    const { jwks, clock, keys, authenticate } = await setup(old.jwks);
    await authenticate(await old.sign(claimsAt(clock.now(), { svc: 'agent' })));
    jwks.serve({ keys: [...old.jwks.keys, ...rotated.jwks.keys] });
    await clock.advance(UNKNOWN_KID_COOLDOWN_MS);

    const result = await authenticate(await rotated.sign(claimsAt(clock.now(), { svc: 'agent' })));

    expect(result).toMatchObject({ kind: 'accepted', service: 'agent' });
    expect(jwks.requests()).toBe(2);
    expect(keys.loaded).toEqual([1, 2]);
  });

  it('keeps the keys in use when a refetch fails, and counts the failure', async () => {
    const trusted = await makeSigner();
    const stranger = await makeSigner();
    const { jwks, clock, keys, authenticate } = await setup(trusted.jwks);
    await authenticate(await trusted.sign(claimsAt(clock.now(), { svc: 'agent' })));
    jwks.fail(true);
    await clock.advance(UNKNOWN_KID_COOLDOWN_MS);

    const unknown = await authenticate(
      await stranger.sign(claimsAt(clock.now(), { svc: 'agent' })),
    );
    const stillGood = await authenticate(
      await trusted.sign(claimsAt(clock.now(), { svc: 'agent', n: 2 })),
    );

    expect(unknown).toEqual({ kind: 'rejected', reason: 'unknown_kid' });
    expect(stillGood).toMatchObject({ kind: 'accepted' });
    expect(keys.failures).toBe(1);
  });

  it('answers unavailable (503, not 401) while the key set has never loaded', async () => {
    const trusted = await makeSigner();
    const { clock, authenticate } = await setup(trusted.jwks, true);

    const result = await authenticate(await trusted.sign(claimsAt(clock.now(), { svc: 'agent' })));

    expect(result).toEqual({ kind: 'unavailable' });
  });

  it('answers unavailable after FIRST_LOAD_WAIT_MS when the first fetch is slow, then accepts once it lands', async () => {
    const trusted = await makeSigner();
    const { jwks, clock, authenticate } = await setup(trusted.jwks, false, true);
    const token = await trusted.sign(claimsAt(clock.now(), { svc: 'agent' }));

    const waiting = authenticate(token);
    await clock.advance(FIRST_LOAD_WAIT_MS);
    const early = await waiting;
    jwks.release();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const later = await authenticate(token);

    expect(early).toEqual({ kind: 'unavailable' });
    expect(later).toMatchObject({ kind: 'accepted', service: 'agent' });
  });
});
