import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceConfig } from '../../src/config/types.js';
import { useTempDir } from '../config/tempDir.js';
import { makeConfig, makeService } from '../helpers/configs.js';
import { claimsAt, makeSigner, sandboxIssuer, type TestSigner } from '../helpers/jwtIssuer.js';
import { type InProcess, startInProcess } from '../helpers/startInProcess.js';

const agent = makeService('agent', { jwt: { issuer: 'sandbox', requireClaims: [] } });

describe('GET /v1/credentials with a JWT', () => {
  const dir = useTempDir();
  let signer: TestSigner;
  let t: InProcess | undefined;

  beforeAll(async () => {
    signer = await makeSigner();
  });
  afterEach(async () => {
    await t?.sidecar.stop();
    t = undefined;
  });

  async function start(services: ServiceConfig[] = [agent]): Promise<InProcess> {
    const file = dir.write('jwks.json', JSON.stringify(signer.jwks));
    const config = makeConfig(services, {
      identity: {
        jwt: {
          clockSkewSeconds: 30,
          issuers: [
            sandboxIssuer({ keys: { kind: 'jwks_file', path: file }, sourceIdentity: '/sub' }),
          ],
        },
      },
    });
    t = await startInProcess(config);
    return t;
  }

  const sandbox = (app: InProcess, tenant: string, sub: string, extra = {}) =>
    signer.sign(claimsAt(app.clock.now(), { svc: 'agent', tenant, team: 'blue', sub, ...extra }));

  it('serves credentials assumed with the claims as session tags and the subject as SourceIdentity', async () => {
    const app = await start();
    const token = await sandbox(app, 'acme', 'sandbox-1');

    const response = await app.get('/v1/credentials', token);

    expect(response.status).toBe(200);
    const body = (await response.json()) as { AccessKeyId: string };
    const target = app.assumer.targets.find((x) => x.session !== undefined);
    expect(target?.session).toMatchObject({
      tags: [
        { key: 'Tenant', value: 'acme' },
        { key: 'Team', value: 'blue' },
      ],
      sourceIdentity: 'sandbox-1',
    });
    expect(body.AccessKeyId).toMatch(/^ASIAFAKE/);
  });

  it('answers a token that does not verify with one generic 401, and logs the reason without the token', async () => {
    const app = await start();
    const expired = await signer.sign(
      claimsAt(app.clock.now() - 7_200_000, { svc: 'agent', tenant: 'a', team: 'b', sub: 's1' }),
    );
    const wrongAudience = await sandbox(app, 'acme', 'sandbox-1', { aud: 'other' });

    const answers = [];
    for (const token of [expired, wrongAudience]) {
      const response = await app.get('/v1/credentials', token);
      answers.push([response.status, await response.json()]);
    }

    const body = {
      code: 'JWT_INVALID',
      message: 'the token is not valid',
      Code: 'JWT_INVALID',
      Message: 'the token is not valid',
    };
    expect(answers).toEqual([
      [401, body],
      [401, body],
    ]);
    const refused = app.logs.lines().filter((line) => line.code === 'JWT_INVALID');
    expect(refused.map((line) => line.detail)).toEqual(['expired', 'wrong_audience']);
    for (const token of [expired, wrongAudience]) {
      for (const part of token.split('.')) expect(app.logs.text()).not.toContain(part);
    }
  });

  it('answers a valid token with a missing tag claim with 403 naming the tag key and the claim', async () => {
    const app = await start();
    const token = await signer.sign(
      claimsAt(app.clock.now(), { svc: 'agent', team: 'b', sub: 's1' }),
    );

    const response = await app.get('/v1/credentials', token);

    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({
      code: 'JWT_FORBIDDEN',
      message:
        'the token may not act as service agent: session tag Tenant: claim /tenant is missing',
    });
    expect(app.assumer.calls).toBe(1);
  });

  it("gives two tenants two sets and one tenant's 100 sandboxes one set (100 tokens, one AssumeRole)", async () => {
    const app = await start([
      makeService('agent', {
        jwt: { issuer: 'sandbox', requireClaims: [] },
      }),
    ]);
    const noSub = async (tenant: string, n: number) =>
      signer.sign(
        claimsAt(app.clock.now(), { svc: 'agent', tenant, team: 'blue', sub: 'shared', n }),
      );
    const before = app.assumer.calls;

    const acme = await Promise.all(
      Array.from({ length: 100 }, async (_, n) =>
        (await app.get('/v1/credentials', await noSub('acme', n))).json(),
      ),
    );
    const globex = await (await app.get('/v1/credentials', await noSub('globex', 0))).json();

    const keys = new Set(acme.map((b) => (b as { AccessKeyId: string }).AccessKeyId));
    expect(keys.size).toBe(1);
    expect((globex as { AccessKeyId: string }).AccessKeyId).not.toBe([...keys][0]);
    expect(app.assumer.calls - before).toBe(2);
  });

  it('still serves the static token of a service that also accepts JWTs', async () => {
    const app = await start();

    const response = await app.get('/v1/credentials', agent.authToken);

    expect(response.status).toBe(200);
  });

  it('writes the tag set in the audit lines of a per-session set, and shows the key set in metrics', async () => {
    const app = await start();
    await app.get('/v1/credentials', await sandbox(app, 'acme', 'sandbox-1'));

    const audit = app.logs.lines().filter((line) => line.component === 'audit');
    const metrics = await (await fetch(`${app.metricsUrl}/metrics`)).text();

    expect(audit.map((line) => [line.event, line.sessionTags, line.sourceIdentity])).toEqual([
      ['credentials_fetched', undefined, undefined],
      ['credentials_fetched', { Tenant: 'acme', Team: 'blue' }, 'sandbox-1'],
      ['credentials_served', { Tenant: 'acme', Team: 'blue' }, 'sandbox-1'],
    ]);
    expect(metrics).toContain('credproxy_jwt_keys{issuer="sandbox"} 1');
    expect(metrics).toContain('credproxy_jwt_verifications_total{result="accepted"} 1');
    expect(metrics).toMatch(/credproxy_jwt_keys_loaded_timestamp_seconds\{issuer="sandbox"\} \d+/);
  });

  it('drops the key-set series of an issuer a reload removes', async () => {
    const app = await start();
    await app.get('/v1/credentials', await sandbox(app, 'acme', 'sandbox-1'));
    const before = await (await fetch(`${app.metricsUrl}/metrics`)).text();
    const { jwt: _dropped, ...withoutJwt } = agent;
    app.setNextConfig(makeConfig([withoutJwt]));

    await app.sidecar.reload();
    const after = await (await fetch(`${app.metricsUrl}/metrics`)).text();

    expect(before).toContain('credproxy_jwt_keys{issuer="sandbox"} 1');
    expect(after).not.toContain('issuer="sandbox"');
  });

  it('refuses a cached token at once when a reload takes jwt away from its service', async () => {
    const app = await start();
    const token = await sandbox(app, 'acme', 'sandbox-1');
    const before = await app.get('/v1/credentials', token);
    const { jwt: _dropped, ...withoutJwt } = agent;
    app.setNextConfig(
      makeConfig([withoutJwt], { identity: app.sidecar.context.config().identity }),
    );

    await app.sidecar.reload();
    const after = await app.get('/v1/credentials', token);

    expect(before.status).toBe(200);
    expect(after.status).toBe(403);
    expect(((await after.json()) as { code: string }).code).toBe('JWT_FORBIDDEN');
  });
});
