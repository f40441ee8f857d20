import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAIN } from '../cli/runCredproxy.js';
import { makeService } from '../helpers/configs.js';
import { hasAwsCli, hasBoto3, hasMoto } from '../helpers/requireTool.js';
import { toBareClientEnv } from './bareClientEnv.js';
import { runClient } from './runClient.js';
import { type CredproxyOnMoto, startCredproxyOnMoto } from './startCredproxyOnMoto.js';

const PY = fileURLToPath(new URL('./scripts/callerIdentity.py', import.meta.url));
const JS = fileURLToPath(new URL('./scripts/callerIdentity.mjs', import.meta.url));
const moto = hasMoto();
const boto3 = hasBoto3();
const awsCli = hasAwsCli();
const ARN = 'arn:aws:sts::123456789012:assumed-role/process-app/credproxy';

/**
 * Each client finds credentials only through the default profile of a temporary
 * AWS_CONFIG_FILE, whose credential_process line runs the built binary (npm test builds it).
 */
describe.skipIf(!moto.available)(
  'real clients through a credential_process profile, on moto',
  () => {
    const service = makeService('process-app');
    let rig: CredproxyOnMoto;
    let profiles = 0;

    beforeAll(async () => {
      rig = await startCredproxyOnMoto([service]);
    });

    afterAll(async () => {
      await rig?.stop();
    });

    /** A config file whose default profile runs credproxy credential-process with `token`. */
    async function envWithToken(token: string): Promise<NodeJS.ProcessEnv> {
      profiles += 1;
      const tokenFile = join(rig.dir, `process-token-${profiles}`);
      const configFile = join(rig.dir, `process-config-${profiles}`);
      await writeFile(tokenFile, token, { mode: 0o600 });
      const command = [process.execPath, MAIN, 'credential-process', '--url', rig.fullUri];
      await writeFile(
        configFile,
        `[default]\nregion = us-east-1\ncredential_process = ${[...command, '--token-file', tokenFile].join(' ')}\n`,
      );
      return toBareClientEnv(rig.moto.url, rig.dir, { AWS_CONFIG_FILE: configFile });
    }

    describe.skipIf(!awsCli.available)('the AWS CLI v1', () => {
      it('runs get-caller-identity as the assumed role, one credential request per invocation', async () => {
        const env = await envWithToken(service.authToken);

        const { result: runs, counted } = await rig.counting(async () => [
          await runClient('aws', ['sts', 'get-caller-identity', '--output', 'json'], env),
          await runClient('aws', ['sts', 'get-caller-identity', '--output', 'json'], env),
        ]);

        for (const run of runs) expect(run).toMatchObject({ exitCode: 0, timedOut: false });
        expect(runs.map((run) => (JSON.parse(run.stdout) as { Arn: string }).Arn)).toEqual([
          ARN,
          ARN,
        ]);
        expect(counted).toEqual({
          'credproxy_requests_total{service="process-app",result="success"}': 2,
        });
      });

      it("fails naming credproxy's INVALID_TOKEN when the token is wrong, without printing it", async () => {
        const wrong = `${service.authToken}-wrong`;
        const env = await envWithToken(wrong);

        const run = await runClient('aws', ['sts', 'get-caller-identity'], env);

        expect(run).toMatchObject({ exitCode: 255, timedOut: false, stdout: '' });
        expect(run.stderr).toContain(
          'error: the endpoint answered 403 INVALID_TOKEN: the authorization token is not valid',
        );
        expect(run.stderr).not.toContain(wrong);
      });
    });

    describe.skipIf(!boto3.available)('boto3', () => {
      it('makes 20 calls as the assumed role with 1 credential request', async () => {
        const env = await envWithToken(service.authToken);

        const { result: run, counted } = await rig.counting(() =>
          runClient('python3', [PY, '20'], env),
        );

        expect(run).toMatchObject({ exitCode: 0, timedOut: false, stderr: '' });
        const output = JSON.parse(run.stdout) as { arns: string[]; accessKeyIds: string[] };
        expect(output.arns).toEqual(Array(20).fill(ARN));
        expect(output.accessKeyIds).toEqual(
          Array(20).fill(await rig.servedAccessKeyId(service.authToken)),
        );
        expect(counted).toEqual({
          'credproxy_requests_total{service="process-app",result="success"}': 1,
        });
      });
    });

    describe('the AWS SDK for JavaScript v3', () => {
      it.each(['fromProcess', 'chain'])(
        'makes 20 calls through %s as the assumed role, with 1 credential request',
        async (provider) => {
          const env = await envWithToken(service.authToken);

          const { result: run, counted } = await rig.counting(() =>
            runClient(process.execPath, [JS, '20', provider], env),
          );

          expect(run).toMatchObject({ exitCode: 0, timedOut: false });
          const output = JSON.parse(run.stdout) as { arns: string[]; accessKeyIds: string[] };
          expect(output.arns).toEqual(Array(20).fill(ARN));
          expect(output.accessKeyIds).toEqual(
            Array(20).fill(await rig.servedAccessKeyId(service.authToken)),
          );
          expect(counted).toEqual({
            'credproxy_requests_total{service="process-app",result="success"}': 1,
          });
        },
      );

      it('fails in fromProcess when the token is wrong', async () => {
        const env = await envWithToken(`${service.authToken}-wrong`);

        const run = await runClient(process.execPath, [JS, '1', 'fromProcess'], env);

        expect(run).toMatchObject({ exitCode: 1, timedOut: false, stdout: '' });
        expect(run.stderr).toMatch(
          /^CredentialsProviderError: Command failed: .* credential-process /m,
        );
        expect(run.stderr).toContain(
          'error: the endpoint answered 403 INVALID_TOKEN: the authorization token is not valid',
        );
      });
    });
  },
);
