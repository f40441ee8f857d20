import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createCredentialCache } from '../../src/credentials/createCredentialCache.js';
import { toCredentialTarget } from '../../src/credentials/ports.js';
import { createCredentialRoute } from '../../src/endpoint/createCredentialRoute.js';
import { toNotReadyBody } from '../../src/endpoint/createStatusRoutes.js';
import { CredentialsUnavailableError } from '../../src/errors.js';
import { createAuthenticator } from '../../src/identity/createAuthenticator.js';
import { createFailureLimiter } from '../../src/identity/createFailureLimiter.js';
import { createTokenIndex } from '../../src/identity/createTokenIndex.js';
import { createFailureLog } from '../../src/observability/createFailureLog.js';
import { createLogger } from '../../src/observability/createLogger.js';
import { makeService } from '../helpers/configs.js';
import { createFakeAssumer } from '../helpers/fakeAssumer.js';
import { createFakeClock } from '../helpers/fakeClock.js';
import { LogSink } from '../helpers/startTestApp.js';

const service = makeService('a');
const policy = { refreshBufferSeconds: 1200, retryDelaySeconds: 60, requestTimeoutSeconds: 5 };
let server: Server | undefined;

afterEach(() => {
  server?.close();
  server = undefined;
});

async function setup(options: { burst?: number; script?: Error[] } = {}) {
  const clock = createFakeClock();
  const assumer = createFakeAssumer(clock);
  assumer.script = [...(options.script ?? [])];
  const logs = new LogSink();
  const logger = createLogger({ level: 'info', pretty: false, destination: logs, version: 't' });
  const cache = createCredentialCache(policy, {
    assumer,
    clock,
    random: () => 0,
    logger,
    observer: {},
  });
  cache.apply([toCredentialTarget(service)]);
  const recorded: string[] = [];
  const served: string[] = [];
  const route = createCredentialRoute({
    authenticator: createAuthenticator({
      index: () => createTokenIndex([service]),
      limiter: createFailureLimiter({
        burst: options.burst ?? 100,
        refillPerSecond: 1,
        maxAddresses: 10,
        now: clock.now,
      }),
    }),
    credentials: cache.table,
    recordRequest: (name, result) => recorded.push(`${name}:${result}`),
    served: (name, credentials, client) =>
      served.push(`${name}:${credentials.accessKeyId}:${client}`),
    failures: createFailureLog({ logger, now: clock.now }),
    logger,
    coldWaitMs: 50,
  });
  server = createServer(route);
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/credentials`;
  const get = (token?: string, method = 'GET') =>
    fetch(url, { method, headers: token === undefined ? {} : { Authorization: token } });
  return { cache, clock, assumer, recorded, served, logs, get };
}

describe('createCredentialRoute', () => {
  it('serves the ECS body with exactly application/json and no-store for a valid token', async () => {
    const t = await setup();
    await t.cache.prime();

    const response = await t.get(service.authToken);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(Object.keys((await response.json()) as object)).toEqual([
      'AccessKeyId',
      'SecretAccessKey',
      'Token',
      'Expiration',
      'AccountId',
      'RoleArn',
    ]);
    expect(t.recorded).toEqual(['a:success']);
    expect(t.served).toEqual(['a:ASIAFAKE000000000001:127.0.0.1']);
  });

  it('answers HEAD with the headers of a GET and no body', async () => {
    const t = await setup();
    await t.cache.prime();

    const response = await t.get(service.authToken, 'HEAD');

    expect(response.status).toBe(200);
    expect(Number(response.headers.get('content-length'))).toBeGreaterThan(100);
    expect(await response.text()).toBe('');
  });

  it.each([
    ['no Authorization header', undefined, 401, 'MISSING_TOKEN', 'missing_token'],
    ['an empty Authorization header', '', 401, 'MISSING_TOKEN', 'missing_token'],
    ['an unknown token', 'not-a-token', 403, 'INVALID_TOKEN', 'invalid_token'],
    [
      'the token with a Bearer prefix',
      `Bearer ${service.authToken}`,
      403,
      'INVALID_TOKEN',
      'invalid_token',
    ],
  ])('refuses %s with %i %s', async (_name, token, status, code, result) => {
    const t = await setup();

    const response = await t.get(token);

    expect(response.status).toBe(status);
    expect(((await response.json()) as { code: string }).code).toBe(code);
    expect(t.recorded).toEqual([`unknown:${result}`]);
    expect(t.assumer.calls).toBe(0);
  });

  it('answers 429 with Retry-After once the address has spent its failures', async () => {
    const t = await setup({ burst: 2 });

    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await t.get('wrong')).status);
    const limited = await t.get('wrong');
    const valid = await t.get(service.authToken);

    expect(statuses).toEqual([403, 403, 429]);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(((await limited.json()) as { code: string }).code).toBe('RATE_LIMITED');
    expect([503, 200]).toContain(valid.status);
  });

  it('refuses other methods with 405 and an Allow header', async () => {
    const t = await setup();

    const response = await t.get(service.authToken, 'POST');

    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD');
  });

  it('answers a cold service whose STS call fails with 503, Retry-After and the next attempt', async () => {
    const denied = new CredentialsUnavailableError(
      'STS_ACCESS_DENIED',
      'STS denied AssumeRole (AccessDenied)',
      false,
    );
    const t = await setup({ script: [denied] });

    const response = await t.get(service.authToken);

    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('15');
    expect(await response.json()).toEqual({
      code: 'STS_ACCESS_DENIED',
      message: 'STS denied AssumeRole (AccessDenied) (next attempt in 15 s)',
      Code: 'STS_ACCESS_DENIED',
      Message: 'STS denied AssumeRole (AccessDenied) (next attempt in 15 s)',
    });
    expect(t.recorded).toEqual(['a:unavailable']);
  });

  it('logs each kind of failure from an address once, with the count of the rest later', async () => {
    const t = await setup();

    for (let i = 0; i < 5; i++) await t.get('wrong');
    await t.clock.advance(60_000);
    await t.get('wrong');
    const lines = t.logs.lines().filter((l) => l.code === 'INVALID_TOKEN');

    expect(lines.map((l) => [l.level, l.suppressed])).toEqual([
      ['warn', undefined],
      ['warn', 4],
    ]);
    expect(t.logs.text()).not.toContain('wrong');
  });
});

describe('the /ready 503 body', () => {
  it('names the services without credentials in both SDK spellings', () => {
    expect(JSON.parse(toNotReadyBody(['a', 'b'], false))).toEqual({
      code: 'NOT_READY',
      message: 'no usable credentials yet for: a, b',
      Code: 'NOT_READY',
      Message: 'no usable credentials yet for: a, b',
      notReady: ['a', 'b'],
    });
  });

  it('says the process is shutting down while draining', () => {
    expect(JSON.parse(toNotReadyBody([], true)).message).toBe('credproxy is shutting down');
  });
});
