import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeService } from '../helpers/configs.js';
import { freePort } from '../helpers/moto.js';
import { hasAwsCli, hasBoto3, hasMoto } from '../helpers/requireTool.js';
import { toBareClientEnv } from './bareClientEnv.js';
import { runClient } from './runClient.js';
import { type CredproxyOnMoto, startCredproxyOnMoto } from './startCredproxyOnMoto.js';
import { startV1OnlyForwarder, type V1OnlyForwarder } from './startV1OnlyForwarder.js';

const PY = fileURLToPath(new URL('./scripts/callerIdentity.py', import.meta.url));
const JS = fileURLToPath(new URL('./scripts/callerIdentity.mjs', import.meta.url));
const moto = hasMoto();
const boto3 = hasBoto3();
const awsCli = hasAwsCli();

/** Each client reaches credproxy only through AWS_EC2_METADATA_SERVICE_ENDPOINT. */
describe.skipIf(!moto.available)('real clients through the IMDS listeners, on moto', () => {
  const strict = makeService('imds-app');
  const lenient = makeService('imds-v1');
  let rig: CredproxyOnMoto;
  let strictUrl: string;
  let lenientUrl: string;
  let v1Strict: V1OnlyForwarder;
  let v1Lenient: V1OnlyForwarder;

  beforeAll(async () => {
    const [strictPort, lenientPort] = [await freePort(), await freePort()];
    rig = await startCredproxyOnMoto([strict, lenient], {
      imds: [
        { host: '127.0.0.1', port: strictPort, service: 'imds-app', allowV1: false },
        { host: '127.0.0.1', port: lenientPort, service: 'imds-v1', allowV1: true },
      ],
    });
    strictUrl = `http://127.0.0.1:${strictPort}`;
    lenientUrl = `http://127.0.0.1:${lenientPort}`;
    v1Strict = await startV1OnlyForwarder(strictUrl);
    v1Lenient = await startV1OnlyForwarder(lenientUrl);
  });

  afterAll(async () => {
    await v1Strict?.stop();
    await v1Lenient?.stop();
    await rig?.stop();
  });

  const envFor = (endpoint: string) =>
    toBareClientEnv(rig.moto.url, rig.dir, { AWS_EC2_METADATA_SERVICE_ENDPOINT: endpoint });
  const ARN = 'arn:aws:sts::123456789012:assumed-role/imds-app/credproxy';
  const V1_ARN = 'arn:aws:sts::123456789012:assumed-role/imds-v1/credproxy';

  describe.skipIf(!boto3.available)('boto3', () => {
    it('makes 20 calls as the assumed role with IMDSv2, with 1 credential request', async () => {
      const { result: run, counted } = await rig.counting(() =>
        runClient('python3', [PY, '20'], envFor(strictUrl)),
      );

      expect(run).toMatchObject({ exitCode: 0, timedOut: false, stderr: '' });
      const output = JSON.parse(run.stdout) as { arns: string[]; accessKeyIds: string[] };
      expect(output.arns).toEqual(Array(20).fill(ARN));
      expect(output.accessKeyIds).toEqual(
        Array(20).fill(await rig.servedAccessKeyId(strict.authToken)),
      );
      expect(counted).toEqual({
        'credproxy_requests_total{service="imds-app",result="success"}': 1,
      });
    });

    it('finds no credentials when it can only speak IMDSv1 to a listener that refuses it (401)', async () => {
      v1Strict.seen.length = 0;

      const run = await runClient('python3', [PY, '1'], envFor(v1Strict.url));

      expect(run).toMatchObject({ exitCode: 1, timedOut: false, stdout: '' });
      expect(run.stderr).toBe('NoCredentialsError: Unable to locate credentials\n');
      expect(v1Strict.seen).toEqual([
        { method: 'PUT', path: '/latest/api/token', status: 404 },
        { method: 'GET', path: '/latest/meta-data/iam/security-credentials/', status: 401 },
      ]);
    });

    it('works over IMDSv1 on a listener with allow_v1', async () => {
      v1Lenient.seen.length = 0;

      const run = await runClient('python3', [PY, '1'], envFor(v1Lenient.url));

      expect(run).toMatchObject({ exitCode: 0, stderr: '' });
      expect((JSON.parse(run.stdout) as { arns: string[] }).arns).toEqual([V1_ARN]);
      expect(v1Lenient.seen.map((r) => r.status)).toEqual([404, 200, 200]);
    });
  });

  describe.skipIf(!awsCli.available)('the AWS CLI v1', () => {
    it('runs get-caller-identity as the assumed role with IMDSv2, 1 credential request per invocation', async () => {
      const { result: runs, counted } = await rig.counting(async () => [
        await runClient(
          'aws',
          ['sts', 'get-caller-identity', '--output', 'json'],
          envFor(strictUrl),
        ),
        await runClient(
          'aws',
          ['sts', 'get-caller-identity', '--output', 'json'],
          envFor(strictUrl),
        ),
      ]);

      for (const run of runs) expect(run).toMatchObject({ exitCode: 0, timedOut: false });
      expect(runs.map((run) => (JSON.parse(run.stdout) as { Arn: string }).Arn)).toEqual([
        ARN,
        ARN,
      ]);
      expect(counted).toEqual({
        'credproxy_requests_total{service="imds-app",result="success"}': 2,
      });
    });

    it('fails with "Unable to locate credentials" when it can only speak IMDSv1 to a listener that refuses it', async () => {
      const run = await runClient('aws', ['sts', 'get-caller-identity'], envFor(v1Strict.url));

      expect(run.exitCode).toBe(255);
      expect(run.stdout).toBe('');
      expect(run.stderr).toContain('Unable to locate credentials');
      expect(v1Strict.seen.at(-1)).toEqual({
        method: 'GET',
        path: '/latest/meta-data/iam/security-credentials/',
        status: 401,
      });
    });
  });

  describe('the AWS SDK for JavaScript v3 (default chain)', () => {
    it('makes 20 calls from one client as the assumed role with IMDSv2, with 1 credential request', async () => {
      const { result: run, counted } = await rig.counting(() =>
        runClient(process.execPath, [JS, '20', 'chain'], envFor(strictUrl)),
      );

      expect(run).toMatchObject({ exitCode: 0, timedOut: false });
      const output = JSON.parse(run.stdout) as { arns: string[]; accessKeyIds: string[] };
      expect(output.arns).toEqual(Array(20).fill(ARN));
      expect(output.accessKeyIds).toEqual(
        Array(20).fill(await rig.servedAccessKeyId(strict.authToken)),
      );
      expect(counted).toEqual({
        'credproxy_requests_total{service="imds-app",result="success"}': 1,
      });
    });

    it('fails when it can only speak IMDSv1 to a listener that refuses it (401)', async () => {
      v1Strict.seen.length = 0;

      const run = await runClient(process.execPath, [JS, '1', 'chain'], envFor(v1Strict.url));

      expect(run).toMatchObject({ exitCode: 1, timedOut: false, stdout: '' });
      expect(run.stderr).toMatch(
        /^CredentialsProviderError: Could not load credentials from any providers$/m,
      );
      expect(v1Strict.seen).toEqual([
        { method: 'PUT', path: '/latest/api/token', status: 404 },
        { method: 'GET', path: '/latest/meta-data/iam/security-credentials/', status: 401 },
      ]);
    });

    it('works over IMDSv1 on a listener with allow_v1', async () => {
      const run = await runClient(process.execPath, [JS, '1', 'chain'], envFor(v1Lenient.url));

      expect(run).toMatchObject({ exitCode: 0, timedOut: false });
      expect((JSON.parse(run.stdout) as { arns: string[] }).arns).toEqual([V1_ARN]);
    });
  });
});
