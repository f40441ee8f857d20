import { describe, expect, it } from 'vitest';
import { parseServiceFile } from '../../src/config/parseServiceFile.js';
import { ConfigError, formatConfigIssue } from '../../src/errors.js';
import { FILE, linesOf, parse, ROLE_ARN, TOKEN, validConfig } from './configText.js';

const ROLE = { RoleArn: ROLE_ARN };

/** A config whose one service authenticates with `service`'s keys only (no auth_token). */
function fileOnly(tokenFile: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    aws_defaults: { region: 'us-east-1' },
    services: { app1: { token_file: tokenFile, assumed_role: ROLE } },
    ...extra,
  };
}

describe('token_file in the main config', () => {
  it('makes auth_token optional and fills the defaults: rotate 3600 s, grace 300 s, mode 0600', () => {
    const { config, warnings } = parse(fileOnly({ path: '/run/credproxy/tokens/app1' }));

    expect(config.services[0]?.authToken).toBeUndefined();
    expect(config.services[0]?.tokenFile).toEqual({
      path: '/run/credproxy/tokens/app1',
      rotateSeconds: 3600,
      graceSeconds: 300,
      mode: 0o600,
    });
    expect(warnings).toEqual([]);
  });

  it('accepts the short values tests use (rotate 5 s, grace 1 s) and an explicit 0640', () => {
    const { config } = parse(
      fileOnly({ path: '/t/app1', rotate_seconds: 5, grace_seconds: 1, mode: '0640' }),
    );

    expect(config.services[0]?.tokenFile).toEqual({
      path: '/t/app1',
      rotateSeconds: 5,
      graceSeconds: 1,
      mode: 0o640,
    });
  });

  it('resolves a relative path against the config file directory', () => {
    const { config } = parse(fileOnly({ path: 'tokens/app1' }));

    expect(config.services[0]?.tokenFile?.path).toBe('/etc/credproxy/tokens/app1');
  });

  it('accepts auth_token and token_file together, with a warning that the static one never rotates', () => {
    const { config, warnings } = parse(validConfig({ service: { token_file: { path: '/t/a' } } }));

    expect(config.services[0]?.authToken).toBe(TOKEN);
    expect(config.services[0]?.tokenFile?.path).toBe('/t/a');
    expect(warnings).toEqual([
      {
        file: FILE,
        path: 'services.app1.auth_token',
        message:
          'is set next to token_file: both are accepted, but this one never rotates; remove it once every client reads the token file',
        code: 'STATIC_TOKEN_BESIDE_FILE',
      },
    ]);
  });

  it('requires auth_token, token_file or jwt, in one line at the service', () => {
    const document = {
      aws_defaults: { region: 'us-east-1' },
      services: { app1: { assumed_role: ROLE } },
    };

    expect(linesOf(document)).toEqual([
      `${FILE}: services.app1: needs auth_token, token_file or jwt (a service needs at least one way in)`,
    ]);
  });

  it.each([
    [
      { path: '/t/a', rotate_seconds: 4 },
      'services.app1.token_file.rotate_seconds: must be from 5 to 2592000',
    ],
    [
      { path: '/t/a', grace_seconds: 0 },
      'services.app1.token_file.grace_seconds: must be from 1 to 86400',
    ],
    [
      { path: '/t/a', rotate_seconds: 60, grace_seconds: 61 },
      'services.app1.token_file.grace_seconds: must be at most rotate_seconds (60)',
    ],
    [
      { path: '/t/a', mode: '0644' },
      'services.app1.token_file.mode: must not give others any access to the token: use 0600, or 0640 for a shared group',
    ],
    [{ path: '/t/a', mode: '600x' }, 'services.app1.token_file.mode: has an invalid format'],
    [{ path: '' }, 'services.app1.token_file.path: must not be empty'],
    [{ rotate_seconds: 60 }, 'services.app1.token_file.path: is required'],
    [
      { path: '/t/a', rotate: 60 },
      'services.app1.token_file.rotate: is not a known key (expected one of: path, rotate_seconds, grace_seconds, mode)',
    ],
  ])('rejects %j in one exact line', (tokenFile, line) => {
    expect(linesOf(fileOnly(tokenFile))).toEqual([`${FILE}: ${line}`]);
  });

  it('refuses two services writing the same file, naming the first', () => {
    const document = {
      aws_defaults: { region: 'us-east-1' },
      services: {
        app1: { token_file: { path: '/t/shared' }, assumed_role: ROLE },
        app2: { token_file: { path: '/t/../t/shared' }, assumed_role: ROLE },
      },
    };

    expect(linesOf(document)).toEqual([
      `${FILE}: services.app2.token_file.path: is also the token file of service app1: each service needs its own`,
    ]);
  });

  it('does not limit where a static service writes, and resolves token_directories like the other directories', () => {
    const { config } = parse(
      fileOnly(
        { path: '/anywhere/app1' },
        { dynamic_services: { enabled: true, token_directories: ['tokens/', '/run/t'] } },
      ),
    );

    expect(config.services[0]?.tokenFile?.path).toBe('/anywhere/app1');
    expect(config.dynamicServices.tokenDirectories).toEqual(['/etc/credproxy/tokens', '/run/t']);
  });
});

describe('token_file in a dynamic service file', () => {
  const awsDefaults = { region: 'us-east-1', raw: { region: 'us-east-1' } };

  function parseDynamic(path: string, tokenDirectories?: readonly string[]) {
    const text = JSON.stringify({
      token_file: { path },
      assumed_role: ROLE,
    });
    return parseServiceFile(text, {
      file: '/srv/dynamic/app9.yaml',
      env: {},
      awsDefaults,
      policy: {
        secretDirectories: [],
        allowedEnv: [],
        ...(tokenDirectories === undefined ? {} : { tokenDirectories }),
      },
    });
  }

  function linesOfDynamic(path: string, tokenDirectories?: readonly string[]): string[] {
    try {
      parseDynamic(path, tokenDirectories);
    } catch (error) {
      if (error instanceof ConfigError) return error.issues.map(formatConfigIssue);
      throw error;
    }
    throw new Error('expected a ConfigError');
  }

  it('writes directly inside a token directory, a relative path resolved against the dynamic file', () => {
    const { services } = parseDynamic('../tokens/app9', ['/srv/tokens']);

    expect(services[0]?.tokenFile?.path).toBe('/srv/tokens/app9');
    expect(services[0]?.authToken).toBeUndefined();
  });

  it.each([
    ['/srv/tokens/sub/app9', 'a subdirectory'],
    ['/srv/tokens/../etc/app9', 'a .. that climbs out'],
    ['/etc/app9', 'another directory'],
    ['/srv/tokens', 'the directory itself'],
  ])('refuses %s (%s)', (path) => {
    expect(linesOfDynamic(path, ['/srv/tokens'])).toEqual([
      '/srv/dynamic/app9.yaml: token_file.path: must lie directly inside one of dynamic_services.token_directories',
    ]);
  });

  it('refuses any token file when no token directory is configured (the default)', () => {
    expect(linesOfDynamic('/srv/tokens/app9')).toEqual([
      '/srv/dynamic/app9.yaml: token_file.path: cannot be written for a dynamic service: dynamic_services.token_directories is empty',
    ]);
  });
});
