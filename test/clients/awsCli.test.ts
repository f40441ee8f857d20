import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeService } from '../helpers/configs.js';
import { hasAwsCli, hasMoto } from '../helpers/requireTool.js';
import { type TokenForm, toClientEnv } from './clientEnv.js';
import { type ClientRun, runClient } from './runClient.js';
import { type CredproxyOnMoto, startCredproxyOnMoto } from './startCredproxyOnMoto.js';

const missingTool = [hasMoto(), hasAwsCli()].some((check) => !check.available);

/** Each CLI start costs about a second of CPU; four at a time keeps two cores busy. */
const CONCURRENT_INVOCATIONS = 4;

/** `--debug` logs each signed request; its Authorization header names the access key used. */
const SIGNED_KEY = /Credential=([^/]+)\//g;

function getCallerIdentity(env: NodeJS.ProcessEnv): Promise<ClientRun> {
  return runClient('aws', ['sts', 'get-caller-identity', '--output', 'json', '--debug'], env);
}

/** Runs `run` `count` times, at most CONCURRENT_INVOCATIONS at once; results in finishing order. */
async function runConcurrently<T>(count: number, run: () => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  let started = 0;
  async function worker(): Promise<void> {
    while (started < count) {
      started += 1;
      results.push(await run());
    }
  }
  await Promise.all(Array.from({ length: CONCURRENT_INVOCATIONS }, worker));
  return results;
}

describe.skipIf(missingTool)('the AWS CLI v1 with only FULL_URI and a token', () => {
  const service = makeService('cli-app');
  let rig: CredproxyOnMoto;

  beforeAll(async () => {
    rig = await startCredproxyOnMoto([service]);
  });

  afterAll(async () => {
    await rig?.stop();
  });

  async function cliEnv(form: TokenForm, token: string) {
    return toClientEnv({ fullUri: rig.fullUri, stsUrl: rig.moto.url, token, form, dir: rig.dir });
  }

  // A failed credential fetch is retried by botocore's ContainerMetadataFetcher: 3 attempts,
  // 1 s apart (botocore 1.43), hence 3 invalid_token requests per failing client.
  describe.each(['env', 'file'] as const)('with the token in %s form', (form) => {
    // Every `aws` command is a new process, and botocore keeps container credentials only in
    // memory (the CLI's on-disk cache is for assume-role profiles, not for container-role), so
    // each invocation must fetch once. Each successful run needs at least one request, so 20
    // runs and 20 requests in total mean exactly one per run, even when they overlap.
    it('makes exactly 1 credential request per invocation: 20 invocations, 20 requests, each as the assumed role', async () => {
      const env = await cliEnv(form, service.authToken);

      const { result: runs, counted } = await rig.counting(() =>
        runConcurrently(20, () => getCallerIdentity(env)),
      );

      for (const run of runs) expect(run).toMatchObject({ exitCode: 0, timedOut: false });
      const arns = runs.map((run) => (JSON.parse(run.stdout) as { Arn: string }).Arn);
      expect(arns).toEqual(
        Array(20).fill('arn:aws:sts::123456789012:assumed-role/cli-app/credproxy'),
      );
      const served = await rig.servedAccessKeyId(service.authToken);
      const signedKeys = runs.map((run) => [...run.stderr.matchAll(SIGNED_KEY)].map((m) => m[1]));
      expect(signedKeys).toEqual(Array(20).fill([served]));
      expect(counted).toEqual({
        'credproxy_requests_total{service="cli-app",result="success"}': 20,
      });
    }, 180_000);

    it('exits 255 naming the 403 from credproxy when the token is wrong, after 3 tries counted as invalid_token', async () => {
      const env = await cliEnv(form, `${service.authToken}-wrong`);

      const { result: run, counted } = await rig.counting(() =>
        runClient('aws', ['sts', 'get-caller-identity'], env),
      );

      expect(run).toMatchObject({ exitCode: 255, timedOut: false, stdout: '' });
      expect(run.stderr).toMatch(
        /Error when retrieving credentials from container-role: .*non 200 response 403 from container metadata/,
      );
      expect(run.stderr).toContain('the authorization token is not valid');
      expect(counted).toEqual({
        'credproxy_requests_total{service="unknown",result="invalid_token"}': 3,
      });
    });
  });
});
