import { describe, expect, it } from 'vitest';
import { issueCode } from '../../src/config/issues.js';
import { errorOf, FILE, linesOf, parse, parseText, TOKEN, validConfig } from './configText.js';

describe('parseConfig: the whole file', () => {
  it.each([
    [
      'an empty file',
      '',
      'CONFIG_EMPTY',
      'the file is empty; expected a mapping of settings (services, aws_defaults, server, ...)',
    ],
    [
      'only comments',
      '# nothing here\n\n',
      'CONFIG_EMPTY',
      'the file is empty; expected a mapping of settings (services, aws_defaults, server, ...)',
    ],
    [
      'a list',
      '- a\n- b\n',
      'CONFIG_NOT_MAPPING',
      'the file holds a list; expected a mapping of settings (services, aws_defaults, server, ...)',
    ],
    [
      'a scalar',
      'just text\n',
      'CONFIG_NOT_MAPPING',
      'the file holds a single value; expected a mapping of settings (services, aws_defaults, server, ...)',
    ],
    [
      'an unclosed list',
      'services:\n  a: [1,\n  b: 2\n',
      'CONFIG_PARSE',
      'invalid YAML at line 4, column 1: a [ or { is never closed',
    ],
    [
      'a bad indent',
      'services:\n  a: 1\n b: 2\n',
      'CONFIG_PARSE',
      'invalid YAML at line 3, column 2: bad indentation of a mapping entry',
    ],
    [
      'a duplicate key',
      'services:\n  app1: {}\n  app1: {}\n',
      'CONFIG_PARSE',
      'invalid YAML at line 3, column 3: duplicate key in a mapping',
    ],
  ])('reports %s with its own code and message', (_case, text, code, message) => {
    const error = errorOf(text);

    expect(error.code).toBe(code);
    expect(error.message).toBe(`${FILE}: ${message}`);
  });

  it.each([
    ['an unclosed quote', 'services:\n  app1:\n    auth_token: "SECRET-VALUE-7781\n  x: [\n'],
    ['a bad escape', 'services:\n  app1: {auth_token: "SECRET\\qVALUE-7781"}\n'],
    ['a block scalar header', 'services:\n  app1:\n    auth_token: |SECRET-VALUE-7781\n      x\n'],
    ['a reserved first character', 'services:\n  app1: {auth_token: @SECRET-VALUE-7781}\n'],
  ])('never echoes document text for %s', (_case, text) => {
    const error = errorOf(text);

    expect(error.code).toBe('CONFIG_PARSE');
    expect(error.message).not.toMatch(/SECRET|VALUE|7781/);
  });

  it('reads YAML 1.1 as the original did: yes/on are true, merge keys work', () => {
    const text = [
      'x-role: &role {RoleArn: "arn:aws:iam::123456789012:role/A", DurationSeconds: 1800}',
      'server: {debug: yes, log_health_checks: on}',
      'aws_defaults: {region: us-east-1}',
      'services:',
      '  app1:',
      '    auth_token: k7Qw9Zr2Lp5Xv8Nc3Bt6Hy1Jm4Df0GsT5uW2eR8',
      '    assumed_role: {<<: *role, RoleSessionName: app1}',
    ].join('\n');

    const { config } = parseText(text);

    expect(config.server).toMatchObject({ debug: true, logHealthChecks: true });
    expect(config.services[0]?.role).toMatchObject({
      durationSeconds: 1800,
      roleSessionName: 'app1',
    });
  });
});

describe('parseConfig: defaults', () => {
  it('fills every default from the schema', () => {
    const { config } = parse(validConfig({}));

    expect(config.server).toEqual({
      host: '127.0.0.1',
      port: 1338,
      debug: false,
      logHealthChecks: false,
    });
    expect(config.credentials).toEqual({
      refreshBufferSeconds: 1200,
      retryDelaySeconds: 60,
      requestTimeoutSeconds: 30,
    });
    expect(config.metrics).toEqual({ enabled: true, host: '127.0.0.1', port: 9090 });
    expect(config.dynamicServices).toEqual({
      enabled: false,
      directories: [{ path: '/credproxy/dynamic', includePatterns: [], excludePatterns: [] }],
      reloadIntervalSeconds: 5,
      secretDirectories: [],
      allowedEnv: [],
      maxFileBytes: 1_048_576,
      tokenDirectories: [],
    });
    expect(config.imds).toEqual([]);
    expect(config.services[0]?.origin).toEqual({ kind: 'static', file: FILE });
  });

  it('returns a deeply frozen config', () => {
    const { config } = parse(validConfig({}));

    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.services[0]?.role)).toBe(true);
    expect(Object.isFrozen(config.dynamicServices.directories[0])).toBe(true);
  });

  it.each([
    ['true', true],
    ['1', true],
    ['YES', true],
    ['on', true],
    ['false', false],
    ['', false],
    ['nope', false],
  ])('ORs CREDPROXY_LOG_HEALTH_CHECKS=%j into server.logHealthChecks: %s', (value, expected) => {
    const { config } = parse(validConfig({}), { env: { CREDPROXY_LOG_HEALTH_CHECKS: value } });

    expect(config.server.logHealthChecks).toBe(expected);
  });

  it('resolves dynamic and secret directories against the config file and keeps their patterns', () => {
    const document = validConfig({
      root: {
        dynamic_services: {
          enabled: true,
          directories: [
            { path: 'dynamic', include_patterns: ['.*\\.ya?ml$'] },
            { path: '/srv/more', exclude_patterns: ['^\\.', '~$'] },
          ],
          reload_interval: 2,
          max_file_bytes: 4096,
          secret_directories: ['secrets', '/run/secrets'],
          allowed_env: ['APP_REGION'],
        },
      },
    });

    const { config } = parse(document);

    expect(config.dynamicServices).toEqual({
      enabled: true,
      directories: [
        { path: '/etc/credproxy/dynamic', includePatterns: ['.*\\.ya?ml$'], excludePatterns: [] },
        { path: '/srv/more', includePatterns: [], excludePatterns: ['^\\.', '~$'] },
      ],
      reloadIntervalSeconds: 2,
      secretDirectories: ['/etc/credproxy/secrets', '/run/secrets'],
      allowedEnv: ['APP_REGION'],
      maxFileBytes: 4096,
      tokenDirectories: [],
    });
  });
});

describe('parseConfig: ranges and shapes', () => {
  it.each([
    [{ server: { port: 0 } }, true],
    [{ server: { port: 65535 } }, true],
    [{ server: { port: 65536 } }, false],
    [{ server: { port: -1 } }, false],
    [{ server: { host: '0.0.0.0' } }, true],
    [{ server: { host: '::1' } }, true],
    [{ server: { host: 'credproxy.internal' } }, true],
    [{ server: { host: 'not a host!!' } }, false],
    [{ credentials: { refresh_buffer_seconds: 0 } }, true],
    [{ credentials: { refresh_buffer_seconds: 3600 } }, true],
    [{ credentials: { refresh_buffer_seconds: 21601 } }, false],
    [{ credentials: { retry_delay: 0 } }, false],
    [{ credentials: { request_timeout: 301 } }, false],
    [{ dynamic_services: { enabled: true, reload_interval: 60 } }, true],
    [{ dynamic_services: { enabled: true, reload_interval: 61 } }, false],
    [{ dynamic_services: { enabled: true, directories: [] } }, false],
    [{ dynamic_services: { max_file_bytes: 1 } }, true],
    [{ dynamic_services: { max_file_bytes: 67_108_864 } }, true],
    [{ dynamic_services: { max_file_bytes: 0 } }, false],
    [{ dynamic_services: { max_file_bytes: 67_108_865 } }, false],
    [{ dynamic_services: { max_file_bytes: 1.5 } }, false],
    [{ dynamic_services: { max_file_bytes: '1MiB' } }, false],
    [{ dynamic_services: { secret_directories: ['/run/secrets'] } }, true],
    [{ dynamic_services: { secret_directories: [''] } }, false],
    [{ dynamic_services: { allowed_env: ['APP_REGION', '_x1'] } }, true],
    [{ dynamic_services: { allowed_env: ['NOT-A-NAME'] } }, false],
    [{ metrics: { prometheus: { port: 0 } } }, true],
    [{ metrics: { prometheus: { enabled: false, port: 1338 } } }, true],
  ])('%j is valid: %s', (root, valid) => {
    const document = validConfig({ root });

    const outcome = valid ? parse(document).config : linesOf(document);

    expect(Array.isArray(outcome)).toBe(!valid);
  });

  it.each([
    [
      { server: { port: 70000 } },
      'server.port: must be a port number from 0 to 65535 (0 picks a free port)',
    ],
    [
      { server: { host: 'not a host!!' } },
      'server.host: must be a host name or an IP address such as 127.0.0.1',
    ],
    [{ server: { port: '1338' } }, 'server.port: must be an integer'],
    [{ server: { debug: 'yes please' } }, 'server.debug: must be true or false'],
    [
      { credentials: { refresh_buffer_seconds: 99999 } },
      'credentials.refresh_buffer_seconds: must be from 0 to 21600',
    ],
    [
      { metrics: { prometheus: { port: 1338 } } },
      'metrics.prometheus.port: must differ from server.port (both are 1338); use another port or 0 for a free one',
    ],
    [
      { dynamic_services: { enabled: true, directory: '/x' } },
      'dynamic_services.directory: is not a known key: use directories: [{path: ...}]',
    ],
    [
      {
        dynamic_services: {
          enabled: true,
          directories: [{ path: '/d', include_patterns: ['(?P<name>x)'] }],
        },
      },
      'dynamic_services.directories[0].include_patterns[0]: is not a valid JavaScript regular expression (Python-only syntax such as (?P<name>...) is not supported)',
    ],
    [
      { surprise: 1 },
      'surprise: is not a known key (expected one of: server, credentials, aws_defaults, identity, services, dynamic_services, metrics, imds, proxy, forward_proxy, x-*)',
    ],
    [{ metric: {} }, 'metric: is not a known key: did you mean metrics?'],
    [{ server: { prot: 1338 } }, 'server.prot: is not a known key: did you mean port?'],
  ])('reports %j as one exact line', (root, line) => {
    const lines = linesOf(validConfig({ root }));

    expect(lines).toEqual([`${FILE}: ${line}`]);
  });

  it('asks "did you mean assumed_role" for asumed_role', () => {
    const document = validConfig({});
    const services = document.services as Record<string, Record<string, unknown>>;
    const { assumed_role, ...rest } = services.app1 ?? {};

    const lines = linesOf({
      ...document,
      services: { app1: { ...rest, asumed_role: assumed_role } },
    });

    expect(lines).toContain(
      `${FILE}: services.app1.asumed_role: is not a known key: did you mean assumed_role?`,
    );
  });

  it('requires a service unless dynamic services are enabled', () => {
    const none = linesOf({ aws_defaults: { region: 'us-east-1' } });
    const empty = linesOf({ services: {}, dynamic_services: { enabled: false } });
    const dynamicOnly = parse({ dynamic_services: { enabled: true } });

    const message = `${FILE}: no services: define at least one under services, or set dynamic_services.enabled: true`;
    expect(none).toEqual([message]);
    expect(empty).toEqual([message]);
    expect(dynamicOnly.config.services).toEqual([]);
  });

  it('rejects a service name the original rejected', () => {
    const lines = linesOf(
      validConfig({
        root: {
          services: {
            'bad name': {
              auth_token: TOKEN,
              assumed_role: { RoleArn: 'arn:aws:iam::123456789012:role/A' },
            },
          },
        },
      }),
    );

    expect(lines).toEqual([
      `${FILE}: services.bad name: is not a valid service name: use letters, digits, _ and -`,
    ]);
  });

  it('reports every problem at once, one line each', () => {
    const document = {
      server: { port: 'x' },
      aws_defaults: { region: 'us-east-1' },
      services: {
        app1: { auth_token: TOKEN, assumed_role: { RoleArn: 'nope', DurationSeconds: 60 } },
        app2: { assumed_role: { RoleArn: 'arn:aws:iam::123456789012:role/A', Extra: 1 } },
      },
    };

    const lines = linesOf(document);

    expect(lines).toEqual([
      `${FILE}: server.port: must be an integer`,
      `${FILE}: services.app1.assumed_role.RoleArn: must be an IAM role ARN such as arn:aws:iam::123456789012:role/Name (any partition, optional path)`,
      `${FILE}: services.app1.assumed_role.DurationSeconds: must be from 900 to 43200`,
      `${FILE}: services.app2.assumed_role.Extra: is not a known key (expected one of: RoleArn, RoleSessionName, DurationSeconds, ExternalId, Policy, PolicyArns, Tags, TransitiveTagKeys, SourceIdentity, chain, web_identity_token_file)`,
      `${FILE}: services.app2: needs auth_token, token_file or jwt (a service needs at least one way in)`,
    ]);
  });

  it('gives schema and rule issues the CONFIG_INVALID code', () => {
    const error = errorOf(JSON.stringify(validConfig({ role: { DurationSeconds: 1 } })));

    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.issues.map((issue) => issueCode(issue, 'INTERNAL'))).toEqual(['CONFIG_INVALID']);
  });
});
