import { describe, expect, it } from 'vitest';
import { parseServiceFile } from '../../src/config/parseServiceFile.js';
import type { AwsDefaults } from '../../src/config/types.js';
import { ConfigError, formatConfigIssue } from '../../src/errors.js';
import { TOKEN } from './configText.js';

const DEFAULTS: AwsDefaults = {
  region: 'us-east-1',
  raw: { region: 'us-east-1', iam_profile: { profile_name: 'shared' } },
};
const OTHER_TOKEN = 'Lm3Nx7Pq1Rs5Tv9Wx2Yz6Ab0Cd4Ef8Gh3Ij7Kl';

function parseFile(file: string, text: string, env: Record<string, string> = {}) {
  const policy = { secretDirectories: [], allowedEnv: Object.keys(env) };
  return parseServiceFile(text, { file, env, awsDefaults: DEFAULTS, policy });
}

function linesOf(file: string, text: string): string[] {
  try {
    parseFile(file, text);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map(formatConfigIssue);
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('parseServiceFile', () => {
  it('reads every service of a services: map, with the main config defaults', () => {
    const text = [
      'services:',
      '  web:',
      `    auth_token: ${TOKEN}`,
      '    assumed_role: {RoleArn: "arn:aws:iam::123456789012:role/Web"}',
      '  worker:',
      `    auth_token: ${OTHER_TOKEN}`,
      '    source_credentials: {region: eu-central-2}',
      '    assumed_role: {RoleArn: "arn:aws:iam::123456789012:role/Worker", DurationSeconds: 900}',
    ].join('\n');

    const { services, warnings } = parseFile('/dyn/team.yaml', text);

    expect(warnings).toEqual([]);
    expect(services).toEqual([
      {
        name: 'web',
        authToken: TOKEN,
        source: { kind: 'profile', region: 'us-east-1', profileName: 'shared' },
        role: {
          roleArn: 'arn:aws:iam::123456789012:role/Web',
          roleSessionName: 'credproxy',
          durationSeconds: 3600,
        },
        routes: [],
        routeValues: {},
        origin: { kind: 'dynamic', file: '/dyn/team.yaml' },
      },
      {
        name: 'worker',
        authToken: OTHER_TOKEN,
        source: { kind: 'profile', region: 'eu-central-2', profileName: 'shared' },
        role: {
          roleArn: 'arn:aws:iam::123456789012:role/Worker',
          roleSessionName: 'credproxy',
          durationSeconds: 900,
        },
        routes: [],
        routeValues: {},
        origin: { kind: 'dynamic', file: '/dyn/team.yaml' },
      },
    ]);
  });

  it.each([
    ['/dyn/app1.yaml', 'app1'],
    ['/dyn/my_app-2.yml', 'my_app-2'],
    ['/dyn/svc.json', 'svc'],
  ])('names a flat single-service file %s after the file: %s', (file, name) => {
    const text = JSON.stringify({
      auth_token: '${fromEnv:T}',
      source_credentials: {
        iam_keys: {
          aws_access_key_id: 'AKIAIOSFODNN7EXAMPLE',
          aws_secret_access_key: 'x'.repeat(40),
        },
      },
      assumed_role: { RoleArn: 'arn:aws:iam::123456789012:role/A' },
    });

    const { services } = parseFile(file, text, { T: TOKEN });

    expect(
      services.map((service) => [service.name, service.authToken, service.source?.kind]),
    ).toEqual([[name, TOKEN, 'keys']]);
  });

  it('reports key paths as written in a flat file', () => {
    const text = `auth_token: ${TOKEN}\nassumed_role: {RoleArn: nope, Extra: 1}\n`;

    const lines = linesOf('/dyn/app1.yaml', text);

    expect(lines).toEqual([
      '/dyn/app1.yaml: assumed_role.Extra: is not a known key (expected one of: RoleArn, RoleSessionName, DurationSeconds, ExternalId, Policy, PolicyArns, Tags, TransitiveTagKeys, SourceIdentity, chain, web_identity_token_file)',
      '/dyn/app1.yaml: assumed_role.RoleArn: must be an IAM role ARN such as arn:aws:iam::123456789012:role/Name (any partition, optional path)',
    ]);
  });

  it('reports key paths under services in a map file, and duplicate tokens in it', () => {
    const text = [
      'services:',
      `  a: {auth_token: ${TOKEN}, assumed_role: {RoleArn: "arn:aws:iam::123456789012:role/A"}}`,
      `  b: {auth_token: ${TOKEN}, assumed_role: {RoleArn: "arn:aws:iam::123456789012:role/B"}}`,
      `  c: {auth_token: ${OTHER_TOKEN}, assumed_role: {RoleArn: "arn:aws:iam::123456789012:role/C", DurationSeconds: 1}}`,
      `  "bad name": {auth_token: x, assumed_role: {RoleArn: "arn:aws:iam::123456789012:role/D"}}`,
      'aws_defaults: {region: us-west-2}',
    ].join('\n');

    const lines = linesOf('/dyn/team.yaml', text);

    expect(lines).toEqual([
      '/dyn/team.yaml: aws_defaults: is not allowed next to services in a dynamic service file (aws_defaults and the rest come from the main config)',
      '/dyn/team.yaml: services.bad name: is not a valid service name: use letters, digits, _ and -',
      '/dyn/team.yaml: services.c.assumed_role.DurationSeconds: must be from 900 to 43200',
      '/dyn/team.yaml: services.b.auth_token: is also the auth_token of service a: each service needs its own token',
    ]);
  });

  it('requires a region when neither the file nor aws_defaults gives one', () => {
    const text = `auth_token: ${TOKEN}\nassumed_role: {RoleArn: "arn:aws:iam::123456789012:role/A"}\n`;

    const run = () =>
      parseServiceFile(text, { file: '/dyn/app1.yaml', env: {}, awsDefaults: { raw: {} } });

    expect(run).toThrow(
      '/dyn/app1.yaml: source_credentials.region: is required: set a region here or in aws_defaults.region',
    );
  });

  it('rejects a flat file whose name is not a service name', () => {
    const text = `auth_token: ${TOKEN}\nassumed_role: {RoleArn: "arn:aws:iam::123456789012:role/A"}\n`;

    expect(() => parseFile('/dyn/my app.yaml', text)).toThrow(
      '/dyn/my app.yaml: the file name must be a valid service name (letters, digits, _ and -) followed by .yaml, .yml or .json',
    );
  });

  it.each([
    ['', 'CONFIG_EMPTY'],
    ['- a\n', 'CONFIG_NOT_MAPPING'],
    ['a: [\n', 'CONFIG_PARSE'],
  ])('rejects the file %j with %s', (text, code) => {
    expect(() => parseFile('/dyn/app1.yaml', text)).toThrow(expect.objectContaining({ code }));
  });

  it('warns about a weak token', () => {
    const text =
      'auth_token: changeme\nassumed_role: {RoleArn: "arn:aws:iam::123456789012:role/A"}\n';

    const { warnings } = parseFile('/dyn/app1.yaml', text);

    expect(warnings).toEqual([
      {
        file: '/dyn/app1.yaml',
        path: 'auth_token',
        message: 'is made of common words; use a long random string (e.g. openssl rand -hex 32)',
        code: 'WEAK_TOKEN',
      },
    ]);
  });
});

describe('parseServiceFile: substitution policy', () => {
  const text = [
    'auth_token: ${fromEnv:APP_TOKEN}',
    'assumed_role: {RoleArn: "arn:aws:iam::123456789012:role/A"}',
  ].join('\n');
  const env = { APP_TOKEN: TOKEN };

  it('reads no variable and no file when given no policy', () => {
    const attempt = () =>
      parseServiceFile(text, { file: '/dyn/app.yaml', env, awsDefaults: DEFAULTS });

    expect(attempt).toThrow(
      '/dyn/app.yaml: auth_token: ${fromEnv:APP_TOKEN} is not allowed in a dynamic service file: list the variable in dynamic_services.allowed_env',
    );
  });

  it('reads a variable its policy lists', () => {
    const policy = { secretDirectories: [], allowedEnv: ['APP_TOKEN'] };

    const { services } = parseServiceFile(text, {
      file: '/dyn/app.yaml',
      env,
      awsDefaults: DEFAULTS,
      policy,
    });

    expect(services[0]?.authToken).toBe(TOKEN);
  });
});
