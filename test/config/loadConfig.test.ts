import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/loadConfig.js';
import { readConfigFile } from '../../src/config/readConfigFile.js';
import { TOKEN } from './configText.js';
import { useTempDir } from './tempDir.js';

describe('readConfigFile', () => {
  const temp = useTempDir();

  it('returns the text of the file', async () => {
    const file = temp.write('config.yaml', 'services: {}\n');

    const text = await readConfigFile(file);

    expect(text).toBe('services: {}\n');
  });

  it.each([
    [
      'a missing file',
      (dir: string) => join(dir, 'nope.yaml'),
      'CONFIG_NOT_FOUND',
      'configuration file not found (set --config or CREDPROXY_CONFIG_FILE)',
    ],
    [
      'a path under a file',
      (dir: string) => join(dir, 'file', 'x.yaml'),
      'CONFIG_NOT_FOUND',
      'configuration file not found (set --config or CREDPROXY_CONFIG_FILE)',
    ],
    [
      'a directory',
      (dir: string) => dir,
      'CONFIG_UNREADABLE',
      'cannot read the configuration file: is a directory, not a file',
    ],
  ])('rejects %s with its own code', async (_case, pathIn, code, message) => {
    temp.write('file', 'x');
    const file = pathIn(temp.path());

    const read = readConfigFile(file);

    await expect(read).rejects.toMatchObject({ code, message: `${file}: ${message}` });
  });
});

describe('loadConfig', () => {
  const temp = useTempDir();

  it('reads, substitutes with the given environment, and validates', async () => {
    const file = temp.write(
      'config.yaml',
      [
        'aws_defaults: {region: "${fromEnv:REGION}"}',
        'services:',
        `  app1: {auth_token: ${TOKEN}, assumed_role: {RoleArn: "arn:aws:iam::123456789012:role/A"}}`,
      ].join('\n'),
    );

    const loaded = await loadConfig(file, { REGION: 'us-gov-west-1' });

    expect(loaded.config.file).toBe(file);
    expect(loaded.config.services.map((service) => service.source?.region)).toEqual([
      'us-gov-west-1',
    ]);
  });
});
