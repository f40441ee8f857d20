import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeConfig, makeService } from '../helpers/configs.js';
import { type Moto, motoEnv, startMoto } from '../helpers/moto.js';
import { hasMoto } from '../helpers/requireTool.js';
import { startTestApp, type TestApp } from '../helpers/startTestApp.js';

const moto = hasMoto();
const randomToken = () => randomBytes(32).toString('base64url');

describe.skipIf(!moto.available)('no secret reaches the logs, even at trace level', () => {
  let sts: Moto;
  let t: TestApp;
  const services = [
    makeService('alpha', { authToken: randomToken() }),
    makeService('beta', { authToken: randomToken() }),
  ];
  const rotated = randomToken();
  const served: string[] = [];

  beforeAll(async () => {
    sts = await startMoto();
    Object.assign(process.env, motoEnv(sts));
    t = await startTestApp(makeConfig(services), 'trace');
    await t.app.primed;
  });

  afterAll(async () => {
    await t?.app.stop();
    await sts?.stop();
  });

  it('keeps tokens, their prefixes, secret keys and session tokens out of every line', async () => {
    for (const service of services) {
      const body = (await (await t.get('/v1/credentials', service.authToken)).json()) as Record<
        string,
        string
      >;
      served.push(body.SecretAccessKey ?? '', body.Token ?? '');
    }
    const alpha = services[0]?.authToken ?? '';
    const attempts = [
      `${alpha.slice(0, 8)}wrong-suffix-000000000000000000`,
      `${alpha.slice(0, 31)}X`,
      `${alpha}x`,
      alpha.slice(0, 16),
      ` ${alpha}`,
      `Bearer ${alpha}`,
    ];
    for (const attempt of attempts) await t.get('/v1/credentials', attempt);
    await t.get('/v1/credentials');
    t.setNextConfig(
      makeConfig([makeService('alpha', { authToken: rotated }), services[1] ?? makeService('x')]),
    );
    await t.app.reload();
    await t.get('/v1/credentials', rotated);
    await t.get('/v1/credentials', alpha);
    await t.get('/health');

    const output = t.logs.text();
    const secrets = [...services.map((s) => s.authToken), rotated, ...served];
    const prefixes = [...services.map((s) => s.authToken), rotated].map((token) =>
      token.slice(0, 8),
    );
    const keys = services.map((s) => (s.source.kind === 'keys' ? s.source.secretAccessKey : ''));

    expect(t.logs.lines().length).toBeGreaterThan(10);
    expect(output).toContain('"level":"debug"');
    for (const secret of [...secrets, ...keys]) expect(output).not.toContain(secret);
    for (const prefix of prefixes) expect(output).not.toContain(prefix);
    for (const secret of served) expect(output).not.toContain(secret.slice(0, 16));
  });
});
