import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeConfig, makeService } from '../helpers/configs.js';
import { type Moto, motoEnv, startMoto } from '../helpers/moto.js';
import { hasMoto } from '../helpers/requireTool.js';
import { eventually, startTestApp, type TestApp } from '../helpers/startTestApp.js';

const moto = hasMoto();

describe.skipIf(!moto.available)(
  'credproxy through an STS outage (moto stopped and restarted)',
  () => {
    let sts: Moto;
    let t: TestApp;
    const primed = makeService('primed');
    const cold = makeService('cold');
    const policy = { refreshBufferSeconds: 1200, retryDelaySeconds: 1, requestTimeoutSeconds: 2 };

    beforeAll(async () => {
      sts = await startMoto();
      Object.assign(process.env, motoEnv(sts));
      t = await startTestApp(makeConfig([primed], { credentials: policy }));
      await t.app.primed;
    });

    afterAll(async () => {
      await t?.app.stop();
      await sts?.stop();
    });

    it('keeps serving a primed service, fails a cold one fast with 503 JSON, and recovers', async () => {
      const before = await t.get('/v1/credentials', primed.authToken);
      const beforeKey = ((await before.json()) as { AccessKeyId: string }).AccessKeyId;
      await sts.stop();

      const during = await t.get('/v1/credentials', primed.authToken);
      const duringKey = ((await during.json()) as { AccessKeyId: string }).AccessKeyId;
      t.setNextConfig(makeConfig([primed, cold], { credentials: policy }));
      await t.app.reload();
      const started = Date.now();
      const coldResponse = await t.get('/v1/credentials', cold.authToken);
      const coldMs = Date.now() - started;
      const coldBody = (await coldResponse.json()) as Record<string, string>;
      const ready = await t.get('/ready');

      expect(during.status).toBe(200);
      expect(duringKey).toBe(beforeKey);
      expect(coldResponse.status).toBe(503);
      expect(coldResponse.headers.get('content-type')).toBe('application/json');
      expect(Number(coldResponse.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(coldBody.code).toBe('STS_UNAVAILABLE');
      expect(coldBody.Code).toBe('STS_UNAVAILABLE');
      expect(coldMs).toBeLessThan(1_000);
      expect(ready.status).toBe(503);
      expect(((await ready.json()) as { notReady: string[] }).notReady).toEqual(['cold']);

      await sts.restart();
      await eventually(
        async () => (await t.get('/v1/credentials', cold.authToken)).status === 200,
        30_000,
        250,
      );
      const recovered = await t.get('/ready');

      expect(recovered.status).toBe(200);
    }, 60_000);
  },
);

describe.skipIf(!moto.available)('a service that starts cold during an STS outage', () => {
  let sts: Moto;
  let t: TestApp;

  afterAll(async () => {
    await t?.app.stop();
    await sts?.stop();
  });

  it('is served within 15 s of STS coming back, with the default 60 s retry_delay', async () => {
    sts = await startMoto();
    Object.assign(process.env, motoEnv(sts));
    await sts.stop();
    const service = makeService('started-cold');
    t = await startTestApp(makeConfig([service]), 'warn');
    await t.app.primed;
    const during = await t.get('/v1/credentials', service.authToken);
    const duringBody = (await during.json()) as { message: string };

    await sts.restart();
    const back = Date.now();
    await eventually(
      async () => (await t.get('/v1/credentials', service.authToken)).status === 200,
      30_000,
      500,
    );
    const servedAfterMs = Date.now() - back;
    console.log(`cold start during an outage: served ${servedAfterMs} ms after STS came back`);

    expect(during.status).toBe(503);
    expect(duringBody.message).toMatch(/\(next attempt in \d+ s\)$/);
    // The minimum interval between attempts is 15 s; before, the next try was retry_delay away.
    expect(servedAfterMs).toBeLessThan(20_000);
  }, 60_000);
});

describe.skipIf(!moto.available)('a herd of cold requests', () => {
  let sts: Moto;
  let t: TestApp;

  beforeAll(async () => {
    sts = await startMoto();
    Object.assign(process.env, motoEnv(sts));
    t = await startTestApp(makeConfig([makeService('warm')]), 'warn');
    await t.app.primed;
  });

  afterAll(async () => {
    await t?.app.stop();
    await sts?.stop();
  });

  it('makes exactly one AssumeRole for 1,000 concurrent requests to a cold service', async () => {
    const herd = makeService('herd');
    t.setNextConfig(makeConfig([makeService('warm'), herd]));

    const reloading = t.app.reload();
    const statuses = await Promise.all(
      Array.from({ length: 1000 }, () => rawGet(t.app.credentialsUrl, herd.authToken)),
    );
    await reloading;
    const calls = await t.metric('credproxy_sts_calls_total', { service: 'herd' });

    expect(calls).toBe(1);
    expect(statuses.filter((s) => s !== 200 && s !== 503)).toEqual([]);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(0);
  }, 60_000);
});

/** One request on its own connection, so 1,000 of them are really concurrent. */
function rawGet(baseUrl: string, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${baseUrl}/v1/credentials`,
      { headers: { Authorization: token }, agent: false },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end();
  });
}
