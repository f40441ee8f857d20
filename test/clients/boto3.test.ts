import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeService } from '../helpers/configs.js';
import { hasBoto3, hasMoto } from '../helpers/requireTool.js';
import { type TokenForm, toClientEnv } from './clientEnv.js';
import { runClient } from './runClient.js';
import { type CredproxyOnMoto, startCredproxyOnMoto } from './startCredproxyOnMoto.js';

const SCRIPT = fileURLToPath(new URL('./scripts/callerIdentity.py', import.meta.url));
const missingTool = [hasMoto(), hasBoto3()].some((check) => !check.available);

describe.skipIf(missingTool)('boto3 with only FULL_URI and a token', () => {
  const service = makeService('boto3-app');
  let rig: CredproxyOnMoto;

  beforeAll(async () => {
    rig = await startCredproxyOnMoto([service]);
  });

  afterAll(async () => {
    await rig?.stop();
  });

  async function boto3Env(form: TokenForm, token: string) {
    return toClientEnv({ fullUri: rig.fullUri, stsUrl: rig.moto.url, token, form, dir: rig.dir });
  }

  // A failed credential fetch is retried by botocore's ContainerMetadataFetcher: 3 attempts,
  // 1 s apart (botocore 1.43), hence 3 invalid_token requests per failing client.
  describe.each(['env', 'file'] as const)('with the token in %s form', (form) => {
    it('makes 20 GetCallerIdentity calls from one client as the assumed role, with 1 credential request', async () => {
      const env = await boto3Env(form, service.authToken);

      const { result: run, counted } = await rig.counting(() =>
        runClient('python3', [SCRIPT, '20'], env),
      );

      expect(run).toMatchObject({ exitCode: 0, timedOut: false, stderr: '' });
      const output = JSON.parse(run.stdout) as { arns: string[]; accessKeyIds: string[] };
      expect(output.arns).toEqual(
        Array(20).fill('arn:aws:sts::123456789012:assumed-role/boto3-app/credproxy'),
      );
      const served = await rig.servedAccessKeyId(service.authToken);
      expect(output.accessKeyIds).toEqual(Array(20).fill(served));
      expect(counted).toEqual({
        'credproxy_requests_total{service="boto3-app",result="success"}': 1,
      });
    });

    it('raises CredentialRetrievalError naming the 403 when the token is wrong, after 3 tries counted as invalid_token', async () => {
      const env = await boto3Env(form, `${service.authToken}-wrong`);

      const { result: run, counted } = await rig.counting(() =>
        runClient('python3', [SCRIPT, '1'], env),
      );

      expect(run).toMatchObject({ exitCode: 1, timedOut: false, stdout: '' });
      expect(run.stderr).toMatch(
        /^CredentialRetrievalError: .*non 200 response 403 from container metadata/,
      );
      expect(run.stderr).toContain('the authorization token is not valid');
      expect(counted).toEqual({
        'credproxy_requests_total{service="unknown",result="invalid_token"}': 3,
      });
    });
  });
});
