import { writeFileSync } from 'node:fs';
import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import type { JwtIssuerConfig } from '../../../src/config/identityTypes.js';
import type { ServiceConfig } from '../../../src/config/types.js';
import {
  type Authentication,
  createAuthenticator,
} from '../../../src/identity/createAuthenticator.js';
import { createFailureLimiter } from '../../../src/identity/createFailureLimiter.js';
import { createTokenIndex } from '../../../src/identity/createTokenIndex.js';
import { createJwtIdentity } from '../../../src/identity/jwt/createJwtIdentity.js';
import { useTempDir } from '../../config/tempDir.js';
import { makeService } from '../../helpers/configs.js';
import { createFakeClock, type FakeClock } from '../../helpers/fakeClock.js';
import {
  claimsAt,
  ISSUER,
  makeSigner,
  sandboxIssuer,
  type TestSigner,
  unsignedToken,
} from '../../helpers/jwtIssuer.js';

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const agent = makeService('agent', { jwt: { issuer: 'sandbox', requireClaims: [] } });
const noKeys = { loaded() {}, failed() {} };

describe('JWT verification: the attack cases', () => {
  const dir = useTempDir();
  let es: TestSigner;
  let rs: TestSigner;

  beforeAll(async () => {
    es = await makeSigner('ES256');
    rs = await makeSigner('RS256');
  });

  function setup(issuer: Partial<JwtIssuerConfig> = {}, services: ServiceConfig[] = [agent]) {
    const clock = createFakeClock();
    const file = dir.write(
      'jwks.json',
      JSON.stringify({ keys: [...es.jwks.keys, ...rs.jwks.keys] }),
    );
    const verified: string[] = [];
    const jwt = createJwtIdentity(
      {
        jwt: {
          clockSkewSeconds: 30,
          issuers: [sandboxIssuer({ keys: { kind: 'jwks_file', path: file }, ...issuer })],
        },
      },
      services,
      { clock, logger: silent, keys: noKeys, verified: (r) => verified.push(r) },
    );
    const auth = createAuthenticator({
      index: () => createTokenIndex(services),
      limiter: createFailureLimiter({
        burst: 1000,
        refillPerSecond: 1,
        maxAddresses: 10,
        now: clock.now,
      }),
      jwt: () => jwt,
    });
    const authenticate = async (token: string) => auth.authenticate(token, '127.0.0.1');
    return { clock, jwt, auth, authenticate, verified };
  }

  const tenantClaims = (clock: FakeClock, extra = {}, ttl = 900) =>
    claimsAt(clock.now(), { svc: 'agent', tenant: 'acme', team: 'blue', ...extra }, ttl);

  it('accepts a valid ES256 token: the claim names the service, tenant and team become tags', async () => {
    const { clock, authenticate } = setup();

    const result = await authenticate(await es.sign(tenantClaims(clock)));

    expect(result).toMatchObject({
      ok: true,
      service: 'agent',
      session: {
        tags: [
          { key: 'Tenant', value: 'acme' },
          { key: 'Team', value: 'blue' },
        ],
        transitiveTagKeys: [],
      },
    });
  });

  it('accepts a token after Bearer, as proxies send it', async () => {
    const { clock, authenticate } = setup();

    const result = await authenticate(`Bearer ${await rs.sign(tenantClaims(clock))}`);

    expect(result).toMatchObject({ ok: true, service: 'agent' });
  });

  it.each<
    [string, (s: { es: TestSigner; rs: TestSigner; clock: FakeClock }) => Promise<string>, string]
  >([
    [
      'expired',
      ({ es, clock }) =>
        es.sign(claimsAt(clock.now() - 3_600_000, { svc: 'agent', tenant: 'a', team: 'b' })),
      'expired',
    ],
    [
      'not yet valid (nbf beyond the skew)',
      ({ es, clock }) =>
        es.sign(tenantClaims(clock, { nbf: Math.floor(clock.now() / 1000) + 120 })),
      'not_yet_valid',
    ],
    [
      'issued in the future beyond the skew',
      ({ es, clock }) =>
        es.sign(tenantClaims(clock, { iat: Math.floor(clock.now() / 1000) + 120 })),
      'not_yet_valid',
    ],
    [
      'for another audience',
      ({ es, clock }) => es.sign(tenantClaims(clock, { aud: 'someone-else' })),
      'wrong_audience',
    ],
    [
      'without aud',
      ({ es, clock }) => es.sign(tenantClaims(clock, { aud: undefined })),
      'missing_claim',
    ],
    [
      'without exp',
      ({ es, clock }) => es.sign(tenantClaims(clock, { exp: undefined })),
      'missing_claim',
    ],
    [
      'from an issuer nobody trusts (signed with a trusted key)',
      ({ es, clock }) => es.sign(tenantClaims(clock, { iss: 'https://evil.example' })),
      'unknown_issuer',
    ],
    ['alg none', async ({ clock }) => unsignedToken(tenantClaims(clock)), 'alg_not_allowed'],
    [
      'HS256 signed with the RS256 public key as the HMAC secret',
      ({ rs, clock }) =>
        new SignJWT(tenantClaims(clock))
          .setProtectedHeader({ alg: 'HS256', kid: rs.kid })
          .sign(new TextEncoder().encode(rs.publicPem)),
      'alg_not_allowed',
    ],
    [
      'signed by an unknown key (kid not in the set)',
      async ({ clock }) => (await makeSigner('ES256')).sign(tenantClaims(clock)),
      'unknown_kid',
    ],
    [
      'signed by an unknown key that claims a trusted kid',
      async ({ es, clock }) =>
        (await makeSigner('ES256')).sign(tenantClaims(clock), { kid: es.kid }),
      'bad_signature',
    ],
    [
      'with a tampered payload (tenant changed after signing)',
      async ({ es, clock }) => {
        const [header, , signature] = (await es.sign(tenantClaims(clock))).split('.');
        const forged = Buffer.from(JSON.stringify(tenantClaims(clock, { tenant: 'globex' })));
        return `${header}.${forged.toString('base64url')}.${signature}`;
      },
      'bad_signature',
    ],
    [
      'living longer than max_lifetime_seconds',
      ({ es, clock }) => es.sign(tenantClaims(clock, {}, 2 * 86_400)),
      'lifetime_too_long',
    ],
    [
      'living longer than the cap without iat (exp - now)',
      ({ es, clock }) => es.sign(tenantClaims(clock, { iat: undefined }, 2 * 86_400)),
      'lifetime_too_long',
    ],
    ['that is not JSON inside', async () => 'eyJhbGciOiJFUzI1NiJ9.bm90LWpzb24.c2ln', 'malformed'],
  ])('refuses a token %s with 401 and says why in the detail', async (_case, make, detail) => {
    const { clock, authenticate, verified } = setup();
    const token = await make({ es, rs, clock });

    const result = await authenticate(token);

    expect(result).toEqual({ ok: false, reason: 'invalid_jwt', retryAfterSeconds: 0, detail });
    expect(verified).toEqual([detail]);
  });

  it('accepts a token within the clock skew of nbf and exp', async () => {
    const { clock, authenticate } = setup();
    const now = Math.floor(clock.now() / 1000);

    const early = await authenticate(await es.sign(tenantClaims(clock, { nbf: now + 20 })));
    const late = await authenticate(
      await es.sign(tenantClaims(clock, { iat: now - 900, exp: now - 20 })),
    );

    expect([early.ok, late.ok]).toEqual([true, true]);
  });

  it.each<[string, Record<string, unknown>, ServiceConfig[], string, string]>([
    [
      'its mapped tag claim is missing',
      { team: undefined },
      [agent],
      'session_claims',
      'the token may not act as service agent: session tag Team: claim /team is missing',
    ],
    [
      'a tag claim holds a value STS would refuse',
      { tenant: 'acme;drop' },
      [agent],
      'session_claims',
      'the token may not act as service agent: session tag Tenant: claim /tenant is not a valid session tag value (a string of at most 256 letters, digits, spaces and _.:/=+-@)',
    ],
    [
      'a tag claim is an object',
      { tenant: { name: 'acme' } },
      [agent],
      'session_claims',
      'the token may not act as service agent: session tag Tenant: claim /tenant is not a valid session tag value (a string of at most 256 letters, digits, spaces and _.:/=+-@)',
    ],
    [
      'its service claim names a service that does not accept JWTs',
      { svc: 'static-only' },
      [agent, makeService('static-only')],
      'service_not_accepting',
      'the token is valid but no service accepts it',
    ],
    [
      'its service claim names no service',
      { svc: 'nobody' },
      [agent],
      'service_not_accepting',
      'the token is valid but no service accepts it',
    ],
    [
      'a required claim differs',
      { env: 'dev' },
      [
        makeService('agent', {
          jwt: { issuer: 'sandbox', requireClaims: [{ pointer: '/env', value: 'prod' }] },
        }),
      ],
      'claims_mismatch',
      'the token is valid but no service accepts it',
    ],
    [
      'a required claim is missing',
      {},
      [
        makeService('agent', {
          jwt: { issuer: 'sandbox', requireClaims: [{ pointer: '/env', value: 'prod' }] },
        }),
      ],
      'claims_mismatch',
      'the token is valid but no service accepts it',
    ],
  ])('answers 403 to a valid token when %s', async (_case, extra, services, detail, message) => {
    const { clock, authenticate } = setup({}, services);

    const result = await authenticate(await es.sign(tenantClaims(clock, extra)));

    expect(result).toEqual({
      ok: false,
      reason: 'forbidden',
      retryAfterSeconds: 0,
      detail,
      message,
    });
  });

  it('selects by require_claims without a service_claim: exactly one match, else 403', async () => {
    const k8s = (name: string, namespace: string) =>
      makeService(name, {
        jwt: {
          issuer: 'sandbox',
          requireClaims: [
            { pointer: '/kubernetes.io/namespace', value: namespace },
            { pointer: '/kubernetes.io/serviceaccount/name', value: name },
          ],
        },
      });
    const loose = makeService('loose', {
      jwt: {
        issuer: 'sandbox',
        requireClaims: [{ pointer: '/kubernetes.io/namespace', value: 'shop' }],
      },
    });
    const { clock, authenticate } = setup({ serviceClaim: undefined, sessionTags: [] }, [
      k8s('orders', 'shop'),
      k8s('billing', 'shop'),
      loose,
    ]);
    const pod = (namespace: string, name: string) =>
      es.sign(claimsAt(clock.now(), { 'kubernetes.io': { namespace, serviceaccount: { name } } }));

    const billing = await authenticate(await pod('shop', 'billing'));
    const nobody = await authenticate(await pod('other', 'orders'));
    const ambiguous = await authenticate(await pod('shop', 'orders-and-loose-too'));
    const orders = await authenticate(await pod('shop', 'orders'));

    expect(billing).toMatchObject({ ok: false, detail: 'ambiguous_services' });
    expect(nobody).toMatchObject({ ok: false, detail: 'no_matching_service' });
    expect(ambiguous).toMatchObject({ ok: true, service: 'loose' });
    expect(orders).toMatchObject({ ok: false, detail: 'ambiguous_services' });
  });

  it('answers a token seen before synchronously from the cache until its exp, then verifies again', async () => {
    const { clock, auth, verified } = setup();
    const token = await es.sign(tenantClaims(clock, {}, 600));

    const first = auth.authenticate(token, '127.0.0.1');
    await first;
    const second = auth.authenticate(token, '127.0.0.1');
    await clock.advance(600_000);
    const afterExp = auth.authenticate(token, '127.0.0.1');

    expect(first).toBeInstanceOf(Promise);
    expect(second).toMatchObject({ ok: true, service: 'agent' });
    expect(afterExp).toBeInstanceOf(Promise);
    expect(await afterExp).toMatchObject({ ok: true });
    expect(verified).toEqual(['accepted', 'accepted']);
  });

  it('verifies a new token once however many requests bring it at the same time', async () => {
    const { clock, auth, verified } = setup();
    const token = await es.sign(tenantClaims(clock));

    const results = await Promise.all(
      Array.from({ length: 50 }, () => auth.authenticate(token, '127.0.0.1')),
    );

    expect(results.every((r: Authentication) => r.ok)).toBe(true);
    expect(verified).toEqual(['accepted']);
  });

  it('forgets cached decisions when the services change: a removed service stops matching at once', async () => {
    const { clock, auth, jwt } = setup();
    const token = await es.sign(tenantClaims(clock));
    await auth.authenticate(token, '127.0.0.1');

    jwt.setServices([]);
    const after = await auth.authenticate(token, '127.0.0.1');

    expect(after).toMatchObject({ ok: false, reason: 'forbidden' });
  });

  it('counts JWT failures in the limiter: past the burst the answer is 429', async () => {
    const clock = createFakeClock();
    const file = dir.write('jwks.json', JSON.stringify(es.jwks));
    const jwt = createJwtIdentity(
      {
        jwt: {
          clockSkewSeconds: 30,
          issuers: [sandboxIssuer({ keys: { kind: 'jwks_file', path: file } })],
        },
      },
      [agent],
      { clock, logger: silent, keys: noKeys },
    );
    const auth = createAuthenticator({
      index: () => createTokenIndex([]),
      limiter: createFailureLimiter({
        burst: 2,
        refillPerSecond: 0.001,
        maxAddresses: 10,
        now: clock.now,
      }),
      jwt: () => jwt,
    });
    const bad = await es.sign(tenantClaims(clock, { aud: 'other' }));
    const good = await es.sign(tenantClaims(clock));

    const results = [];
    for (let i = 0; i < 3; i += 1) results.push(await auth.authenticate(bad, '127.0.0.9'));
    const valid = await auth.authenticate(good, '127.0.0.9');

    expect(results.map((r) => (r.ok ? 'ok' : r.reason))).toEqual([
      'invalid_jwt',
      'invalid_jwt',
      'rate_limited',
    ]);
    expect(valid).toMatchObject({ ok: true });
  });

  it('accepts HS256 only from an issuer with a shared secret', async () => {
    const secret = 'hmac-secret-0123456789abcdef0123456789abcdef';
    const { clock, authenticate } = setup({
      keys: { kind: 'shared_secret', secret },
      algorithms: ['HS256'],
    });
    const hs = (key: string) =>
      new SignJWT(tenantClaims(clock))
        .setProtectedHeader({ alg: 'HS256' })
        .sign(new TextEncoder().encode(key));

    const good = await authenticate(await hs(secret));
    const wrong = await authenticate(await hs(`${secret}-guess`));
    const es256 = await authenticate(await es.sign(tenantClaims(clock)));

    expect(good).toMatchObject({ ok: true, service: 'agent' });
    expect(wrong).toMatchObject({ ok: false, detail: 'bad_signature' });
    expect(es256).toMatchObject({ ok: false, detail: 'alg_not_allowed' });
  });

  it('verifies with a PEM public key (public_key_file), kid or not', async () => {
    const pem = dir.write('issuer.pem', rs.publicPem);
    const { clock, authenticate } = setup({ keys: { kind: 'public_key_file', path: pem } });

    const result = await authenticate(await rs.sign(tenantClaims(clock), { kid: undefined }));
    const other = await authenticate(await es.sign(tenantClaims(clock)));

    expect(result).toMatchObject({ ok: true, service: 'agent' });
    expect(other).toMatchObject({ ok: false, reason: 'invalid_jwt' });
  });

  it('picks up a rewritten jwks_file without a restart, and a removed key stops matching', async () => {
    const clock = createFakeClock();
    const file = dir.write('rotating.json', JSON.stringify(es.jwks));
    const loads: number[] = [];
    const jwt = createJwtIdentity(
      {
        jwt: {
          clockSkewSeconds: 30,
          issuers: [sandboxIssuer({ keys: { kind: 'jwks_file', path: file } })],
        },
      },
      [agent],
      { clock, logger: silent, keys: { loaded: (_i, n) => loads.push(n), failed() {} } },
    );
    const auth = createAuthenticator({
      index: () => createTokenIndex([]),
      limiter: createFailureLimiter({
        burst: 100,
        refillPerSecond: 1,
        maxAddresses: 10,
        now: clock.now,
      }),
      jwt: () => jwt,
    });
    const esToken = await es.sign(tenantClaims(clock));
    const rsToken = await rs.sign(tenantClaims(clock));
    const before = [await auth.authenticate(esToken, 'a'), await auth.authenticate(rsToken, 'a')];

    writeFileSync(file, JSON.stringify(rs.jwks));
    await clock.advance(5_000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await clock.advance(0);
    const after = [await auth.authenticate(esToken, 'a'), await auth.authenticate(rsToken, 'a')];

    expect(before.map((r) => r.ok)).toEqual([true, false]);
    expect(after.map((r) => r.ok)).toEqual([false, true]);
    expect(loads).toEqual([1, 1]);
    jwt.close();
  });

  it('never puts the token, its signature or its claims in what it returns', async () => {
    const { clock, authenticate } = setup();
    const token = await es.sign(
      tenantClaims(clock, { aud: 'nope', secretish: 'zz-claim-value-zz' }),
    );

    const result = await authenticate(token);

    const text = JSON.stringify(result);
    expect(text).not.toContain(token.split('.')[2]);
    expect(text).not.toContain('zz-claim-value-zz');
    expect(text).not.toContain(ISSUER);
  });
});
