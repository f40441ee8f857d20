import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatConfigIssue } from '../../src/errors.js';
import { errorOf, parseText, TOKEN } from './configText.js';
import { useTempDir } from './tempDir.js';

const SECRET = 'Zq8-SUBSTITUTED-SECRET-4471-Zq8-abcdefgh';

/** A one-service config whose auth_token and region are the given raw YAML scalars. */
function configWith(
  token: string,
  region = 'us-east-1',
  roleArn = 'arn:aws:iam::123456789012:role/A',
): string {
  return [
    `aws_defaults: {region: "${region}"}`,
    'services:',
    '  app1:',
    `    auth_token: "${token}"`,
    `    assumed_role: {RoleArn: "${roleArn}"}`,
  ].join('\n');
}

describe('${fromEnv:...}', () => {
  it.each([
    ['a whole value', '${fromEnv:TOKEN}', { TOKEN: SECRET }, SECRET],
    [
      'inside a longer string',
      'pre-${fromEnv:A}-post-padding-padding-padding',
      { A: 'x1' },
      'pre-x1-post-padding-padding-padding',
    ],
    [
      'several in one string',
      '${fromEnv:A}${fromEnv:B}-${fromEnv:A}',
      { A: SECRET, B: 'b' },
      `${SECRET}b-${SECRET}`,
    ],
    [
      'the default when unset',
      '${fromEnv:MISSING:-default-token-abcdefghijklmnopqrstuvwxyz}',
      {},
      'default-token-abcdefghijklmnopqrstuvwxyz',
    ],
    [
      'the default when empty, as in the shell',
      '${fromEnv:EMPTY:-fallback-token-abcdefghijklmnopqrstu}',
      { EMPTY: '' },
      'fallback-token-abcdefghijklmnopqrstu',
    ],
    ['the variable over its default', '${fromEnv:TOKEN:-unused}', { TOKEN: SECRET }, SECRET],
    [
      'a reference nested in a value',
      '${fromEnv:OUTER}',
      { OUTER: 'x-${fromEnv:INNER}', INNER: SECRET },
      `x-${SECRET}`,
    ],
    [
      'unknown tags literally',
      '${fromVault:x}-and-more-text-to-be-long-enough',
      {},
      '${fromVault:x}-and-more-text-to-be-long-enough',
    ],
  ])('substitutes %s', (_case, raw, env, expected) => {
    const { config } = parseText(configWith(raw), { env });

    expect(config.services[0]?.authToken).toBe(expected);
  });

  it('substitutes in every string value, before validation', () => {
    const env = { REGION: 'eu-central-2', ARN: 'arn:aws-cn:iam::123456789012:role/A' };

    const { config } = parseText(configWith(TOKEN, '${fromEnv:REGION}', '${fromEnv:ARN}'), { env });

    expect(config.services[0]?.source?.region).toBe('eu-central-2');
    expect(config.services[0]?.role?.roleArn).toBe('arn:aws-cn:iam::123456789012:role/A');
  });

  it('names each missing variable, and reports other problems too', () => {
    const error = errorOf(configWith('${fromEnv:NO_TOKEN}-${fromEnv:NO_SUFFIX}', 'nowhere'), {
      env: {},
    });

    expect(error.code).toBe('SUBSTITUTION_FAILED');
    expect(error.issues.map(formatConfigIssue)).toEqual([
      '/etc/credproxy/config.yaml: services.app1.auth_token: environment variable NO_TOKEN is not set',
      '/etc/credproxy/config.yaml: services.app1.auth_token: environment variable NO_SUFFIX is not set',
      '/etc/credproxy/config.yaml: aws_defaults.region: must be an AWS region name such as us-east-1, eu-central-2, us-gov-west-1 or cn-north-1',
    ]);
  });

  it.each([
    ['a self-reference', { A: '${fromEnv:A}' }, 'substitution loop: ${fromEnv:A} -> ${fromEnv:A}'],
    [
      'a two-step loop',
      { A: 'a${fromEnv:B}', B: 'b${fromEnv:A}' },
      'substitution loop: ${fromEnv:A} -> ${fromEnv:B} -> ${fromEnv:A}',
    ],
  ])('stops %s, naming the chain and no value', (_case, env, message) => {
    const error = errorOf(configWith('${fromEnv:A}'), { env });

    expect(error.issues.map((issue) => issue.message)).toEqual([message]);
  });

  it('stops nesting deeper than 10 levels', () => {
    const env: Record<string, string> = {};
    for (let i = 0; i < 12; i++) env[`V${i}`] = `\${fromEnv:V${i + 1}}`;

    const error = errorOf(configWith('${fromEnv:V0}'), { env });

    expect(error.issues.map((issue) => issue.message)).toEqual([
      'references nest deeper than 10 levels at ${fromEnv:V10}',
    ]);
  });

  it('explains that a reference cannot feed an integer other than a port', () => {
    const text = `${configWith(TOKEN)}\ncredentials: {refresh_buffer_seconds: "\${fromEnv:LEAD}"}`;

    const error = errorOf(text, { env: { LEAD: '600' } });

    expect(error.issues.map(formatConfigIssue)).toEqual([
      '/etc/credproxy/config.yaml: credentials.refresh_buffer_seconds: must be an integer (a ${...} reference always yields text)',
    ]);
  });
});

describe('ports and hosts from the environment', () => {
  const portsConfig = (server: string, metrics: string): string =>
    `${configWith(TOKEN)}\nserver: ${server}\nmetrics: {prometheus: ${metrics}}`;
  const text = portsConfig(
    '{host: "${fromEnv:CREDPROXY_HOST:-127.0.0.1}", port: "${fromEnv:CREDPROXY_PORT:-1338}"}',
    '{enabled: true, host: "${fromEnv:METRICS_HOST:-127.0.0.1}", port: "${fromEnv:CREDPROXY_METRICS_PORT:-9090}"}',
  );

  it('takes the defaults as numbers and remembers which variable each port reads', () => {
    const { config } = parseText(text);

    expect(config.server).toMatchObject({ host: '127.0.0.1', port: 1338 });
    expect(config.server.portSource).toBe('CREDPROXY_PORT');
    expect(config.metrics).toMatchObject({ host: '127.0.0.1', port: 9090 });
    expect(config.metrics.portSource).toBe('CREDPROXY_METRICS_PORT');
  });

  it('takes set variables as numbers', () => {
    const env = {
      CREDPROXY_HOST: '127.0.0.2',
      CREDPROXY_PORT: '21338',
      METRICS_HOST: '::1',
      CREDPROXY_METRICS_PORT: '0',
    };

    const { config } = parseText(text, { env });

    expect(config.server).toMatchObject({ host: '127.0.0.2', port: 21338 });
    expect(config.metrics).toMatchObject({ host: '::1', port: 0 });
  });

  it('records no source for a literal port', () => {
    const { config } = parseText(portsConfig('{port: 1338}', '{port: 9090}'));

    expect(config.server.portSource).toBeUndefined();
    expect(config.metrics.portSource).toBeUndefined();
  });

  it.each([
    [
      'a word',
      'http',
      'must be a port number from 0 to 65535 (0 picks a free port); its ${...} reference must produce digits',
    ],
    [
      'a negative number',
      '-1',
      'must be a port number from 0 to 65535 (0 picks a free port); its ${...} reference must produce digits',
    ],
    [
      'a number with spaces',
      ' 80',
      'must be a port number from 0 to 65535 (0 picks a free port); its ${...} reference must produce digits',
    ],
    ['too large a port', '70000', 'must be a port number from 0 to 65535 (0 picks a free port)'],
  ])('rejects %s without quoting it', (_case, value, message) => {
    const error = errorOf(text, { env: { CREDPROXY_PORT: value } });

    expect(error.issues.map(formatConfigIssue)).toEqual([
      `/etc/credproxy/config.yaml: server.port: ${message}`,
    ]);
  });
});

describe('${fromFile:...}', () => {
  const temp = useTempDir();

  it.each([
    ['a trailing LF', `${SECRET}\n`, SECRET],
    ['a trailing CRLF', `${SECRET}\r\n`, SECRET],
    ['several trailing newlines', `${SECRET}\n\n\n`, SECRET],
    ['no newline', SECRET, SECRET],
  ])('reads a file with %s, stripping it', (_case, content, expected) => {
    const file = temp.write('token', content);

    const { config } = parseText(configWith(`\${fromFile:${file}}`));

    expect(config.services[0]?.authToken).toBe(expected);
  });

  it('resolves a relative path against the config file directory', () => {
    temp.write('secrets/token', SECRET);
    const configFile = join(temp.path(), 'config.yaml');

    const { config } = parseText(configWith('${fromFile:secrets/token}'), { file: configFile });

    expect(config.services[0]?.authToken).toBe(SECRET);
  });

  describe('with a ${fromEnv:...} in its path', () => {
    const reference = '${fromFile:${fromEnv:SECRETS_DIR:-/run/secrets}/token}';

    it.each([
      ['an absolute directory', (dir: string) => dir],
      ['a directory relative to the config file', () => 'secrets'],
    ])('reads the file under the variable when it names %s', (_case, value) => {
      temp.write('secrets/token', SECRET);
      const file = join(temp.path(), 'config.yaml');

      const { config } = parseText(configWith(reference), {
        file,
        env: { SECRETS_DIR: value(join(temp.path(), 'secrets')) },
      });

      expect(config.services[0]?.authToken).toBe(SECRET);
    });

    it('falls back to the default directory, naming the file it tried', () => {
      const error = errorOf(configWith(reference));

      expect(error.issues.map((issue) => issue.message)).toEqual([
        'file /run/secrets/token does not exist',
      ]);
    });

    it('reports an unset variable without a default once, and does not try a file', () => {
      const error = errorOf(configWith('${fromFile:${fromEnv:SECRETS_DIR}/token}'));

      expect(error.issues.map((issue) => issue.message)).toEqual([
        'environment variable SECRETS_DIR is not set',
      ]);
    });

    it('lets a fromEnv default name another variable', () => {
      const { config } = parseText(configWith('${fromEnv:A:-${fromEnv:B}}'), {
        env: { B: SECRET },
      });

      expect(config.services[0]?.authToken).toBe(SECRET);
    });
  });

  it.each([
    ['JSON', 'creds.json', JSON.stringify({ app1: { token: SECRET }, list: ['a', 'b'] })],
    ['YAML', 'creds.yaml', `app1:\n  token: |\n    ${SECRET}\nlist: [a, b]\n`],
  ])('reads one key out of a %s file', (_case, name, content) => {
    const file = temp.write(name, content);

    const { config } = parseText(configWith(`\${fromFile:${file}#app1.token}`));

    expect(config.services[0]?.authToken).toBe(SECRET);
  });

  it('reports a missing file, a missing key and a key that is not a value, naming each', () => {
    const creds = temp.write(
      'creds.json',
      JSON.stringify({ app1: { token: SECRET, nested: { a: 1 } } }),
    );
    const missing = join(temp.path(), 'nope');
    const text = [
      `aws_defaults: {region: "\${fromFile:${missing}}"}`,
      'services:',
      '  app1:',
      `    auth_token: "\${fromFile:${creds}#app1.other}"`,
      `    assumed_role: {RoleArn: "\${fromFile:${creds}#app1.nested}"}`,
    ].join('\n');

    const error = errorOf(text);

    expect(error.code).toBe('SUBSTITUTION_FAILED');
    expect(error.issues.map((issue) => `${issue.path}: ${issue.message}`)).toEqual([
      `aws_defaults.region: file ${missing} does not exist`,
      `services.app1.auth_token: key app1.other not found in file ${creds}`,
      `services.app1.assumed_role.RoleArn: key app1.nested in file ${creds} holds a mapping, not a single value`,
    ]);
    expect(error.message).not.toContain(SECRET);
  });

  it('reports a directory given as a file', () => {
    const error = errorOf(configWith(`\${fromFile:${temp.path()}}`));

    expect(error.issues.map((issue) => issue.message)).toEqual([
      `${temp.path()} is a directory, not a file`,
    ]);
  });

  it('warns, naming the file and its mode, when a secret file is readable by group or others', () => {
    const file = temp.write('token', SECRET, 0o644);

    const { warnings } = parseText(configWith(`\${fromFile:${file}}`));

    expect(warnings).toEqual([
      {
        file: '/etc/credproxy/config.yaml',
        path: 'services.app1.auth_token',
        message: `secret file ${file} is readable by group or others (mode 0644); restrict it, e.g. chmod 600 ${file}`,
        code: 'SECRET_FILE_SHARED',
      },
    ]);
  });

  it.each([0o600, 0o400])('does not warn about a secret file with mode %o', (mode) => {
    const file = temp.write('token', SECRET, mode);

    const { warnings } = parseText(configWith(`\${fromFile:${file}}`));

    expect(warnings).toEqual([]);
  });

  it('does not warn about a shared file that feeds no secret', () => {
    const file = temp.write('role', 'arn:aws:iam::123456789012:role/A\n', 0o644);

    const { warnings } = parseText(configWith(TOKEN, 'us-east-1', `\${fromFile:${file}}`));

    expect(warnings).toEqual([]);
  });

  it('follows a reference found inside a file and detects a loop through files', () => {
    const inner = temp.write('inner', SECRET);
    const outer = temp.write('outer', `\${fromFile:${inner}}`);
    const loop = temp.write('loop', 'x');
    temp.write('loop', `\${fromFile:${loop}}`);

    const { config } = parseText(configWith(`\${fromFile:${outer}}`));
    const error = errorOf(configWith(`\${fromFile:${loop}}`));

    expect(config.services[0]?.authToken).toBe(SECRET);
    expect(error.issues.map((issue) => issue.message)).toEqual([
      `substitution loop: \${fromFile:${loop}} -> \${fromFile:${loop}}`,
    ]);
  });
});

describe('the substitution budget of one value', () => {
  const temp = useTempDir();

  it('resolves 100 references in one value, nested ones included', () => {
    const env = { PART: 'ab', FIVE: '${fromEnv:PART}'.repeat(4) };
    // 20 FIVEs: 20 references, plus the 4 PARTs inside each: 100 in all.
    const raw = `prefix-${'${fromEnv:FIVE}'.repeat(20)}`;

    const { config } = parseText(configWith(raw), { env });

    expect(config.services[0]?.authToken).toBe(`prefix-${'ab'.repeat(80)}`);
  });

  it('rejects the 101st reference of a value once, naming the key and no value', () => {
    const env = { PART: SECRET, FIVE: '${fromEnv:PART}'.repeat(4) };
    const raw = `prefix-${'${fromEnv:FIVE}'.repeat(20)}\${fromEnv:PART}`;

    const error = errorOf(configWith(raw), { env });

    expect(error.code).toBe('SUBSTITUTION_FAILED');
    expect(error.issues.map(formatConfigIssue)).toEqual([
      '/etc/credproxy/config.yaml: services.app1.auth_token: more than 100 references in one value',
    ]);
    expect(error.message).not.toContain(SECRET);
  });

  it('gives each value its own budget', () => {
    const env = { PART: 'ab', FIVE: '${fromEnv:PART}'.repeat(4) };
    const fifty = '${fromEnv:FIVE}'.repeat(10);
    const text = `${configWith(`t-${fifty}`)}\nx-other: "${fifty}${fifty}"`;

    const { config } = parseText(text, { env });

    expect(config.services[0]?.authToken).toBe(`t-${'ab'.repeat(40)}`);
  });

  it('accepts 65,536 expanded characters in one value and rejects one more', () => {
    const half = temp.write('half', 'x'.repeat(32 * 1024));
    const exact = `\${fromFile:${half}}\${fromFile:${half}}`;

    const fits = parseText(`${configWith(TOKEN)}\nx-big: "${exact}"`);
    const error = errorOf(`${configWith(TOKEN)}\nx-big: "${exact}!"`);

    expect(fits.config.services).toHaveLength(1);
    expect(error.issues.map(formatConfigIssue)).toEqual([
      '/etc/credproxy/config.yaml: x-big: references expand past 65536 characters',
    ]);
  });

  it('stops a fan-out of references through files quickly, with one message', () => {
    // Ten references per file, ten files deep: 10^10 references if nothing stopped it.
    for (let i = 0; i < 10; i++) {
      const next = join(temp.path(), `fan${i + 1}`);
      temp.write(`fan${i}`, i === 9 ? SECRET : `\${fromFile:${next}}`.repeat(10));
    }
    const started = performance.now();

    const error = errorOf(configWith(`\${fromFile:${join(temp.path(), 'fan0')}}`));

    // Unbounded, this fan-out would take tens of seconds; the budget stops it at once.
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(error.issues.map((issue) => issue.message)).toEqual([
      'more than 100 references in one value',
    ]);
  });

  it('stops a wide file quickly, by size, with one message', () => {
    const wide = temp.write('wide', 'w'.repeat(40_000));
    const doubling = temp.write('doubling', `\${fromFile:${wide}}\${fromFile:${wide}}`);

    const error = errorOf(configWith(`\${fromFile:${doubling}}`));

    expect(error.issues.map((issue) => issue.message)).toEqual([
      'references expand past 65536 characters',
    ]);
  });
});
