import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningApp, startApp } from '../../src/sidecar/startApp.js';
import { runClient } from '../clients/runClient.js';
import { makeConfig } from '../helpers/configs.js';
import { type Moto, motoEnv, startMoto } from '../helpers/moto.js';
import { hasAwsCli, hasBoto3, hasMoto } from '../helpers/requireTool.js';
import { AGENT_TOKEN, makeAws, makeGatewayService } from './gatewaySetup.js';
import { type Seen, startRecordingForwarder } from './recordingForwarder.js';

const BOTO3 = fileURLToPath(new URL('./scripts/gateway_boto3.py', import.meta.url));
const JS = fileURLToPath(new URL('./scripts/gatewayJsV3.mjs', import.meta.url));
const ROLE_ARN = 'arn:aws:sts::123456789012:assumed-role/agent/credproxy';
const noMoto = !hasMoto().available;

/** Only the three variables of docs/gateway.md, a region, and nothing that reaches real AWS. */
function gatewayEnv(gateway: string, dir: string, secret = AGENT_TOKEN): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^AWS_/i.test(key) || /^(https?|all|no)_proxy$/i.test(key)) continue;
    env[key] = value;
  }
  return {
    ...env,
    AWS_ENDPOINT_URL: gateway,
    AWS_ACCESS_KEY_ID: 'agent',
    AWS_SECRET_ACCESS_KEY: secret,
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_CONFIG_FILE: join(dir, 'no-such-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-such-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    NO_PROXY: '*',
  };
}

/** The x-amz-content-sha256 forms of the uploads (PUT/POST with a body) a client sent. */
function uploadForms(seen: readonly Seen[], from: number): string[] {
  const forms = seen
    .slice(from)
    .filter((s) => s.method === 'PUT' && s.bodyBytes > 0)
    .map((s) =>
      /^[0-9a-f]{64}$/.test(s.contentSha256 ?? '') ? '<sha256 hex>' : String(s.contentSha256),
    );
  return [...new Set(forms)].sort();
}

describe.skipIf(noMoto)('AWS gateway with real clients (moto as STS and upstream)', () => {
  let moto: Moto;
  let forwarder: Awaited<ReturnType<typeof startRecordingForwarder>>;
  let app: RunningApp;
  let gateway: string;
  let dir: string;
  const saved = { ...process.env };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'credproxy-gateway-'));
    moto = await startMoto();
    forwarder = await startRecordingForwarder(moto.url);
    Object.assign(process.env, motoEnv(moto));
    const aws = makeAws(forwarder.url, { services: ['s3', 'sts', 'dynamodb', 'sqs'] });
    app = await startApp({
      loaded: {
        config: makeConfig([makeGatewayService('agent', AGENT_TOKEN)], {
          proxy: { host: '127.0.0.1', port: 0, routes: [], aws },
        }),
        warnings: [],
      },
      logLevel: 'warn',
      pretty: false,
      reloadConfig: () => Promise.reject(new Error('not used')),
    });
    await app.primed;
    gateway = app.urls?.egress ?? '';
  }, 60_000);

  afterAll(async () => {
    await app?.stop();
    await forwarder?.close();
    await moto?.stop();
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
    await rm(dir, { recursive: true, force: true });
  });

  describe.skipIf(!hasBoto3().available)('boto3', () => {
    it('calls STS as the assumed role, S3 (a 50 MB multipart upload byte for byte), DynamoDB and SQS; its presigned GET works with curl', async () => {
      const from = forwarder.seen.length;

      const run = await runClient(
        'python3',
        [BOTO3, dir, 'gw-boto3', 'gw-boto3'],
        gatewayEnv(gateway, dir),
      );

      expect(run).toMatchObject({ exitCode: 0, timedOut: false, stderr: '' });
      const out = JSON.parse(run.stdout) as Record<string, unknown>;
      expect(out).toMatchObject({
        arn: ROLE_ARN,
        small: 'hello gateway',
        bigSame: true,
        keys: ['big.bin', 'small.txt'],
        item: 'boto3',
        message: 'hi from boto3',
      });
      const parts = forwarder.seen.slice(from).filter((s) => s.url.includes('partNumber='));
      expect(parts.length).toBeGreaterThanOrEqual(6);
      expect(parts.reduce((n, s) => n + s.bodyBytes, 0)).toBe(50 * 1024 * 1024);
      console.info(`boto3 upload forms: ${uploadForms(forwarder.seen, from).join(', ')}`);
      const curled = await new Promise<string>((resolve, reject) =>
        execFile('curl', ['-sS', '--noproxy', '*', String(out.presigned)], (error, stdout) =>
          error ? reject(error) : resolve(stdout),
        ),
      );
      expect(curled).toBe('hello gateway');
    }, 120_000);

    it('fails with SignatureDoesNotMatch for a wrong token and InvalidClientTokenId for an unknown service', async () => {
      const wrong = await runClient(
        'python3',
        [BOTO3, dir, 'gw-x', 'gw-x'],
        gatewayEnv(gateway, dir, 'wrong-token-0123456789abcdef0123456789'),
      );
      const unknown = await runClient('python3', [BOTO3, dir, 'gw-x', 'gw-x'], {
        ...gatewayEnv(gateway, dir),
        AWS_ACCESS_KEY_ID: 'nobody',
      });

      expect(wrong.exitCode).toBe(1);
      expect(wrong.stderr).toMatch(/SignatureDoesNotMatch/);
      expect(unknown.exitCode).toBe(1);
      expect(unknown.stderr).toMatch(/InvalidClientTokenId/);
    }, 60_000);
  });

  describe.skipIf(!hasAwsCli().available)('the AWS CLI', () => {
    it('calls STS, copies 50 MB to S3 and back byte for byte, lists DynamoDB tables and SQS queues', async () => {
      const env = gatewayEnv(gateway, dir);
      const aws = (...args: string[]) => runClient('aws', args, env);
      const from = forwarder.seen.length;
      const big = join(dir, 'cli-big.bin');
      await new Promise<void>((resolve, reject) =>
        execFile(
          'head',
          ['-c', String(50 * 1024 * 1024), '/dev/urandom'],
          { encoding: 'buffer', maxBuffer: 60 << 20 },
          async (error, stdout) => {
            if (error) return reject(error);
            const { writeFile } = await import('node:fs/promises');
            await writeFile(big, stdout);
            resolve();
          },
        ),
      );

      const identity = await aws('sts', 'get-caller-identity', '--output', 'json');
      const mb = await aws('s3', 'mb', 's3://gw-cli');
      const up = await aws('s3', 'cp', big, 's3://gw-cli/big.bin');
      const down = await aws('s3', 'cp', 's3://gw-cli/big.bin', join(dir, 'cli-big.back'));
      const tables = await aws('dynamodb', 'list-tables', '--output', 'json');
      // CLI v1 sends SQS to <region>.queue.amazonaws.com whatever AWS_ENDPOINT_URL says
      // (awscli/customizations/overridesslcommonname.py): only --endpoint-url moves it.
      const queues = await aws('sqs', 'list-queues', '--output', 'json', '--endpoint-url', gateway);

      expect(JSON.parse(identity.stdout).Arn).toBe(ROLE_ARN);
      for (const run of [mb, up, down, tables, queues]) expect(run.exitCode, run.stderr).toBe(0);
      const { readFile } = await import('node:fs/promises');
      expect((await readFile(join(dir, 'cli-big.back'))).equals(await readFile(big))).toBe(true);
      console.info(`AWS CLI upload forms: ${uploadForms(forwarder.seen, from).join(', ')}`);
    }, 180_000);
  });

  it('JS v3: STS as the assumed role, S3 with a streamed 50 MB multipart upload byte for byte, DynamoDB, SQS', async () => {
    const from = forwarder.seen.length;

    const run = await runClient('node', [JS, 'gw-js', 'gw-js'], gatewayEnv(gateway, dir));

    expect(run, run.stderr).toMatchObject({ exitCode: 0, timedOut: false });
    expect(run.stderr).not.toMatch(/differs from SQSClient/);
    expect(JSON.parse(run.stdout)).toMatchObject({
      arn: ROLE_ARN,
      small: 'hello gateway',
      bigSame: true,
      keys: ['big.bin', 'small.txt', 'streamed.bin'],
      item: 'js',
      message: 'hi from js',
    });
    console.info(`JS v3 upload forms: ${uploadForms(forwarder.seen, from).join(', ')}`);
  }, 120_000);
});
