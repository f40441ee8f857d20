import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeConfig, makeService } from '../helpers/configs.js';
import { type FaultProxy, startFaultProxy } from '../helpers/faultProxy.js';
import { claimsAt, makeSigner, sandboxIssuer, type TestSigner } from '../helpers/jwtIssuer.js';
import { type Moto, motoEnv, startMoto } from '../helpers/moto.js';
import { hasMoto } from '../helpers/requireTool.js';
import { startTestApp, type TestApp } from '../helpers/startTestApp.js';

const moto = hasMoto();

/** The AssumeRole calls the forwarder saw, each as its decoded form fields. */
function assumeRoleCalls(proxy: FaultProxy): Array<Record<string, string>> {
  return proxy
    .bodies()
    .map((body) => Object.fromEntries(new URLSearchParams(body)))
    .filter((form) => form.Action === 'AssumeRole');
}

describe.skipIf(!moto.available)('JWT claims as STS session tags, seen on the wire to moto', () => {
  let sts: Moto;
  let proxy: FaultProxy;
  let t: TestApp;
  let signer: TestSigner;
  let dir: string;
  const agent = makeService('agent', { jwt: { issuer: 'sandbox', requireClaims: [] } });

  beforeAll(async () => {
    signer = await makeSigner();
    dir = mkdtempSync(join(tmpdir(), 'credproxy-jwt-'));
    const jwksFile = join(dir, 'jwks.json');
    writeFileSync(jwksFile, JSON.stringify(signer.jwks));
    sts = await startMoto();
    proxy = await startFaultProxy(sts.url);
    Object.assign(process.env, motoEnv(sts), { AWS_ENDPOINT_URL_STS: proxy.url });
    const config = makeConfig([agent], {
      identity: {
        jwt: {
          clockSkewSeconds: 30,
          issuers: [
            sandboxIssuer({
              keys: { kind: 'jwks_file', path: jwksFile },
              transitive: true,
              sourceIdentity: '/tenant',
            }),
          ],
        },
      },
    });
    t = await startTestApp(config);
    await t.app.primed;
  });

  afterAll(async () => {
    await t?.app.stop();
    await proxy?.stop();
    await sts?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const sandboxToken = (tenant: string, sandbox: number) =>
    signer.sign(claimsAt(Date.now(), { svc: 'agent', tenant, team: 'blue', sandbox }));

  it('sends Tags.member.N for each mapped claim, transitive keys and SourceIdentity; two tenants are two AssumeRole calls, 100 sandboxes of one tenant are one', async () => {
    const before = assumeRoleCalls(proxy).length;

    const acme = await Promise.all(
      Array.from({ length: 100 }, async (_, n) => {
        const response = await t.get('/v1/credentials', await sandboxToken('acme', n));
        return [response.status, ((await response.json()) as { AccessKeyId: string }).AccessKeyId];
      }),
    );
    const globex = await t.get('/v1/credentials', await sandboxToken('globex', 1));
    const globexKey = ((await globex.json()) as { AccessKeyId: string }).AccessKeyId;

    const calls = assumeRoleCalls(proxy).slice(before);
    expect(acme.every(([status]) => status === 200)).toBe(true);
    expect(new Set(acme.map(([, key]) => key)).size).toBe(1);
    expect(globex.status).toBe(200);
    expect(globexKey).not.toBe(acme[0]?.[1]);
    expect(calls).toHaveLength(2);
    for (const [call, tenant] of [
      [calls[0], 'acme'],
      [calls[1], 'globex'],
    ] as const) {
      expect(call).toMatchObject({
        RoleArn: 'arn:aws:iam::123456789012:role/agent',
        'Tags.member.1.Key': 'Tenant',
        'Tags.member.1.Value': tenant,
        'Tags.member.2.Key': 'Team',
        'Tags.member.2.Value': 'blue',
        'TransitiveTagKeys.member.1': 'Tenant',
        'TransitiveTagKeys.member.2': 'Team',
        SourceIdentity: tenant,
      });
      expect(call).not.toHaveProperty('Tags.member.3.Key');
    }
  });

  it("sends no tags for the service's own set (primed at start for its static token)", () => {
    const primed = assumeRoleCalls(proxy)[0];

    expect(primed?.RoleArn).toBe('arn:aws:iam::123456789012:role/agent');
    expect(Object.keys(primed ?? {}).filter((key) => key.startsWith('Tags.'))).toEqual([]);
  });
});
