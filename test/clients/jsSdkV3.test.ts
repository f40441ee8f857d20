import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeService } from '../helpers/configs.js';
import { hasMoto } from '../helpers/requireTool.js';
import { type TokenForm, toClientEnv } from './clientEnv.js';
import { runClient } from './runClient.js';
import { type CredproxyOnMoto, startCredproxyOnMoto } from './startCredproxyOnMoto.js';

const SCRIPT = fileURLToPath(new URL('./scripts/callerIdentity.mjs', import.meta.url));
const missingTool = !hasMoto().available;

/**
 * Request counts on failure are the SDK's retry schedule (@aws-sdk/credential-provider-http
 * and @smithy/credential-provider-imds): fromHttp makes 1 + 3 attempts, 1 s apart, reading the
 * token file (else the env token) each time; fromContainerMetadata makes 1 attempt with the
 * env token only, or with no Authorization header at all when that is unset.
 */
describe.skipIf(missingTool)('the AWS SDK for JavaScript v3 with only FULL_URI and a token', () => {
  const service = makeService('js-app');
  let rig: CredproxyOnMoto;

  beforeAll(async () => {
    rig = await startCredproxyOnMoto([service]);
  });

  afterAll(async () => {
    await rig?.stop();
  });

  async function jsEnv(form: TokenForm, token: string) {
    return toClientEnv({ fullUri: rig.fullUri, stsUrl: rig.moto.url, token, form, dir: rig.dir });
  }

  function runSdk(calls: number, env: NodeJS.ProcessEnv, provider: 'chain' | 'fromHttp') {
    return runClient(process.execPath, [SCRIPT, String(calls), provider], env);
  }

  describe.each(['env', 'file'] as const)('with the token in %s form', (form) => {
    it('makes 20 GetCallerIdentity calls from one STSClient on the default chain as the assumed role, with 1 credential request', async () => {
      const env = await jsEnv(form, service.authToken);

      const { result: run, counted } = await rig.counting(() => runSdk(20, env, 'chain'));

      expect(run).toMatchObject({ exitCode: 0, timedOut: false });
      const output = JSON.parse(run.stdout) as { arns: string[]; accessKeyIds: string[] };
      expect(output.arns).toEqual(
        Array(20).fill('arn:aws:sts::123456789012:assumed-role/js-app/credproxy'),
      );
      const served = await rig.servedAccessKeyId(service.authToken);
      expect(output.accessKeyIds).toEqual(Array(20).fill(served));
      expect(counted).toEqual({
        'credproxy_requests_total{service="js-app",result="success"}': 1,
      });
    });

    it("fails in fromHttp with the 403 and credproxy's INVALID_TOKEN code when the token is wrong", async () => {
      const env = await jsEnv(form, `${service.authToken}-wrong`);

      const { result: run, counted } = await rig.counting(() => runSdk(1, env, 'fromHttp'));

      expect(run).toMatchObject({ exitCode: 1, timedOut: false, stdout: '' });
      expect(run.stderr).toMatch(
        /^CredentialsProviderError: Server responded with status: 403 \(Code: INVALID_TOKEN\)$/m,
      );
      expect(counted).toEqual({
        'credproxy_requests_total{service="unknown",result="invalid_token"}': 4,
      });
    });
  });

  describe('on the default chain, when fromHttp is rejected', () => {
    it('fails when the env token is wrong, both fromHttp and the fromContainerMetadata fallback rejected as invalid_token', async () => {
      const env = await jsEnv('env', `${service.authToken}-wrong`);

      const { result: run, counted } = await rig.counting(() => runSdk(1, env, 'chain'));

      expect(run).toMatchObject({ exitCode: 1, timedOut: false, stdout: '' });
      expect(run.stderr).toMatch(
        /^CredentialsProviderError: Could not load credentials from any providers$/m,
      );
      expect(counted).toEqual({
        'credproxy_requests_total{service="unknown",result="invalid_token"}': 5,
      });
    });

    it('rejects the fallback request, which carries no token, when the token file is wrong and no env token is set', async () => {
      const env = await jsEnv('file', `${service.authToken}-wrong`);

      const { result: run, counted } = await rig.counting(() => runSdk(1, env, 'chain'));

      expect(run).toMatchObject({ exitCode: 1, timedOut: false, stdout: '' });
      expect(run.stderr).toMatch(
        /^CredentialsProviderError: Could not load credentials from any providers$/m,
      );
      expect(counted).toEqual({
        'credproxy_requests_total{service="unknown",result="invalid_token"}': 4,
        'credproxy_requests_total{service="unknown",result="missing_token"}': 1,
      });
    });
  });
});
