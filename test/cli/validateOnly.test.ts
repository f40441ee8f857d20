import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '../config/tempDir.js';
import { runCredproxy } from './runCredproxy.js';

const VALID = 'test/fixtures/config/valid';
const INVALID = 'test/fixtures/config/invalid';
const WEAK = 'use a long random string (e.g. openssl rand -hex 32)';
const TOKEN = 'k7Qw9Zr2Lp5Xv8Nc3Bt6Hy1Jm4Df0GsT5uW2eR8';

/** Distinctive secrets: none may ever appear in the output. */
const SECRETS = {
  APP_AUTH_TOKEN: 'ENV-SECRET-app-token-3c4d5e6f7a8b9c0d1e2f3a4b',
  REPORTING_TOKEN: 'ENV-SECRET-reporting-9a8b7c6d5e4f3a2b1c0d9e8f',
  BILLING_TOKEN: 'ENV-SECRET-billing-1f2e3d4c5b6a7f8e9d0c1b2a',
  AWS_CLI_TOKEN: 'ENV-SECRET-awscli-6e5d4c3b2a1f0e9d8c7b6a5f',
  AWS_ACCESS_KEY_ID: 'AKIAENVSECRET0000001',
  AWS_SESSION_TOKEN: 'ENV-SECRET-session-token-7b8c9d0e1f2a3b4c',
};
const FILE_SECRETS = {
  'secrets/app_token': 'FILE-SECRET-app-token-0a1b2c3d4e5f6a7b8c9d0e1f\n',
  'secrets/aws-secret': 'FILESECRETawsSecretKey0123456789abcdefAB\n',
};
const MANY_PROBLEM_SECRETS = [
  'TOKEN-SECRET-app1-8f2c1d9e7a6b5c4d3e2f1a0b',
  'SECRETKEY39charsQQQQQQQQQQQQQQQQQQQQQQQ',
  'SESSION-TOKEN-SECRET-5e6f7a8b',
  'TOKEN-SECRET-malformed-77aa',
];
const ENV = {
  AWS_DEFAULT_REGION: 'us-east-1',
  APP_ROLE_ARN: 'arn:aws:iam::123456789012:role/App',
  ...SECRETS,
};

function expectNoSecrets(output: string): void {
  for (const secret of [
    ...Object.values(SECRETS),
    ...Object.values(FILE_SECRETS),
    ...MANY_PROBLEM_SECRETS,
  ]) {
    expect(output).not.toContain(secret.trim());
  }
}

describe('credproxy --validate-only on the original documented examples', () => {
  const temp = useTempDir();

  /** Copies a fixture next to its secret files (mode 0600) in a temp dir. */
  function stage(name: string): string {
    const dir = temp.path();
    copyFileSync(join(VALID, name), join(dir, name));
    for (const [path, content] of Object.entries(FILE_SECRETS)) temp.write(path, content);
    return join(dir, name);
  }

  it.each([
    [
      'minimal.yaml',
      'OK: 1 service (my-app)',
      [`services.my-app.auth_token: is made of common words; ${WEAK}`],
    ],
    ['env-substitution.yaml', 'OK: 1 service (app)', []],
    ['file-injection.yaml', 'OK: 1 service (app)', []],
    ['iam-profile.yaml', 'OK: 1 service (reporting)', []],
    ['iam-keys.yaml', 'OK: 1 service (billing)', []],
    [
      'dynamic-multi-directory.yaml',
      'OK: 1 service (aws-cli); dynamic services from /credproxy/dynamic, /credproxy/teams',
      [],
    ],
  ])('accepts %s: exit 0, %s', (name, summary, warnings) => {
    const file = stage(name);

    const run = runCredproxy(['--config', file, '--validate-only'], ENV);

    expect(run.status).toBe(0);
    expect(run.stdout).toBe(`${summary}\n`);
    expect(run.stderr).toBe(warnings.map((warning) => `warning: ${file}: ${warning}\n`).join(''));
    expectNoSecrets(run.stdout + run.stderr);
  });

  it('prints a JSON result with --format json', () => {
    const file = stage('minimal.yaml');

    const run = runCredproxy(['--config', file, '--validate-only', '--format', 'json'], ENV);

    expect(run.status).toBe(0);
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({
      ok: true,
      services: ['my-app'],
      warnings: [
        {
          file,
          path: 'services.my-app.auth_token',
          message: `is made of common words; ${WEAK}`,
          code: 'WEAK_TOKEN',
        },
      ],
      errors: [],
    });
  });

  it('warns about a secret file readable by others, naming it and its mode', () => {
    const file = stage('file-injection.yaml');
    const secret = temp.write('secrets/app_token', FILE_SECRETS['secrets/app_token'], 0o644);

    const run = runCredproxy(['--config', file, '--validate-only'], ENV);

    expect(run.status).toBe(0);
    expect(run.stderr).toBe(
      `warning: ${file}: services.app.auth_token: secret file ${secret} is readable by group or others (mode 0644); restrict it, e.g. chmod 600 ${secret}\n`,
    );
  });
});

describe('credproxy --validate-only on invalid configs', () => {
  const many = `${INVALID}/many-problems.yaml`;
  const manyLines = [
    'services.app1.source_credentials.iam_keys.aws_secret_access_key: must be an AWS secret access key: 40 characters of letters, digits, + and /',
    'services.app1.assumed_role.SerialNumber: is not a known key: MFA is not supported: a one-time code in a config file cannot refresh a session',
    'services.app1.assumed_role.RoleArn: must be an IAM role ARN such as arn:aws:iam::123456789012:role/Name (any partition, optional path)',
    'services.app1.assumed_role.DurationSeconds: must be from 900 to 43200',
    'services.app3.auth_token: must not be empty (its ${...} reference produced an empty value)',
    'services.app2.source_credentials.region: is required: set a region here or in aws_defaults.region',
    'services.app2.auth_token: is also the auth_token of service app1: each service needs its own token',
  ];

  it('prints every problem, one per line, on stderr and exits 1', () => {
    const run = runCredproxy(['--config', many, '--validate-only'], { APP3_TOKEN: '' });

    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(manyLines.map((line) => `${many}: ${line}\n`).join(''));
    expectNoSecrets(run.stderr);
  });

  it('prints the problems as JSON with their codes', () => {
    const run = runCredproxy(['--config', many, '--validate-only', '--format', 'json'], {
      APP3_TOKEN: '',
    });

    expect(run.status).toBe(1);
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({
      ok: false,
      services: [],
      warnings: [],
      errors: manyLines.map((line) => {
        const [path, ...message] = line.split(': ');
        return { file: many, path, message: message.join(': '), code: 'CONFIG_INVALID' };
      }),
    });
    expectNoSecrets(run.stdout);
  });

  it('names a missing variable with the SUBSTITUTION_FAILED code, never a value', () => {
    const run = runCredproxy(['--config', many, '--validate-only', '--format', 'json']);

    const result = JSON.parse(run.stdout);
    expect(run.status).toBe(1);
    expect(result.errors).toContainEqual({
      file: many,
      path: 'services.app3.auth_token',
      message: 'environment variable APP3_TOKEN is not set',
      code: 'SUBSTITUTION_FAILED',
    });
  });

  it.each([
    [
      'empty.yaml',
      'the file is empty; expected a mapping of settings (services, aws_defaults, server, ...)',
    ],
    [
      'list.yaml',
      'the file holds a list; expected a mapping of settings (services, aws_defaults, server, ...)',
    ],
    ['malformed.yaml', 'invalid YAML at line 3, column 17: Missing closing "quote'],
  ])('explains %s', (name, message) => {
    const run = runCredproxy(['--config', `${INVALID}/${name}`, '--validate-only']);

    expect(run.status).toBe(1);
    expect(run.stderr).toBe(`${INVALID}/${name}: ${message}\n`);
    expectNoSecrets(run.stderr);
  });

  it.each([
    ['empty.yaml', 'CONFIG_EMPTY'],
    ['list.yaml', 'CONFIG_NOT_MAPPING'],
    ['malformed.yaml', 'CONFIG_PARSE'],
    ['nope.yaml', 'CONFIG_NOT_FOUND'],
  ])('gives %s the code %s in JSON', (name, code) => {
    const run = runCredproxy([
      '--config',
      `${INVALID}/${name}`,
      '--validate-only',
      '--format',
      'json',
    ]);

    expect(run.status).toBe(1);
    expect(JSON.parse(run.stdout).errors.map((error: { code: string }) => error.code)).toEqual([
      code,
    ]);
  });
});

describe('credproxy: where the config comes from', () => {
  const temp = useTempDir();

  function writeConfig(name: string, service: string): string {
    return temp.write(
      name,
      `aws_defaults: {region: us-east-1}\nservices:\n  ${service}: {auth_token: ${TOKEN}, assumed_role: {RoleArn: "arn:aws:iam::123456789012:role/A"}}\n`,
    );
  }

  it('uses CREDPROXY_CONFIG_FILE when --config is absent', () => {
    const fromEnv = writeConfig('env.yaml', 'from-env');

    const run = runCredproxy(['--validate-only'], { CREDPROXY_CONFIG_FILE: fromEnv });

    expect(run.stdout).toBe('OK: 1 service (from-env)\n');
  });

  it('lets --config beat CREDPROXY_CONFIG_FILE', () => {
    const fromEnv = writeConfig('env.yaml', 'from-env');
    const fromFlag = writeConfig('flag.yaml', 'from-flag');

    const run = runCredproxy(['--config', fromFlag, '--validate-only'], {
      CREDPROXY_CONFIG_FILE: fromEnv,
    });

    expect(run.stdout).toBe('OK: 1 service (from-flag)\n');
  });

  it('defaults to /credproxy/config.yaml', () => {
    const run = runCredproxy(['--validate-only']);

    expect(run.status).toBe(1);
    expect(run.stderr).toBe(
      '/credproxy/config.yaml: configuration file not found (set --config or CREDPROXY_CONFIG_FILE)\n',
    );
  });

  it('reports a directory given as the config file', () => {
    const dir = join(temp.path(), 'dir.yaml');
    mkdirSync(dir);

    const run = runCredproxy(['--config', dir, '--validate-only']);

    expect(run.status).toBe(1);
    expect(run.stderr).toBe(
      `${dir}: cannot read the configuration file: is a directory, not a file\n`,
    );
  });
});
