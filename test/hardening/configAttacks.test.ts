import { link, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/parseConfig.js';
import type { Config } from '../../src/config/types.js';
import {
  createDynamicServices,
  toDynamicServicesOptions,
} from '../../src/dynamic/createDynamicServices.js';

/**
 * Whoever can write a file into a watched directory is less trusted than whoever writes the
 * main config. These attacks come through a dynamic file; each must leave the served set as it
 * was and say why, in words that hold no secret. The rule for substitution in dynamic files:
 * `${fromFile:}` reads only regular files whose real path lies under
 * `dynamic_services.secret_directories`, never the main config; `${fromEnv:}` reads only the
 * variables in `dynamic_services.allowed_env`. Both default to nothing.
 */

const ADMIN_TOKEN = 'admin-token-9f2c4e7a1b3d5f6081726354a9b8c7d6';
const ADMIN_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYADMINKEY01';

describe('configuration attacks through dynamic service files', () => {
  let dir: string;
  let dynamicDir: string;
  let secretsDir: string;
  let mainFile: string;
  let config: Config;

  /** Writes and loads the main config, with these extra lines in its dynamic_services block. */
  async function writeMainConfig(dynamicKeys: string[] = []): Promise<void> {
    const mainText = [
      'aws_defaults:',
      '  region: us-east-1',
      'services:',
      '  admin:',
      `    auth_token: ${ADMIN_TOKEN}`,
      '    source_credentials:',
      '      iam_keys:',
      '        aws_access_key_id: AKIAADMINADMINADMIN1',
      `        aws_secret_access_key: ${ADMIN_KEY}`,
      '    assumed_role:',
      '      RoleArn: arn:aws:iam::123456789012:role/admin',
      'dynamic_services:',
      '  enabled: true',
      '  directories: [{path: dynamic}]',
      ...dynamicKeys,
      '',
    ].join('\n');
    await writeFile(mainFile, mainText, { mode: 0o600 });
    config = parseConfig(mainText, { file: mainFile, env: {} }).config;
  }

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'credproxy-config-attacks-'));
    dynamicDir = join(dir, 'dynamic');
    secretsDir = join(dir, 'secrets');
    await mkdir(dynamicDir);
    await mkdir(secretsDir);
    mainFile = join(dir, 'config.yaml');
    await writeMainConfig();
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  function watch(env: Record<string, string> = {}) {
    return createDynamicServices(toDynamicServicesOptions(config, env));
  }

  /** A flat dynamic service file: the service is named after the file. */
  function serviceFile(token: string, extra: string[] = []): string {
    return [
      `auth_token: ${token}`,
      'assumed_role:',
      '  RoleArn: arn:aws:iam::123456789012:role/intruder',
      ...extra,
      '',
    ].join('\n');
  }

  const tokenOf = (i: number) => `dynamic-token-${i}-8c1e5a7f3b9d2c4e6a8b0d1f3e5c7a9b`;

  it("rejects a file that reuses a static service's token, naming the holder, never the token", async () => {
    await writeFile(join(dynamicDir, 'intruder.yaml'), serviceFile(ADMIN_TOKEN));
    const dynamic = watch();

    const report = await dynamic.rescan();

    expect(report.rejected).toHaveLength(1);
    expect(report.rejected[0]?.file).toBe(join(dynamicDir, 'intruder.yaml'));
    expect(report.rejected[0]?.issues.map((i) => i.message)).toEqual([
      'is already used by service admin',
    ]);
    expect(dynamic.services().map((s) => s.name)).toEqual(['admin']);
    expect(JSON.stringify(report)).not.toContain(ADMIN_TOKEN);
  });

  it("rejects a file that reuses another dynamic file's token, keeping the first", async () => {
    await writeFile(join(dynamicDir, 'first.yaml'), serviceFile(tokenOf(1)));
    await writeFile(join(dynamicDir, 'second.yaml'), serviceFile(tokenOf(1)));
    const dynamic = watch();

    const report = await dynamic.rescan();

    expect(report.rejected.map((r) => r.file)).toEqual([join(dynamicDir, 'second.yaml')]);
    expect(dynamic.services().map((s) => s.name)).toEqual(['admin', 'first']);
    expect(JSON.stringify(report)).not.toContain(tokenOf(1));
  });

  it('never lets a dynamic file shadow a static service', async () => {
    await writeFile(join(dynamicDir, 'admin.yaml'), serviceFile(tokenOf(2)));
    const dynamic = watch();

    const report = await dynamic.rescan();
    const served = dynamic.services();

    expect(report.conflicts).toEqual([
      {
        file: join(dynamicDir, 'admin.yaml'),
        service: 'admin',
        reason: 'static_name',
        owner: mainFile,
      },
    ]);
    expect(served).toHaveLength(1);
    expect(served[0]?.authToken).toBe(ADMIN_TOKEN);
    expect(served[0]?.role?.roleArn).toBe('arn:aws:iam::123456789012:role/admin');
    expect(served[0]?.origin.kind).toBe('static');
  });

  it('rejects references that loop through files, naming the loop', async () => {
    await writeMainConfig(['  secret_directories: [secrets]']);
    const a = join(secretsDir, 'a.txt');
    const b = join(secretsDir, 'b.txt');
    await writeFile(a, `\${fromFile:${b}}`, { mode: 0o600 });
    await writeFile(b, `\${fromFile:${a}}`, { mode: 0o600 });
    await writeFile(join(dynamicDir, 'looping.yaml'), serviceFile(`\${fromFile:${a}}`));
    const dynamic = watch();

    const report = await dynamic.rescan();

    expect(report.rejected).toHaveLength(1);
    expect(report.rejected[0]?.code).toBe('SUBSTITUTION_FAILED');
    expect(report.rejected[0]?.issues[0]?.message).toBe(
      `substitution loop: \${fromFile:${a}} -> \${fromFile:${b}} -> \${fromFile:${a}}`,
    );
    expect(dynamic.services().map((s) => s.name)).toEqual(['admin']);
  });

  it('rejects references that loop through the environment', async () => {
    await writeMainConfig(['  allowed_env: [LOOP_A, LOOP_B]']);
    await writeFile(join(dynamicDir, 'looping.yaml'), serviceFile('${fromEnv:LOOP_A}'));
    const dynamic = watch({ LOOP_A: '${fromEnv:LOOP_B}', LOOP_B: '${fromEnv:LOOP_A}' });

    const report = await dynamic.rescan();

    expect(report.rejected[0]?.code).toBe('SUBSTITUTION_FAILED');
    expect(report.rejected[0]?.issues[0]?.message).toMatch(/^substitution loop: /);
    expect(dynamic.services().map((s) => s.name)).toEqual(['admin']);
  });

  // Ten references per file, six files deep, would expand to 100,000 characters (ten deep, to
  // ten billion): a value may resolve at most 100 references and expand to at most 64 KiB.
  it('rejects references that fan out into a huge expansion, quickly', async () => {
    await writeMainConfig(['  secret_directories: [secrets]']);
    const depth = 6;
    for (let i = 0; i < depth; i++) {
      const next = join(secretsDir, `bomb${i + 1}.txt`);
      await writeFile(
        join(secretsDir, `bomb${i}.txt`),
        i === depth - 1 ? 'x' : `\${fromFile:${next}}`.repeat(10),
        { mode: 0o600 },
      );
    }
    await writeFile(
      join(dynamicDir, 'bomb.yaml'),
      serviceFile(`bomb-\${fromFile:${join(secretsDir, 'bomb0.txt')}}`),
    );
    const dynamic = watch();
    const started = performance.now();

    const report = await dynamic.rescan();

    expect(performance.now() - started).toBeLessThan(3_000);
    expect(report.rejected[0]?.code).toBe('SUBSTITUTION_FAILED');
    expect(report.rejected[0]?.issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      'auth_token: more than 100 references in one value',
    ]);
    expect(dynamic.services().map((s) => s.name)).toEqual(['admin']);
  });

  it("rejects a fromFile that reads another service's secret out of the main config", async () => {
    await writeFile(
      join(dynamicDir, 'thief.yaml'),
      serviceFile(tokenOf(3), [
        // A session name appears in the assumed-role ARN, which the thief reads back with
        // sts:GetCallerIdentity: the admin token leaves credproxy.
        `  RoleSessionName: \${fromFile:${mainFile}#services.admin.auth_token}`,
      ]),
    );
    const dynamic = watch();

    const report = await dynamic.rescan();

    expect(dynamic.services().map((s) => s.name)).toEqual(['admin']);
    expect(report.rejected[0]?.code).toBe('SUBSTITUTION_FAILED');
    expect(report.rejected[0]?.issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      `assumed_role.RoleSessionName: \${fromFile:${mainFile}#services.admin.auth_token} is not allowed in a dynamic service file: it may read only files under dynamic_services.secret_directories`,
    ]);
    expect(JSON.stringify(report)).not.toContain(ADMIN_TOKEN);
  });

  it("rejects a fromFile that borrows the main config's static keys", async () => {
    await writeFile(
      join(dynamicDir, 'borrower.yaml'),
      serviceFile(tokenOf(4), [
        'source_credentials:',
        '  iam_keys:',
        `    aws_access_key_id: \${fromFile:${mainFile}#services.admin.source_credentials.iam_keys.aws_access_key_id}`,
        `    aws_secret_access_key: \${fromFile:${mainFile}#services.admin.source_credentials.iam_keys.aws_secret_access_key}`,
      ]),
    );
    const dynamic = watch();

    const report = await dynamic.rescan();

    expect(dynamic.services().map((s) => s.name)).toEqual(['admin']);
    expect(report.rejected[0]?.code).toBe('SUBSTITUTION_FAILED');
    expect(report.rejected[0]?.issues.map((i) => i.path)).toEqual([
      'source_credentials.iam_keys.aws_access_key_id',
      'source_credentials.iam_keys.aws_secret_access_key',
    ]);
    expect(JSON.stringify(report)).not.toContain(ADMIN_KEY);
  });

  it("rejects a fromEnv that reads credproxy's environment into a dynamic service", async () => {
    await writeFile(
      join(dynamicDir, 'snoop.yaml'),
      serviceFile(tokenOf(5), ['  RoleSessionName: ${fromEnv:CREDPROXY_ADMIN_TOKEN}']),
    );
    const dynamic = watch({ CREDPROXY_ADMIN_TOKEN: ADMIN_TOKEN });

    const report = await dynamic.rescan();

    expect(dynamic.services().map((s) => s.name)).toEqual(['admin']);
    expect(report.rejected[0]?.code).toBe('SUBSTITUTION_FAILED');
    expect(report.rejected[0]?.issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      'assumed_role.RoleSessionName: ${fromEnv:CREDPROXY_ADMIN_TOKEN} is not allowed in a dynamic service file: list the variable in dynamic_services.allowed_env',
    ]);
    expect(JSON.stringify(report)).not.toContain(ADMIN_TOKEN);
  });
});

describe('the substitution policy of dynamic service files', () => {
  const SECRET_TOKEN = 'allowed-token-3d9a7c1e5b2f4a6c8e0d1b3f5a7c9e2d';
  const OUTSIDE_SECRET = 'outside-secret-7e1c3a5f9b2d4c6e8a0f1d3b5c7e9a4f';
  let dir: string;
  let dynamicDir: string;
  let secretsDir: string;
  let mainFile: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'credproxy-dynamic-policy-'));
    dynamicDir = join(dir, 'dynamic');
    secretsDir = join(dir, 'secrets');
    await mkdir(dynamicDir);
    await mkdir(secretsDir);
    await writeFile(join(secretsDir, 'app-token'), SECRET_TOKEN, { mode: 0o600 });
    await writeFile(join(dir, 'outside-token'), OUTSIDE_SECRET, { mode: 0o600 });
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Loads the main config (no static service) with these dynamic_services keys, then rescans. */
  async function rescanWith(
    dynamicKeys: string[],
    appFile: string[],
    env: Record<string, string> = {},
    main = join(dir, 'config.yaml'),
  ) {
    mainFile = main;
    const mainText = [
      'aws_defaults: {region: us-east-1}',
      'dynamic_services:',
      '  enabled: true',
      `  directories: [{path: ${dynamicDir}}]`,
      ...dynamicKeys,
      '',
    ].join('\n');
    await writeFile(mainFile, mainText, { mode: 0o600 });
    await writeFile(
      join(dynamicDir, 'app.yaml'),
      [...appFile, 'assumed_role: {RoleArn: "arn:aws:iam::123456789012:role/app"}', ''].join('\n'),
    );
    const config = parseConfig(mainText, { file: mainFile, env }).config;
    const dynamic = createDynamicServices(toDynamicServicesOptions(config, env));
    const report = await dynamic.rescan();
    return { report, services: dynamic.services() };
  }

  const messagesOf = (report: Awaited<ReturnType<typeof rescanWith>>['report']) =>
    report.rejected.flatMap((r) => r.issues.map((i) => `${i.path}: ${i.message}`));

  it('reads a file inside a secret directory, relative to the main config', async () => {
    const { report, services } = await rescanWith(
      ['  secret_directories: [secrets]'],
      [`auth_token: \${fromFile:${join(secretsDir, 'app-token')}}`],
    );

    expect(report.rejected).toEqual([]);
    expect(services.map((s) => [s.name, s.authToken])).toEqual([['app', SECRET_TOKEN]]);
  });

  it('reads through a symlink whose target stays inside the secret directory', async () => {
    await mkdir(join(secretsDir, '..data'));
    await writeFile(join(secretsDir, '..data', 'rotated'), SECRET_TOKEN, { mode: 0o600 });
    await symlink(join(secretsDir, '..data', 'rotated'), join(secretsDir, 'linked'));

    const { report, services } = await rescanWith(
      ['  secret_directories: [secrets]'],
      [`auth_token: \${fromFile:${join(secretsDir, 'linked')}}`],
    );

    expect(report.rejected).toEqual([]);
    expect(services[0]?.authToken).toBe(SECRET_TOKEN);
  });

  it('rejects a symlink inside the secret directory that points outside it', async () => {
    await symlink(join(dir, 'outside-token'), join(secretsDir, 'escape'));

    const { report, services } = await rescanWith(
      ['  secret_directories: [secrets]'],
      [`auth_token: \${fromFile:${join(secretsDir, 'escape')}}`],
    );

    expect(services).toEqual([]);
    expect(report.rejected[0]?.code).toBe('SUBSTITUTION_FAILED');
    expect(messagesOf(report)).toEqual([
      `auth_token: \${fromFile:${join(secretsDir, 'escape')}} is not allowed in a dynamic service file: it may read only files under dynamic_services.secret_directories`,
    ]);
    expect(JSON.stringify(report)).not.toContain(OUTSIDE_SECRET);
  });

  it('rejects a .. that climbs out of the secret directory', async () => {
    const climbing = `${secretsDir}/../outside-token`;

    const { report, services } = await rescanWith(
      ['  secret_directories: [secrets]'],
      [`auth_token: \${fromFile:${climbing}}`],
    );

    expect(services).toEqual([]);
    expect(messagesOf(report)).toEqual([
      `auth_token: \${fromFile:${climbing}} is not allowed in a dynamic service file: it may read only files under dynamic_services.secret_directories`,
    ]);
    expect(JSON.stringify(report)).not.toContain(OUTSIDE_SECRET);
  });

  it('rejects a relative path that climbs out of the secret directory', async () => {
    const { report, services } = await rescanWith(
      ['  secret_directories: [secrets]'],
      ['auth_token: ${fromFile:../secrets/../outside-token}'],
    );

    expect(services).toEqual([]);
    expect(messagesOf(report)).toEqual([
      `auth_token: \${fromFile:${join(dir, 'outside-token')}} is not allowed in a dynamic service file: it may read only files under dynamic_services.secret_directories`,
    ]);
    expect(JSON.stringify(report)).not.toContain(OUTSIDE_SECRET);
  });

  it('never reads the main config, even when it lies inside a secret directory', async () => {
    const { report, services } = await rescanWith(
      ["  secret_directories: ['.']"],
      [
        `auth_token: \${fromFile:${join(secretsDir, 'app-token')}}`,
        `source_credentials: {region: "\${fromFile:${join(secretsDir, 'config.yaml')}#aws_defaults.region}"}`,
      ],
      {},
      join(secretsDir, 'config.yaml'),
    );

    expect(services).toEqual([]);
    expect(messagesOf(report)).toEqual([
      `source_credentials.region: \${fromFile:${mainFile}#aws_defaults.region} is not allowed in a dynamic service file: it is the main config file`,
    ]);
  });

  it('never reads the main config through a symlink to it', async () => {
    await symlink(join(secretsDir, 'config.yaml'), join(secretsDir, 'innocent.yaml'));

    const { report } = await rescanWith(
      ["  secret_directories: ['.']"],
      [`auth_token: \${fromFile:${join(secretsDir, 'innocent.yaml')}#aws_defaults.region}`],
      {},
      join(secretsDir, 'config.yaml'),
    );

    expect(messagesOf(report)).toEqual([
      `auth_token: \${fromFile:${join(secretsDir, 'innocent.yaml')}#aws_defaults.region} is not allowed in a dynamic service file: it is the main config file`,
    ]);
  });

  it('never reads the main config through a hard link to it', async () => {
    await writeFile(join(dir, 'config.yaml'), '');
    await link(join(dir, 'config.yaml'), join(secretsDir, 'copy.yaml'));

    const { report } = await rescanWith(
      ['  secret_directories: [secrets]'],
      [`auth_token: \${fromFile:${join(secretsDir, 'copy.yaml')}#aws_defaults.region}`],
    );

    expect(messagesOf(report)).toEqual([
      `auth_token: \${fromFile:${join(secretsDir, 'copy.yaml')}#aws_defaults.region} is not allowed in a dynamic service file: it is the main config file`,
    ]);
  });

  it('rejects a secret directory itself, which is not a regular file', async () => {
    await mkdir(join(secretsDir, 'nested'));

    const { report } = await rescanWith(
      ['  secret_directories: [secrets]'],
      [`auth_token: \${fromFile:${join(secretsDir, 'nested')}}`],
    );

    expect(messagesOf(report)).toEqual([
      `auth_token: \${fromFile:${join(secretsDir, 'nested')}} is not allowed in a dynamic service file: it may read only regular files`,
    ]);
  });

  it('says a missing file inside a secret directory does not exist, and nothing about one outside', async () => {
    const { report } = await rescanWith(
      ['  secret_directories: [secrets]'],
      [
        `auth_token: \${fromFile:${join(secretsDir, 'missing')}}`,
        `source_credentials: {region: "\${fromFile:${join(dir, 'missing')}}"}`,
      ],
    );

    expect(messagesOf(report)).toEqual([
      `auth_token: file ${join(secretsDir, 'missing')} does not exist`,
      `source_credentials.region: \${fromFile:${join(dir, 'missing')}} is not allowed in a dynamic service file: it may read only files under dynamic_services.secret_directories`,
    ]);
  });

  it('reads no file at all when secret_directories is not set', async () => {
    const { report, services } = await rescanWith(
      [],
      [`auth_token: \${fromFile:${join(secretsDir, 'app-token')}}`],
    );

    expect(services).toEqual([]);
    expect(report.rejected[0]?.code).toBe('SUBSTITUTION_FAILED');
  });

  it('reads an environment variable listed in allowed_env', async () => {
    const { report, services } = await rescanWith(
      ['  allowed_env: [APP_TOKEN]'],
      ['auth_token: ${fromEnv:APP_TOKEN}'],
      { APP_TOKEN: SECRET_TOKEN },
    );

    expect(report.rejected).toEqual([]);
    expect(services[0]?.authToken).toBe(SECRET_TOKEN);
  });

  it('rejects a variable not listed in allowed_env, default or not, naming it and not its value', async () => {
    const { report, services } = await rescanWith(
      ['  allowed_env: [APP_TOKEN]'],
      [
        'auth_token: ${fromEnv:AWS_SECRET_ACCESS_KEY}',
        'source_credentials: {region: "${fromEnv:HOME:-/nowhere}"}',
      ],
      { AWS_SECRET_ACCESS_KEY: OUTSIDE_SECRET, HOME: '/home/credproxy' },
    );

    expect(services).toEqual([]);
    expect(report.rejected[0]?.code).toBe('SUBSTITUTION_FAILED');
    expect(messagesOf(report)).toEqual([
      'auth_token: ${fromEnv:AWS_SECRET_ACCESS_KEY} is not allowed in a dynamic service file: list the variable in dynamic_services.allowed_env',
      'source_credentials.region: ${fromEnv:HOME} is not allowed in a dynamic service file: list the variable in dynamic_services.allowed_env',
    ]);
    expect(JSON.stringify(report)).not.toContain(OUTSIDE_SECRET);
    expect(JSON.stringify(report)).not.toContain('/home/credproxy');
  });

  it('holds for references nested in an allowed file', async () => {
    await writeFile(join(secretsDir, 'indirect'), '${fromEnv:AWS_SECRET_ACCESS_KEY}', {
      mode: 0o600,
    });

    const { report, services } = await rescanWith(
      ['  secret_directories: [secrets]'],
      [`auth_token: \${fromFile:${join(secretsDir, 'indirect')}}`],
      { AWS_SECRET_ACCESS_KEY: OUTSIDE_SECRET },
    );

    expect(services).toEqual([]);
    expect(messagesOf(report)).toEqual([
      `auth_token: \${fromEnv:AWS_SECRET_ACCESS_KEY} is not allowed in a dynamic service file: list the variable in dynamic_services.allowed_env (via \${fromFile:${join(secretsDir, 'indirect')}})`,
    ]);
    expect(JSON.stringify(report)).not.toContain(OUTSIDE_SECRET);
  });
});
