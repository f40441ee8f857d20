import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, CredentialsUnavailableError } from '../../src/errors.js';
import { makeConfig, makeService } from '../helpers/configs.js';
import { flushMicrotasks } from '../helpers/fakeClock.js';
import { type InProcess, startInProcess } from '../helpers/startInProcess.js';

const MINUTE = 60_000;
const a = makeService('a');
const b = makeService('b');
let running: InProcess | undefined;

afterEach(async () => {
  running?.assumer.release();
  await running?.sidecar.stop();
  running = undefined;
});

async function start(...args: Parameters<typeof startInProcess>): Promise<InProcess> {
  running = await startInProcess(...args);
  return running;
}

const denied = () =>
  new CredentialsUnavailableError(
    'STS_ACCESS_DENIED',
    'STS denied AssumeRole (AccessDenied)',
    false,
  );

describe('createSidecar', () => {
  it('serves credentials from an injected assumer without touching STS', async () => {
    const t = await start(makeConfig([a]));
    await flushMicrotasks();

    const response = await t.get('/v1/credentials', a.authToken);

    expect(response.status).toBe(200);
    expect(((await response.json()) as { AccessKeyId: string }).AccessKeyId).toBe(
      'ASIAFAKE000000000001',
    );
    expect(t.assumer.calls).toBe(1);
  });

  it('rejects a removed token as soon as reload resolves, while STS hangs for a new service', async () => {
    const t = await start(makeConfig([a]));
    await flushMicrotasks();
    t.assumer.hold = true;
    t.setNextConfig(makeConfig([b]));

    await t.sidecar.reload();
    const removed = await t.get('/v1/credentials', a.authToken);

    expect(removed.status).toBe(403);
    expect(t.assumer.calls).toBe(2);
  });

  it('runs at most one reload and queues one more, however many SIGHUPs arrive', async () => {
    const t = await start(makeConfig([a]));

    await Promise.all(Array.from({ length: 20 }, () => t.sidecar.reload()));

    expect(t.reloads()).toBe(2);
  });

  it('counts a reload as a success only when it changed something, and logs counts, not names', async () => {
    const t = await start(makeConfig([a]));
    const reloads = async () => {
      const text = await (await fetch(`${t.metricsUrl}/metrics`)).text();
      return text.match(
        /credproxy_config_reloads_total\{outcome="success",source="main"\} (\d+)/,
      )?.[1];
    };

    await t.sidecar.reload();
    const afterSame = await reloads();
    t.setNextConfig(makeConfig([a, b]));
    await t.sidecar.reload();
    const afterChange = await reloads();
    const lines = t.logs.lines().filter((l) => String(l.msg).startsWith('config reloaded'));

    expect(afterSame).toBeUndefined();
    expect(afterChange).toBe('1');
    expect(lines.map((l) => [l.msg, l.services])).toEqual([
      ['config reloaded: nothing changed', 1],
      ['config reloaded: 2 service(s) in force, 1 to fetch', 2],
    ]);
  });

  it('logs a failed reload with its code and every problem, keeping the running config', async () => {
    const t = await start(makeConfig([a]));
    t.failNextReload(
      new ConfigError('CONFIG_INVALID', [
        { file: 'config.yaml', path: 'services.a.auth_token', message: 'must be a string' },
      ]),
    );

    await t.sidecar.reload();
    const line = t.logs.lines().find((l) => l.level === 'error');
    const still = await t.get('/v1/credentials', a.authToken);

    expect(line).toMatchObject({
      code: 'CONFIG_INVALID',
      reason: 'config.yaml: services.a.auth_token: must be a string',
      msg: 'config reload failed (CONFIG_INVALID); the running configuration stays in force: config.yaml: services.a.auth_token: must be a string',
    });
    expect(line).not.toHaveProperty('err');
    expect(still.status).toBe(200);
  });

  it('applies a reloaded refresh_buffer_seconds to sets already in service', async () => {
    const t = await start(makeConfig([a]));
    await flushMicrotasks();
    const config = makeConfig([a]);
    t.setNextConfig({
      ...config,
      credentials: { ...config.credentials, refreshBufferSeconds: 600 },
    });

    await t.sidecar.reload();
    await t.clock.advance(45 * MINUTE);
    const callsAt45 = t.assumer.calls;
    await t.clock.advance(5 * MINUTE);

    expect(callsAt45).toBe(1);
    expect(t.assumer.calls).toBe(2);
  });

  it('builds a new STS caller when a reload changes request_timeout', async () => {
    const t = await start(makeConfig([a]));
    const config = makeConfig([a]);
    t.setNextConfig({
      ...config,
      credentials: { ...config.credentials, requestTimeoutSeconds: 2 },
    });

    await t.sidecar.reload();

    expect(t.assumerTimeouts).toEqual([5, 2]);
  });

  it('names every reloaded key that needs a restart instead of ignoring it', async () => {
    const t = await start(makeConfig([a]));
    const config = makeConfig([a]);
    t.setNextConfig({
      ...config,
      server: { ...config.server, port: 1 },
      metrics: { ...config.metrics, enabled: false },
    });

    await t.sidecar.reload();
    const warning = t.logs.lines().find((l) => String(l.msg).includes('after a restart'));

    expect(warning?.keys).toEqual(['server.port', 'metrics.prometheus.enabled']);
  });

  it('serves a cold service within 15 s of STS coming back, starting the attempt on request', async () => {
    const t = await start(makeConfig([a]), { script: [denied()] });
    await flushMicrotasks();
    const during = await t.get('/v1/credentials', a.authToken);

    await t.clock.advance(15_000);
    const after = await t.get('/v1/credentials', a.authToken);

    expect(during.status).toBe(503);
    expect(((await during.json()) as { message: string }).message).toBe(
      'STS denied AssumeRole (AccessDenied) (next attempt in 15 s)',
    );
    expect(during.headers.get('retry-after')).toBe('15');
    expect(after.status).toBe(200);
  });

  it('prints the exact AWS_CONTAINER_CREDENTIALS_FULL_URI at start, never a token', async () => {
    const t = await start(makeConfig([a]));

    const line = t.logs.lines().find((l) => String(l.msg).includes('listening'));

    expect(line?.AWS_CONTAINER_CREDENTIALS_FULL_URI).toBe(`${t.url}/v1/credentials`);
    expect(String(line?.msg)).toContain(
      `AWS_CONTAINER_CREDENTIALS_FULL_URI=${t.url}/v1/credentials and AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE`,
    );
    expect(t.logs.text()).not.toContain(a.authToken);
  });

  it('forgets every per-service metric series of a removed service', async () => {
    const t = await start(makeConfig([a, b]));
    await flushMicrotasks();
    await t.get('/v1/credentials', a.authToken);
    t.setNextConfig(makeConfig([b]));

    await t.sidecar.reload();
    const text = await (await fetch(`${t.metricsUrl}/metrics`)).text();

    expect(text).not.toMatch(/service="a"/);
    expect(text).toMatch(/credproxy_sts_calls_total\{service="b",outcome="success"\} 1/);
  });
});
