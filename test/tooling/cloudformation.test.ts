import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/loadConfig.js';
import {
  createDynamicServices,
  toDynamicServicesOptions,
} from '../../src/dynamic/createDynamicServices.js';
import { freePort, type Moto, motoEnv, startMoto } from '../helpers/moto.js';
import { hasAwsCli, hasBoto3, hasMoto } from '../helpers/requireTool.js';
import { composeProblems } from '../packaging/composeRules.js';
import { startProcess, waitForHttp } from '../packaging/processes.js';

/**
 * The CloudFormation template, for real: the stack is created on moto (which implements
 * CloudFormation and IAM) with the AWS CLI, its outputs go through generate.ts, and the
 * generated setup is validated, started against moto's STS, and used by the generated clients.
 */
const REPO = resolve(import.meta.dirname, '../..');
const TEMPLATE = join(REPO, 'tooling/cloudformation/credproxy-roles.yaml');
const GENERATE = join(REPO, 'tooling/cloudformation/generate.ts');
const MAIN = join(REPO, 'dist/main.js');

const tools = { moto: hasMoto(), aws: hasAwsCli() };
const ready = tools.moto.available && tools.aws.available;

describe.skipIf(!ready)('tooling/cloudformation on moto', () => {
  let moto: Moto;
  let work: string;

  beforeAll(async () => {
    moto = await startMoto();
    work = mkdtempSync(join(tmpdir(), 'credproxy-cfn-'));
    if (!existsSync(MAIN)) {
      const build = spawnSync('npm', ['run', 'build'], { cwd: REPO, encoding: 'utf8' });
      if (build.status !== 0) throw new Error(`npm run build failed: ${build.stderr}`);
    }
  }, 120_000);

  afterAll(async () => {
    await moto?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** The AWS CLI pointed at moto with dummy keys, nothing from this machine's ~/.aws. */
  function aws(...args: string[]): string {
    const result = spawnSync('aws', ['--endpoint-url', moto.url, '--output', 'json', ...args], {
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH,
        HOME: work,
        ...motoEnv(moto),
        AWS_CONFIG_FILE: '/dev/null',
        AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      },
    });
    if (result.status !== 0) throw new Error(`aws ${args.join(' ')} failed: ${result.stderr}`);
    return result.stdout;
  }

  async function createStack(name: string, parameters: Record<string, string>): Promise<string> {
    aws(
      'cloudformation',
      'create-stack',
      '--stack-name',
      name,
      '--template-body',
      `file://${TEMPLATE}`,
      '--parameters',
      ...Object.entries(parameters).map(([k, v]) => `ParameterKey=${k},ParameterValue=${v}`),
    );
    const deadline = Date.now() + 20_000;
    for (;;) {
      const described = aws('cloudformation', 'describe-stacks', '--stack-name', name);
      const status = JSON.parse(described).Stacks[0].StackStatus as string;
      if (status === 'CREATE_COMPLETE') return described;
      if (!status.endsWith('IN_PROGRESS') || Date.now() > deadline) {
        throw new Error(`stack ${name} ended ${status}`);
      }
      await new Promise((done) => setTimeout(done, 200));
    }
  }

  function generate(args: string[], stdin?: string) {
    return spawnSync(process.execPath, ['--import', 'tsx', GENERATE, ...args], {
      cwd: REPO,
      encoding: 'utf8',
      input: stdin,
    });
  }

  function trustOf(roleArn: string): Record<string, unknown> {
    const roleName = roleArn.split('/').at(-1)!;
    const role = JSON.parse(aws('iam', 'get-role', '--role-name', roleName));
    const document = role.Role.AssumeRolePolicyDocument;
    return (typeof document === 'string' ? JSON.parse(decodeURIComponent(document)) : document)
      .Statement[0];
  }

  it('creates one role per service, trusted by the source principal with the ExternalId', async () => {
    const described = await createStack('credproxy-trust', {
      Service1: 'orders',
      Service2: '',
      Service3: '',
      Service4: '',
      TrustedPrincipalArn: 'arn:aws:iam::123456789012:role/credproxy-source',
      ExternalId: 'demo-external-id',
    });
    const outputs = Object.fromEntries(
      JSON.parse(described).Stacks[0].Outputs.map(
        (o: { OutputKey: string; OutputValue: string }) => [o.OutputKey, o.OutputValue],
      ),
    );

    const statement = trustOf(outputs.Service1RoleArn);

    expect(Object.keys(outputs).sort()).toEqual(
      ['ExternalId', 'Service1Name', 'Service1RoleArn', 'TrustedPrincipal'].sort(),
    );
    expect(outputs.Service1Name).toBe('orders');
    expect(outputs.Service1RoleArn).toMatch(/^arn:aws:iam::123456789012:role\/credproxy\//);
    expect(statement.Principal).toEqual({ AWS: 'arn:aws:iam::123456789012:role/credproxy-source' });
    expect(statement.Action).toEqual(['sts:AssumeRole', 'sts:TagSession', 'sts:SetSourceIdentity']);
    expect(statement.Condition).toEqual({ StringEquals: { 'sts:ExternalId': 'demo-external-id' } });
  }, 60_000);

  it('generates a config, service files, tokens and a compose file that work end to end', async () => {
    const described = await createStack('credproxy-demo', { Service4: '' });
    const stackJson = join(work, 'stack.json');
    writeFileSync(stackJson, described);
    const out = join(work, 'demo');
    const port = await freePort();
    const metricsPort = await freePort();

    const generated = generate([
      '--stack-json',
      stackJson,
      '--out',
      out,
      '--port',
      String(port),
      '--metrics-port',
      String(metricsPort),
    ]);
    const tokenFiles = readdirSync(join(out, 'tokens')).sort();
    const tokens = new Map(
      ['aws-cli', 'boto3', 'js-sdk'].map((name) => [
        name,
        readFileSync(join(out, 'tokens', `${name}.token`), 'utf8'),
      ]),
    );
    const validation = spawnSync(
      process.execPath,
      [MAIN, '--config', join(out, 'config.yaml'), '--validate-only', '--format', 'json'],
      { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: work } },
    );

    expect(generated.status, generated.stderr).toBe(0);
    expect(tokenFiles).toEqual(['aws-cli.token', 'boto3.token', 'js-sdk.token']);
    for (const [name, token] of tokens) {
      expect(token, name).toMatch(/^[0-9a-f]{64}$/);
      expect(statSync(join(out, 'tokens', `${name}.token`)).mode & 0o777).toBe(0o600);
    }
    expect(validation.status, `${validation.stdout}${validation.stderr}`).toBe(0);
    expect(JSON.parse(validation.stdout)).toMatchObject({
      ok: true,
      services: ['aws-cli'],
      warnings: [],
    });
    expect(composeProblems(join(out, 'docker-compose.yaml'))).toEqual([]);
    expect(
      parse(readFileSync(join(out, 'config.yaml'), 'utf8')).services['aws-cli'].assumed_role,
    ).not.toHaveProperty('ExternalId');

    // The dynamic files load as credproxy loads them.
    const env = { PATH: process.env.PATH ?? '', HOME: work };
    const { config } = await loadConfig(join(out, 'config.yaml'), env);
    const dynamic = createDynamicServices(toDynamicServicesOptions(config, env));
    const rescan = await dynamic.rescan();
    expect(rescan.rejected).toEqual([]);
    expect(dynamic.services().map((s) => s.name)).toEqual(['aws-cli', 'boto3', 'js-sdk']);

    // Running again, from standard input, keeps the tokens (clients already hold them).
    const again = generate(
      [
        '--stack-json',
        '-',
        '--out',
        out,
        '--port',
        String(port),
        '--metrics-port',
        String(metricsPort),
      ],
      described,
    );
    expect(again.status, again.stderr).toBe(0);
    expect(readFileSync(join(out, 'tokens', 'aws-cli.token'), 'utf8')).toBe(tokens.get('aws-cli'));

    // credproxy serves every generated service from moto's STS, and the generated clients use it.
    const server = startProcess(process.execPath, [MAIN, '--config', join(out, 'config.yaml')], {
      ...env,
      ...motoEnv(moto),
    });
    try {
      await waitForHttp(`http://127.0.0.1:${port}/ready`, 15_000);
      const compose = parse(readFileSync(join(out, 'docker-compose.yaml'), 'utf8'));
      const clientEnv = (name: string) => ({
        PATH: process.env.PATH ?? '',
        HOME: work,
        AWS_CONFIG_FILE: '/dev/null',
        AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_ENDPOINT_URL_STS: moto.url,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        ...compose.services[name].environment,
        AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: join(out, 'tokens', `${name}.token`),
        NODE_PATH: join(REPO, 'node_modules'),
      });
      const runs: Record<string, ReturnType<typeof spawnSync>> = {
        'aws-cli': spawnSync('aws', compose.services['aws-cli'].command, {
          encoding: 'utf8',
          env: clientEnv('aws-cli'),
        }),
        'js-sdk': spawnSync(process.execPath, [join(out, 'clients/js_sdk_client.cjs')], {
          encoding: 'utf8',
          env: clientEnv('js-sdk'),
        }),
      };
      if (hasBoto3().available) {
        runs.boto3 = spawnSync('python3', [join(out, 'clients/boto3_client.py')], {
          encoding: 'utf8',
          env: clientEnv('boto3'),
        });
      }

      for (const [name, run] of Object.entries(runs)) {
        expect(run.status, `${name}: ${run.stderr}\n${server.output()}`).toBe(0);
        expect(String(run.stdout).trim(), name).toMatch(
          new RegExp(
            `^arn:aws:sts::123456789012:assumed-role/credproxy-demo-Service\\dRole-[A-Z0-9]+/credproxy-${name}$`,
          ),
        );
      }
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  }, 120_000);
});
