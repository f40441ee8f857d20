import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeService } from '../helpers/configs.js';
import { claimsAt, makeSigner, sandboxIssuer, type TestSigner } from '../helpers/jwtIssuer.js';
import { hasBoto3, hasMoto } from '../helpers/requireTool.js';
import { toClientEnv } from './clientEnv.js';
import { runClient } from './runClient.js';
import { type CredproxyOnMoto, startCredproxyOnMoto } from './startCredproxyOnMoto.js';

const PY = fileURLToPath(new URL('./scripts/rotatedTokenFile.py', import.meta.url));
const JS = fileURLToPath(new URL('./scripts/rotatedTokenFile.mjs', import.meta.url));
const CALLS = 5;
const moto = hasMoto();
const boto3 = hasBoto3();

/**
 * The projected-token model (EKS Pod Identity, a Kubernetes projected service-account token):
 * the workload gets AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE holding a JWT that its orchestrator
 * replaces from time to time, by writing a new file and renaming it over the old one. The SDK
 * reads the file at each credential fetch. Here the rotated token names another tenant, so the
 * keys a client signs with show which token it presented.
 */
describe.skipIf(!moto.available)('SDKs reading a rotated JWT token file', () => {
  let rig: CredproxyOnMoto;
  let signer: TestSigner;
  let runs = 0;
  let jwksDir: string | undefined;

  beforeAll(async () => {
    signer = await makeSigner();
    jwksDir = mkdtempSync(join(tmpdir(), 'credproxy-jwks-'));
    const jwksFile = join(jwksDir, 'jwks.json');
    writeFileSync(jwksFile, JSON.stringify(signer.jwks));
    rig = await startCredproxyOnMoto(
      [makeService('agent', { jwt: { issuer: 'sandbox', requireClaims: [] } })],
      {
        identity: {
          jwt: {
            clockSkewSeconds: 30,
            issuers: [sandboxIssuer({ keys: { kind: 'jwks_file', path: jwksFile } })],
          },
        },
      },
    );
  });

  afterAll(async () => {
    await rig?.stop();
    if (jwksDir) rmSync(jwksDir, { recursive: true, force: true });
  });

  const tenantToken = (tenant: string) =>
    signer.sign(claimsAt(Date.now(), { svc: 'agent', tenant, team: 'blue' }, 3600));

  /** Runs `command`, rotating the token file once the client says it is half-way. */
  async function runRotating(command: string, args: string[]) {
    runs += 1;
    const markers = join(rig.dir, `markers-${runs}`);
    mkdirSync(markers);
    const first = await tenantToken('acme');
    const second = await tenantToken('globex');
    const env = await toClientEnv({
      fullUri: rig.fullUri,
      stsUrl: rig.moto.url,
      token: first,
      form: 'file',
      dir: rig.dir,
    });
    const file = env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE ?? '';
    const { result: run, counted } = await rig.counting(async () => {
      const running = runClient(command, [...args, String(CALLS), markers], env);
      const deadline = Date.now() + 30_000;
      while (!existsSync(join(markers, 'half')) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      // As a kubelet does: a new file renamed over the old one, no trailing newline.
      writeFileSync(`${file}.new`, second, { mode: 0o600 });
      renameSync(`${file}.new`, file);
      writeFileSync(join(markers, 'rotated'), '');
      return running;
    });
    return {
      run,
      requests: Object.fromEntries(
        Object.entries(counted).filter(([key]) => key.startsWith('credproxy_requests_total')),
      ),
      acmeKey: await rig.servedAccessKeyId(first),
      globexKey: await rig.servedAccessKeyId(second),
    };
  }

  function expectRotation(outcome: Awaited<ReturnType<typeof runRotating>>) {
    const { run, acmeKey, globexKey } = outcome;
    expect(run).toMatchObject({ exitCode: 0, timedOut: false });
    const { before, after } = JSON.parse(run.stdout) as { before: string[]; after: string[] };
    expect(before).toEqual(Array(CALLS).fill(acmeKey));
    expect(after).toEqual(Array(CALLS).fill(globexKey));
    expect(acmeKey).not.toBe(globexKey);
  }

  it.skipIf(!boto3.available)(
    'boto3 keeps working across the rotation and presents the new token',
    async () => {
      const outcome = await runRotating('python3', [PY]);

      expectRotation(outcome);
      expect(outcome.requests).toEqual({
        'credproxy_requests_total{service="agent",result="success"}': 2,
      });
    },
  );

  it('the JS SDK v3 keeps working across the rotation and presents the new token', async () => {
    const outcome = await runRotating(process.execPath, [JS]);

    expectRotation(outcome);
    expect(outcome.requests).toEqual({
      'credproxy_requests_total{service="agent",result="success"}': 2,
    });
  });
});
