import { describe, expect, it } from 'vitest';
import { compileDirectory, isWatchedFile } from '../../src/dynamic/isWatchedFile.js';
import { mergeServices } from '../../src/dynamic/mergeServices.js';
import { parseDynamicFile } from '../../src/dynamic/parseDynamicFile.js';
import type { DirectoryFile } from '../../src/dynamic/readDynamicDirectory.js';
import { makeService } from '../helpers/configs.js';
import { servicesFile, tok } from './serviceFiles.js';

const dynamic = (name: string, file: string, token = `${name}-tok`) =>
  makeService(name, { authToken: token, origin: { kind: 'dynamic', file } });

describe('isWatchedFile', () => {
  const plain = compileDirectory({ path: '/d', includePatterns: [], excludePatterns: [] });

  it.each([
    ['app.yaml', true],
    ['app.YML', true],
    ['app.json', true],
    ['team/app.yaml', true],
    ['app.txt', false],
    ['.hidden.yaml', false],
    ['sub/.hidden.yaml', false],
    ['..data/app.yaml', false],
    ['app.yaml~', false],
    ['app.yaml.swp', false],
    ['app.yaml.bak', false],
    ['#app.yaml#', false],
    ['app.yaml.tmp', false],
  ])('by default treats %s as a service file: %s', (path, expected) => {
    expect(isWatchedFile(path, plain)).toBe(expected);
  });

  it.each([
    // include, exclude, relative path, expected
    [['dev-.*\\.yaml$'], [], 'dev-app.yaml', true],
    [['dev-.*\\.yaml$'], [], 'prod-dev-app.yaml', false],
    [[], ['^prod-.*'], 'prod-app.yaml', false],
    [[], ['^prod-.*'], 'app-prod-.yaml', true],
    [['.*\\.yaml$'], ['.*secret.*'], 'my-secret.yaml', false],
    [['team/.*'], [], 'team/app.yaml', true],
    [['team/.*'], [], 'app.yaml', false],
  ])(
    'with include %j and exclude %j matches %s from its start: %s',
    (include, exclude, path, expected) => {
      const directory = compileDirectory({
        path: '/d',
        includePatterns: include,
        excludePatterns: exclude,
      });

      expect(isWatchedFile(path, directory)).toBe(expected);
    },
  );
});

describe('mergeServices', () => {
  it('keeps static services and adds dynamic ones in file order', () => {
    const result = mergeServices(
      [makeService('s')],
      [
        { file: 'b.yaml', order: 2, services: [dynamic('b', 'b.yaml')] },
        { file: 'a.yaml', order: 1, services: [dynamic('a', 'a.yaml')] },
      ],
    );

    expect(result.services.map((s) => s.name)).toEqual(['s', 'a', 'b']);
    expect(result.conflicts).toEqual([]);
  });

  it('never lets a dynamic service take a static name', () => {
    const result = mergeServices(
      [makeService('s')],
      [{ file: 'x.yaml', order: 1, services: [dynamic('s', 'x.yaml')] }],
    );

    expect(result.services.map((s) => s.origin.kind)).toEqual(['static']);
    expect(result.conflicts).toEqual([
      { file: 'x.yaml', service: 's', reason: 'static_name', owner: 'config.yaml' },
    ]);
  });

  it('gives a contested name to the older file', () => {
    const result = mergeServices(
      [],
      [
        { file: 'young.yaml', order: 5, services: [dynamic('n', 'young.yaml', 'young')] },
        { file: 'old.yaml', order: 1, services: [dynamic('n', 'old.yaml', 'old')] },
      ],
    );

    expect(result.services.map((s) => s.authToken)).toEqual(['old']);
    expect(result.conflicts[0]).toMatchObject({
      file: 'young.yaml',
      reason: 'dynamic_name',
      owner: 'old.yaml',
    });
  });

  it('never gives one token to two services', () => {
    const result = mergeServices(
      [makeService('s', { authToken: 'same' })],
      [{ file: 'x.yaml', order: 1, services: [dynamic('d', 'x.yaml', 'same')] }],
    );

    expect(result.services.map((s) => s.name)).toEqual(['s']);
    expect(result.conflicts[0]).toMatchObject({ reason: 'token', owner: 's' });
  });

  it('never treats services without a static token (token_file only) as sharing one', () => {
    const tokenFile = { rotateSeconds: 3600, graceSeconds: 300, mode: 0o600 };
    const { authToken: _a, ...s } = makeService('s', { tokenFile: { path: '/t/s', ...tokenFile } });
    const { authToken: _d, ...d } = makeService('d', {
      origin: { kind: 'dynamic', file: 'x.yaml' },
      tokenFile: { path: '/t/d', ...tokenFile },
    });

    const result = mergeServices([s], [{ file: 'x.yaml', order: 1, services: [d] }]);

    expect(result.services.map((service) => service.name)).toEqual(['s', 'd']);
    expect(result.conflicts).toEqual([]);
  });
});

describe('parseDynamicFile', () => {
  const context = { env: {}, awsDefaults: { region: 'us-east-1', raw: { region: 'us-east-1' } } };
  const read = (text: string | undefined, problem?: DirectoryFile['problem']): DirectoryFile => ({
    file: '/d/app.yaml',
    statKey: 'k',
    unchanged: false,
    text,
    digest: 'd',
    problem,
  });

  it.each([
    [
      'an unreadable file',
      read(undefined, { code: 'CONFIG_UNREADABLE', message: 'cannot be read (EIO)' }),
      'CONFIG_UNREADABLE',
      '/d/app.yaml: cannot be read (EIO)',
    ],
    [
      'a file over the size limit',
      read(undefined, {
        code: 'CONFIG_TOO_LARGE',
        message: 'file is 2048 bytes, over dynamic_services.max_file_bytes (1024)',
      }),
      'CONFIG_TOO_LARGE',
      '/d/app.yaml: file is 2048 bytes, over dynamic_services.max_file_bytes (1024)',
    ],
    [
      'an unread file with no reason',
      read(undefined),
      'CONFIG_UNREADABLE',
      '/d/app.yaml: cannot be read',
    ],
  ])('turns %s into an error with its code and message', (_what, entry, code, message) => {
    const outcome = parseDynamicFile(entry, context);

    expect('error' in outcome && outcome.error.code).toBe(code);
    expect('error' in outcome && outcome.error.message).toBe(message);
  });

  it('parses a readable file into its services', () => {
    const outcome = parseDynamicFile(read(servicesFile({ app: { token: tok('app') } })), context);

    expect('services' in outcome && outcome.services.map((s) => s.name)).toEqual(['app']);
  });
});
