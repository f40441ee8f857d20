import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRoleAssumer } from '../../src/aws/createRoleAssumer.js';
import type { AssumeRoleParams, SourceCredentials } from '../../src/config/types.js';
import type { CredentialTarget } from '../../src/credentials/ports.js';
import { CredentialsUnavailableError } from '../../src/errors.js';
import { makeConfig, makeService } from '../helpers/configs.js';
import { type FaultProxy, type StsExchange, startFaultProxy } from '../helpers/faultProxy.js';
import { type Moto, motoEnv, startMoto } from '../helpers/moto.js';
import { hasMoto } from '../helpers/requireTool.js';
import { startTestApp, type TestApp } from '../helpers/startTestApp.js';

const moto = hasMoto();
const SOURCE_KEY = 'AKIAIOSFODNN7EXAMPLE';
const role = (arn: string): AssumeRoleParams => ({
  roleArn: arn,
  roleSessionName: 'credproxy',
  durationSeconds: 3600,
});
const WEB = role('arn:aws:iam::123456789012:role/FromToken');
/** Half an hour: the sets made from it (an hour each) must expire with it. */
const HUB = { ...role('arn:aws:iam::111111111111:role/Hub'), durationSeconds: 1800 };
const SPOKE = role('arn:aws:iam::222222222222:role/Spoke');

/** A projected-token look-alike: moto accepts any well-formed JWT. */
function mintJwt(subject: string): Promise<string> {
  return new SignJWT({ sub: subject })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer('https://oidc.test.invalid')
    .setAudience('sts.amazonaws.com')
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode('a-test-only-hmac-secret-of-32-bytes!'));
}

const accessKeyIn = (exchange: StsExchange | undefined) =>
  /<AccessKeyId>([^<]+)<\/AccessKeyId>/.exec(exchange?.response ?? '')?.[1];
const expirationIn = (exchange: StsExchange | undefined) =>
  Date.parse(/<Expiration>([^<]+)<\/Expiration>/.exec(exchange?.response ?? '')?.[1] ?? '');

describe.skipIf(!moto.available)('web identity and role chains on moto', () => {
  let sts: Moto;
  let proxy: FaultProxy;
  let dir: string;
  let tokenFile: string;
  const saved = { ...process.env };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'credproxy-webid-'));
    tokenFile = join(dir, 'token');
    sts = await startMoto();
    proxy = await startFaultProxy(sts.url);
    Object.assign(process.env, motoEnv(sts), { AWS_ENDPOINT_URL_STS: proxy.url });
  });

  afterAll(async () => {
    process.env = saved;
    await proxy?.stop();
    await sts?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const since = (start: number) => proxy.exchanges().slice(start);

  describe('the role assumer', () => {
    const webSource: () => SourceCredentials = () => ({
      kind: 'webIdentity',
      region: 'us-east-1',
      tokenFile,
    });

    it('calls AssumeRoleWithWebIdentity unsigned with the file as it is at each call: a rotated token is used on the next call', async () => {
      const assumer = createRoleAssumer({ requestTimeoutSeconds: 5 });
      const target: CredentialTarget = { name: 'direct', source: webSource(), role: WEB };
      const first = await mintJwt('system:serviceaccount:ns:one');
      const second = await mintJwt('system:serviceaccount:ns:two');
      const start = proxy.exchanges().length;

      writeFileSync(tokenFile, first);
      const a = await assumer.assumeRole(target);
      writeFileSync(tokenFile, `${second}\n`);
      const b = await assumer.assumeRole(target);
      assumer.destroy();

      const calls = since(start);
      expect(calls.map((call) => call.form.Action)).toEqual([
        'AssumeRoleWithWebIdentity',
        'AssumeRoleWithWebIdentity',
      ]);
      expect(calls.map((call) => call.form.WebIdentityToken)).toEqual([first, second]);
      expect(calls.map((call) => call.signedBy)).toEqual([undefined, undefined]);
      expect(calls[0]?.form).toMatchObject({
        RoleArn: WEB.roleArn,
        RoleSessionName: 'credproxy',
        DurationSeconds: '3600',
      });
      expect(a.accessKeyId).toBe(accessKeyIn(calls[0]));
      expect(b.accessKeyId).toBe(accessKeyIn(calls[1]));
    });

    it('reports a missing token file as transient WEB_IDENTITY_TOKEN_UNREADABLE, naming the path', async () => {
      const assumer = createRoleAssumer({ requestTimeoutSeconds: 5 });
      const missing = join(dir, 'not-there');
      const target: CredentialTarget = {
        name: 'direct',
        source: { kind: 'webIdentity', region: 'us-east-1', tokenFile: missing },
        role: WEB,
      };

      const error = await assumer.assumeRole(target).catch((caught: unknown) => caught);
      assumer.destroy();

      expect(error).toBeInstanceOf(CredentialsUnavailableError);
      expect(error).toMatchObject({
        code: 'WEB_IDENTITY_TOKEN_UNREADABLE',
        transient: true,
        message: `the web identity token file ${missing} cannot be read (ENOENT)`,
      });
    });
  });

  describe('credproxy serving chained roles', () => {
    let t: TestApp;
    let start: number;
    let jwt: string;

    beforeAll(async () => {
      jwt = await mintJwt('system:serviceaccount:ns:web');
      writeFileSync(tokenFile, jwt);
      start = proxy.exchanges().length;
      const chained = (name: string, chain: AssumeRoleParams[]) =>
        makeService(name, { role: { ...role(`arn:aws:iam::123456789012:role/${name}`), chain } });
      const config = makeConfig([
        makeService('web', {
          source: { kind: 'webIdentity', region: 'us-east-1', tokenFile },
          role: { ...role('arn:aws:iam::123456789012:role/web'), chain: [WEB] },
        }),
        chained('a', [HUB]),
        chained('b', [HUB]),
        chained('c', [HUB, SPOKE]),
      ]);
      t = await startTestApp(config);
      await t.app.primed;
    });

    afterAll(async () => {
      await t?.app.stop();
    });

    const callsFor = (arn: string) => since(start).filter((call) => call.form.RoleArn === arn);

    it('assumes the hub once with the source keys, and each service role with the hub keys (two services, one intermediate call)', () => {
      const hub = callsFor(HUB.roleArn);
      const hubKey = accessKeyIn(hub[0]);

      expect(hub).toHaveLength(1);
      expect(hub[0]?.form.Action).toBe('AssumeRole');
      expect(hub[0]?.signedBy).toBe(SOURCE_KEY);
      expect(hubKey).toMatch(/^ASIA/);
      for (const name of ['a', 'b']) {
        const calls = callsFor(`arn:aws:iam::123456789012:role/${name}`);
        expect(calls.map((call) => [call.form.Action, call.signedBy])).toEqual([
          ['AssumeRole', hubKey],
        ]);
      }
    });

    it('walks a two-link chain: source → hub → spoke → service, each signed by the one before', () => {
      const hubKey = accessKeyIn(callsFor(HUB.roleArn)[0]);
      const spoke = callsFor(SPOKE.roleArn);
      const service = callsFor('arn:aws:iam::123456789012:role/c');

      expect(spoke.map((call) => call.signedBy)).toEqual([hubKey]);
      expect(service.map((call) => call.signedBy)).toEqual([accessKeyIn(spoke[0])]);
    });

    it('exchanges the web identity token unsigned, then assumes the service role with its keys; the token is in no log line', async () => {
      const web = callsFor(WEB.roleArn);
      const service = callsFor('arn:aws:iam::123456789012:role/web');

      const response = await t.get('/v1/credentials', makeService('web').authToken);
      const body = (await response.json()) as { AccessKeyId: string; Expiration: string };

      expect(web.map((call) => [call.form.Action, call.signedBy])).toEqual([
        ['AssumeRoleWithWebIdentity', undefined],
      ]);
      expect(web[0]?.form.WebIdentityToken).toBe(jwt);
      expect(service.map((call) => call.signedBy)).toEqual([accessKeyIn(web[0])]);
      expect(response.status).toBe(200);
      expect(body.AccessKeyId).toBe(accessKeyIn(service[0]));
      expect(t.logs.text()).not.toContain(jwt);
      expect(t.logs.text()).not.toContain(jwt.split('.')[1]);
    });

    it('serves a set that expires no later than the intermediate it was made from', async () => {
      const hubExpiry = expirationIn(callsFor(HUB.roleArn)[0]);

      const response = await t.get('/v1/credentials', makeService('a').authToken);
      const body = (await response.json()) as { Expiration: string };

      expect(Number.isFinite(hubExpiry)).toBe(true);
      expect(Date.parse(body.Expiration)).toBe(Math.floor(hubExpiry / 1000) * 1000);
    });
  });
});
