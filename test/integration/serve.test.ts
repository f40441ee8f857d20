import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeConfig, makeService } from '../helpers/configs.js';
import { type Moto, motoEnv, startMoto } from '../helpers/moto.js';
import { hasMoto } from '../helpers/requireTool.js';
import { startTestApp, type TestApp } from '../helpers/startTestApp.js';

const moto = hasMoto();

describe.skipIf(!moto.available)('GET /v1/credentials against moto STS', () => {
  let sts: Moto;
  let t: TestApp;
  const app1 = makeService('app1', {
    role: {
      roleArn: 'arn:aws:iam::123456789012:role/app1',
      roleSessionName: 'app1-session',
      durationSeconds: 3600,
      externalId: 'ext-123',
      tags: [{ key: 'team', value: 'blue' }],
    },
  });
  const app2 = makeService('app2');

  beforeAll(async () => {
    sts = await startMoto();
    Object.assign(process.env, motoEnv(sts));
    t = await startTestApp(makeConfig([app1, app2]));
    await t.app.primed;
  });

  afterAll(async () => {
    await t?.app.stop();
    await sts?.stop();
  });

  it('answers 200 with exactly the ECS headers and body for a valid token', async () => {
    const response = await t.get('/v1/credentials', app1.authToken);
    const body = (await response.json()) as Record<string, string>;

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(Object.keys(body).sort()).toEqual(
      ['AccessKeyId', 'AccountId', 'Expiration', 'RoleArn', 'SecretAccessKey', 'Token'].sort(),
    );
    expect(body.AccessKeyId).toMatch(/^ASIA/);
    expect(body.SecretAccessKey).not.toBe('');
    expect(body.Token).not.toBe('');
    expect(body.Expiration).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(body.RoleArn).toBe('arn:aws:iam::123456789012:role/app1');
    expect(body.AccountId).toBe('123456789012');
  });

  it('serves an hour-long session with more than 20 minutes left', async () => {
    const body = (await (await t.get('/v1/credentials', app1.authToken)).json()) as Record<
      string,
      string
    >;

    const leftMs = Date.parse(body.Expiration ?? '') - Date.now();

    expect(leftMs).toBeGreaterThan(20 * 60_000);
    expect(leftMs).toBeLessThanOrEqual(3600_000);
  });

  it('serves each service its own role, and the same set to repeated requests', async () => {
    const a = (await (await t.get('/v1/credentials', app1.authToken)).json()) as Record<
      string,
      string
    >;
    const again = (await (await t.get('/v1/credentials', app1.authToken)).json()) as Record<
      string,
      string
    >;
    const b = (await (await t.get('/v1/credentials', app2.authToken)).json()) as Record<
      string,
      string
    >;

    expect(again.AccessKeyId).toBe(a.AccessKeyId);
    expect(b.RoleArn).toBe('arn:aws:iam::123456789012:role/app2');
    expect(b.AccessKeyId).not.toBe(a.AccessKeyId);
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    const response = await t.get('/v1/credentials', app1.authToken, { method: 'HEAD' });

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.text()).toBe('');
  });

  it.each([
    ['no Authorization header', undefined, 401, 'MISSING_TOKEN'],
    ['an empty Authorization header', '', 401, 'MISSING_TOKEN'],
    ['a wrong token', 'not-a-token', 403, 'INVALID_TOKEN'],
    ['the token with a Bearer prefix', `Bearer ${app1.authToken}`, 403, 'INVALID_TOKEN'],
    ['a prefix of a real token', app1.authToken.slice(0, 20), 403, 'INVALID_TOKEN'],
  ])('rejects %s with %i and code %s', async (_what, token, status, code) => {
    const response = await t.get('/v1/credentials', token);

    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({
      code,
      message: expect.any(String),
      Code: code,
      Message: expect.any(String),
    });
  });

  it.each(['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'])(
    'answers %s with 405 and Allow: GET, HEAD',
    async (method) => {
      const response = await t.get('/v1/credentials', app1.authToken, { method });

      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('GET, HEAD');
      expect(response.headers.get('content-type')).toBe('application/json');
    },
  );

  it.each(['/', '/v1/credentials/', '/v2/credentials', '/metrics', '/latest/meta-data/'])(
    'answers the unknown path %s with a JSON 404, never a redirect',
    async (path) => {
      const response = await t.get(path, app1.authToken, { redirect: 'manual' });

      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toBe('application/json');
      expect(((await response.json()) as { code: string }).code).toBe('NOT_FOUND');
    },
  );

  it('reports health with the service count', async () => {
    const response = await t.get('/health');

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toMatchObject({ status: 'ok', services: 2 });
  });

  it('reports ready once every service has credentials', async () => {
    const response = await t.get('/ready');

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ready', services: 2 });
  });

  it('passes ExternalId, the session name and tags to STS (moto echoes the session name)', async () => {
    const body = (await (await t.get('/v1/credentials', app1.authToken)).json()) as Record<
      string,
      string
    >;
    const identity = await callerIdentity(sts.url, body);

    expect(identity).toContain('assumed-role/app1/app1-session');
  });
});

/** GetCallerIdentity on moto with the served credentials, through the SDK. */
async function callerIdentity(endpoint: string, body: Record<string, string>): Promise<string> {
  const { STSClient, GetCallerIdentityCommand } = await import('@aws-sdk/client-sts');
  const client = new STSClient({
    region: 'us-east-1',
    endpoint,
    credentials: {
      accessKeyId: body.AccessKeyId ?? '',
      secretAccessKey: body.SecretAccessKey ?? '',
      sessionToken: body.Token ?? '',
    },
  });
  const result = await client.send(new GetCallerIdentityCommand({}));
  client.destroy();
  return result.Arn ?? '';
}
