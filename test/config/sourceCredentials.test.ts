import { describe, expect, it } from 'vitest';
import { FILE, linesOf, parse, TOKEN, validConfig } from './configText.js';

const KEYS = {
  aws_access_key_id: 'AKIAIOSFODNN7EXAMPLE',
  aws_secret_access_key: 'wJalrXUtnFEMIxK7MDENGxbPxRfiCYEXAMPLEKEY',
};

describe('regions', () => {
  it.each([
    'us-east-1',
    'eu-central-2',
    'ap-southeast-5',
    'il-central-1',
    'mx-central-1',
    'us-gov-west-1',
    'us-gov-east-1',
    'cn-north-1',
    'cn-northwest-1',
    'us-iso-east-1',
    'us-isob-east-1',
    'eu-isoe-west-1',
    'us-isof-south-1',
    'eusc-de-east-1',
  ])('accepts %s', (region) => {
    const loaded = parse(validConfig({ root: { aws_defaults: { region } } }));

    expect(loaded.config.services[0]?.source?.region).toBe(region);
  });

  it.each(['us-east1', 'US-EAST-1', 'useast-1', 'us-east-', 'us_east_1', ''])(
    'rejects %j',
    (region) => {
      const lines = linesOf(validConfig({ root: { aws_defaults: { region } } }));

      expect(lines).toEqual([
        `${FILE}: aws_defaults.region: must be an AWS region name such as us-east-1, eu-central-2, us-gov-west-1 or cn-north-1`,
      ]);
    },
  );

  it('is required for every service once defaults apply', () => {
    const document = validConfig({ root: { aws_defaults: {} } });

    expect(linesOf(document)).toEqual([
      `${FILE}: services.app1.source_credentials.region: is required: set a region here or in aws_defaults.region`,
    ]);
  });

  it("prefers the service's own region over the default", () => {
    const loaded = parse(
      validConfig({ service: { source_credentials: { region: 'cn-north-1' } } }),
    );

    expect(loaded.config.services[0]?.source).toEqual({ kind: 'default', region: 'cn-north-1' });
  });
});

describe('source credentials against aws_defaults', () => {
  it("keeps a service's own iam_keys when the defaults name a profile (the original's merge bug)", () => {
    const document = validConfig({
      root: { aws_defaults: { region: 'us-east-1', iam_profile: { profile_name: 'shared' } } },
      service: { source_credentials: { iam_keys: KEYS } },
    });

    const loaded = parse(document);

    expect(loaded.config.services[0]?.source).toEqual({
      kind: 'keys',
      region: 'us-east-1',
      accessKeyId: KEYS.aws_access_key_id,
      secretAccessKey: KEYS.aws_secret_access_key,
    });
  });

  it("keeps a service's own profile when the defaults hold keys", () => {
    const document = validConfig({
      root: { aws_defaults: { region: 'us-east-1', iam_keys: KEYS } },
      service: { source_credentials: { iam_profile: { profile_name: 'mine' } } },
    });

    const loaded = parse(document);

    expect(loaded.config.services[0]?.source).toEqual({
      kind: 'profile',
      region: 'us-east-1',
      profileName: 'mine',
    });
  });

  it('uses the default keys, with their session token, for a service without its own', () => {
    const document = validConfig({
      root: {
        aws_defaults: {
          region: 'us-east-1',
          iam_keys: { ...KEYS, session_token: 'FQoGZXIvYXdzEXAMPLE' },
        },
      },
    });

    const loaded = parse(document);

    expect(loaded.config.services[0]?.source).toEqual({
      kind: 'keys',
      region: 'us-east-1',
      accessKeyId: KEYS.aws_access_key_id,
      secretAccessKey: KEYS.aws_secret_access_key,
      sessionToken: 'FQoGZXIvYXdzEXAMPLE',
    });
  });

  it('honours iam_profile.config_file, resolving a relative path against the config file', () => {
    const document = validConfig({
      service: {
        source_credentials: { iam_profile: { profile_name: 'dev', config_file: 'aws/config' } },
      },
    });

    const loaded = parse(document);

    expect(loaded.config.services[0]?.source).toEqual({
      kind: 'profile',
      region: 'us-east-1',
      profileName: 'dev',
      configFile: '/etc/credproxy/aws/config',
    });
  });

  it('resolves a default config_file against the main config, and ~ against HOME', () => {
    const document = validConfig({
      root: {
        aws_defaults: {
          region: 'us-east-1',
          iam_profile: { profile_name: 'dev', config_file: '~/.aws/config' },
        },
      },
    });

    const loaded = parse(document, { env: { HOME: '/home/alice' } });

    expect(loaded.config.services[0]?.source).toMatchObject({
      configFile: '/home/alice/.aws/config',
    });
    expect(loaded.config.awsDefaults.raw).toMatchObject({
      iam_profile: { config_file: '/home/alice/.aws/config' },
    });
  });

  it.each([
    [
      'services.app1.source_credentials',
      { service: { source_credentials: { iam_keys: KEYS, iam_profile: { profile_name: 'p' } } } },
    ],
    [
      'aws_defaults',
      {
        root: {
          aws_defaults: { region: 'us-east-1', iam_keys: KEYS, iam_profile: { profile_name: 'p' } },
        },
      },
    ],
  ])('rejects iam_keys and iam_profile together in %s', (path, patch) => {
    const lines = linesOf(validConfig(patch));

    expect(lines).toEqual([
      `${FILE}: ${path}: sets both iam_keys and iam_profile: keep one of them`,
    ]);
  });

  it('uses the SDK default chain when neither the service nor the defaults name a source', () => {
    const loaded = parse(validConfig({}));

    expect(loaded.config.services[0]?.source).toEqual({ kind: 'default', region: 'us-east-1' });
  });
});

describe('iam_keys shapes', () => {
  it.each([
    [
      'aws_access_key_id',
      'AKIA123',
      'must be an AWS access key ID: 16 to 128 uppercase letters and digits',
    ],
    [
      'aws_secret_access_key',
      'x'.repeat(39),
      'must be an AWS secret access key: 40 characters of letters, digits, + and /',
    ],
    [
      'aws_secret_access_key',
      `${'x'.repeat(39)}!`,
      'must be an AWS secret access key: 40 characters of letters, digits, + and /',
    ],
  ])('rejects a malformed %s without printing it', (key, value, message) => {
    const document = validConfig({
      service: { source_credentials: { iam_keys: { ...KEYS, [key]: value } } },
    });

    const lines = linesOf(document);

    expect(lines).toEqual([
      `${FILE}: services.app1.source_credentials.iam_keys.${key}: ${message}`,
    ]);
    expect(lines.join('\n')).not.toContain(value);
  });
});

describe('auth tokens', () => {
  it('rejects two services with the same token, naming both and not the token', () => {
    const document = validConfig({
      root: {
        services: {
          app1: {
            auth_token: TOKEN,
            assumed_role: { RoleArn: 'arn:aws:iam::123456789012:role/A' },
          },
          app2: {
            auth_token: TOKEN,
            assumed_role: { RoleArn: 'arn:aws:iam::123456789012:role/B' },
          },
        },
      },
    });

    const lines = linesOf(document);

    expect(lines).toEqual([
      `${FILE}: services.app2.auth_token: is also the auth_token of service app1: each service needs its own token`,
    ]);
  });

  it.each([
    [
      'a short token',
      'short-random-Zx81',
      'is shorter than 32 characters; use a long random string (e.g. openssl rand -hex 32)',
    ],
    [
      'one repeated character',
      'a'.repeat(40),
      'is a single repeated character; use a long random string (e.g. openssl rand -hex 32)',
    ],
    [
      'common words',
      'my-super-secret-token-for-the-app-2025',
      'is made of common words; use a long random string (e.g. openssl rand -hex 32)',
    ],
    [
      'password123',
      'password123',
      'is made of common words; use a long random string (e.g. openssl rand -hex 32)',
    ],
  ])('warns about %s, but loads', (_case, token, message) => {
    const loaded = parse(validConfig({ service: { auth_token: token } }));

    expect(loaded.warnings).toEqual([
      { file: FILE, path: 'services.app1.auth_token', message, code: 'WEAK_TOKEN' },
    ]);
  });

  it('does not warn about a long random token', () => {
    const loaded = parse(validConfig({}));

    expect(loaded.warnings).toEqual([]);
  });

  it.each([
    ['leading space', ` ${TOKEN}`],
    ['trailing space', `${TOKEN} `],
    ['a newline inside', `${TOKEN}\nmore`],
    ['non-ASCII', `${TOKEN}é`],
  ])('rejects a token with %s, which no HTTP client could send', (_case, token) => {
    const lines = linesOf(validConfig({ service: { auth_token: token } }));

    expect(lines).toEqual([
      `${FILE}: services.app1.auth_token: must be printable ASCII without leading or trailing spaces (HTTP drops surrounding spaces from the Authorization header, so no client could send it)`,
    ]);
  });
});
