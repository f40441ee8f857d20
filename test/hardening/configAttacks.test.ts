import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDynamicServices } from '../../src/config/createDynamicServices.js';
import { parseConfig } from '../../src/config/parseConfig.js';
import type { Config } from '../../src/config/types.js';

/**
 * Whoever can write a file into a watched directory is less trusted than whoever writes the
 * main config. These attacks come through a dynamic file; each must leave the served set as it
 * was and say why, in words that hold no secret.
 */

const ADMIN_TOKEN = 'admin-token-9f2c4e7a1b3d5f6081726354a9b8c7d6';
const ADMIN_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYADMINKEY01';

describe('configuration attacks through dynamic service files', () => {
  let dir: string;
  let dynamicDir: string;
  let mainFile: string;
  let config: Config;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'credproxy-config-attacks-'));
    dynamicDir = join(dir, 'dynamic');
    await mkdir(dynamicDir);
    mainFile = join(dir, 'config.yaml');
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
      '',
    ].join('\n');
    await writeFile(mainFile, mainText, { mode: 0o600 });
    config = parseConfig(mainText, { file: mainFile, env: {} }).config;
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  function watch(env: Record<string, string> = {}) {
    return createDynamicServices({
      directories: [{ path: dynamicDir, includePatterns: [], excludePatterns: [] }],
      staticServices: config.services,
      awsDefaults: config.awsDefaults,
      env,
    });
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
    expect(served[0]?.role.roleArn).toBe('arn:aws:iam::123456789012:role/admin');
    expect(served[0]?.origin.kind).toBe('static');
  });

  it('rejects references that loop through files, naming the loop', async () => {
    const a = join(dir, 'a.txt');
    const b = join(dir, 'b.txt');
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
    await writeFile(join(dynamicDir, 'looping.yaml'), serviceFile('${fromEnv:LOOP_A}'));
    const dynamic = watch({ LOOP_A: '${fromEnv:LOOP_B}', LOOP_B: '${fromEnv:LOOP_A}' });

    const report = await dynamic.rescan();

    expect(report.rejected[0]?.code).toBe('SUBSTITUTION_FAILED');
    expect(report.rejected[0]?.issues[0]?.message).toMatch(/^substitution loop: /);
    expect(dynamic.services().map((s) => s.name)).toEqual(['admin']);
  });

  // Defect: nesting depth is limited, expansion size is not. Ten references per file, six files
  // deep, already expand to 100,000 characters; ten files deep would block the event loop for
  // minutes and exhaust memory. See the hardening report for the proposed budget.
  it.fails('rejects references that fan out into a huge expansion, quickly', async () => {
    const depth = 6;
    for (let i = 0; i < depth; i++) {
      const next = join(dir, `bomb${i + 1}.txt`);
      await writeFile(
        join(dir, `bomb${i}.txt`),
        i === depth - 1 ? 'x' : `\${fromFile:${next}}`.repeat(10),
        { mode: 0o600 },
      );
    }
    await writeFile(
      join(dynamicDir, 'bomb.yaml'),
      serviceFile(`bomb-\${fromFile:${join(dir, 'bomb0.txt')}}`),
    );
    const dynamic = watch();
    const started = performance.now();

    const report = await dynamic.rescan();

    expect(performance.now() - started).toBeLessThan(1_000);
    expect(report.rejected[0]?.code).toBe('SUBSTITUTION_FAILED');
    expect(dynamic.services().map((s) => s.name)).toEqual(['admin']);
  });

  // Missing rule: `${fromFile:}` in a dynamic file may read any file credproxy can read,
  // including the main config and its secrets. See the hardening report for the allow-list.
  it.fails("rejects a fromFile that reads another service's secret out of the main config", async () => {
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
  });

  it.fails("rejects a fromFile that borrows the main config's static keys", async () => {
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
  });

  // Missing rule: `${fromEnv:}` in a dynamic file reads credproxy's own environment.
  it.fails("rejects a fromEnv that reads credproxy's environment into a dynamic service", async () => {
    await writeFile(
      join(dynamicDir, 'snoop.yaml'),
      serviceFile(tokenOf(5), ['  RoleSessionName: ${fromEnv:CREDPROXY_ADMIN_TOKEN}']),
    );
    const dynamic = watch({ CREDPROXY_ADMIN_TOKEN: ADMIN_TOKEN });

    const report = await dynamic.rescan();

    expect(dynamic.services().map((s) => s.name)).toEqual(['admin']);
    expect(report.rejected[0]?.code).toBe('SUBSTITUTION_FAILED');
  });
});
