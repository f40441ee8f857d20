import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rename, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/types.js';
import { makeConfig, makeService } from '../helpers/configs.js';
import { type Moto, motoEnv, startMoto } from '../helpers/moto.js';
import { hasMoto } from '../helpers/requireTool.js';
import { eventually, startTestApp, type TestApp } from '../helpers/startTestApp.js';
import { ROLE, servicesFile, tok } from './serviceFiles.js';

const moto = hasMoto();
const MISSING = 'does not exist; it is read once it appears';
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(!moto.available)('dynamic services: hot reload from watched directories', () => {
  let sts: Moto;
  let root: string;
  let dir: string;
  let t: TestApp;
  const staticService = makeService('static1', { authToken: tok('static1') });

  function config(): Config {
    return makeConfig([staticService], {
      awsDefaults: { region: 'us-east-1', raw: { region: 'us-east-1' } },
      dynamicServices: {
        enabled: true,
        directories: [{ path: dir, includePatterns: [], excludePatterns: [] }],
        reloadIntervalSeconds: 1,
        secretDirectories: [],
        allowedEnv: [],
        maxFileBytes: 1_048_576,
        tokenDirectories: [],
      },
    });
  }

  const status = async (token: string) => (await t.get('/v1/credentials', token)).status;
  const until = (token: string, expected: number) =>
    eventually(async () => (await status(token)) === expected, 15_000, 100);
  /** Wait until at least `count` dynamic reloads ended with `outcome`. */
  const untilReloads = (outcome: 'success' | 'failure', count: number) =>
    eventually(
      async () =>
        (await t.metric('credproxy_config_reloads_total', { outcome, source: 'dynamic' })) >= count,
      15_000,
      100,
    );

  beforeAll(async () => {
    sts = await startMoto();
    Object.assign(process.env, motoEnv(sts));
  });

  afterAll(async () => {
    await sts?.stop();
  });

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'credproxy-dynamic-'));
    dir = join(root, 'dynamic');
    await mkdir(dir);
  });

  afterEach(async () => {
    await t?.app.stop();
    await rm(root, { recursive: true, force: true });
  });

  async function start(): Promise<void> {
    t = await startTestApp(config(), 'debug', {});
    await t.app.primed;
  }

  it('loads files present at start, in both the services map and the flat form', async () => {
    await writeFile(
      join(dir, 'team.yaml'),
      servicesFile({ a1: { token: tok('a1') }, a2: { token: tok('a2') } }),
    );
    await writeFile(
      join(dir, 'flat1.yml'),
      `auth_token: "${tok('flat1')}"\nsource_credentials: {}\nassumed_role:\n  RoleArn: "${ROLE('flat1')}"\n`,
    );

    await start();

    expect(await status(tok('a1'))).toBe(200);
    expect(await status(tok('a2'))).toBe(200);
    const flat = (await (await t.get('/v1/credentials', tok('flat1'))).json()) as {
      RoleArn: string;
    };
    expect(flat.RoleArn).toBe(ROLE('flat1'));
    expect(await t.metric('credproxy_active_services', { origin: 'dynamic' })).toBe(3);
  });

  it('adds a service from a new file, and rotates its token on an in-place write', async () => {
    await start();
    const file = join(dir, 'app.yaml');

    await writeFile(file, servicesFile({ app: { token: tok('old') } }));
    await until(tok('old'), 200);
    await writeFile(file, servicesFile({ app: { token: tok('new') } }));
    await until(tok('new'), 200);

    expect(await status(tok('old'))).toBe(403);
  });

  it('picks up a write-to-temp-then-rename update', async () => {
    await writeFile(join(dir, 'app.yaml'), servicesFile({ app: { token: tok('v1') } }));
    await start();

    await writeFile(join(dir, '.app.yaml.tmp'), servicesFile({ app: { token: tok('v2') } }));
    await rename(join(dir, '.app.yaml.tmp'), join(dir, 'app.yaml'));
    await until(tok('v2'), 200);

    expect(await status(tok('v1'))).toBe(403);
  });

  it('picks up an edit made with sed -i', async () => {
    await writeFile(join(dir, 'app.yaml'), servicesFile({ app: { token: tok('before') } }));
    await start();

    execFileSync('sed', ['-i', `s/${tok('before')}/${tok('after')}/`, join(dir, 'app.yaml')]);
    await until(tok('after'), 200);

    expect(await status(tok('before'))).toBe(403);
  });

  it('removes exactly the services of a file renamed away, whatever the file is called', async () => {
    await writeFile(
      join(dir, 'other-name.yaml'),
      servicesFile({ svcx: { token: tok('x') }, svcy: { token: tok('y') } }),
    );
    await writeFile(join(dir, 'keep.yaml'), servicesFile({ keep: { token: tok('keep') } }));
    await start();

    await rename(join(dir, 'other-name.yaml'), join(root, 'moved-out.yaml'));
    await until(tok('x'), 403);

    expect(await status(tok('y'))).toBe(403);
    expect(await status(tok('keep'))).toBe(200);
    expect(await status(tok('static1'))).toBe(200);
  });

  it('follows a Kubernetes ConfigMap update (the ..data symlink swap)', async () => {
    const v1 = join(dir, '..2026_11_25_10_00_00.000000001');
    await mkdir(v1);
    await writeFile(join(v1, 'app.yaml'), servicesFile({ app: { token: tok('cm1') } }));
    await symlink('..2026_11_25_10_00_00.000000001', join(dir, '..data'));
    await symlink('..data/app.yaml', join(dir, 'app.yaml'));
    await start();
    expect(await status(tok('cm1'))).toBe(200);

    const v2 = join(dir, '..2026_11_25_10_05_00.000000002');
    await mkdir(v2);
    await writeFile(join(v2, 'app.yaml'), servicesFile({ app: { token: tok('cm2') } }));
    await symlink('..2026_11_25_10_05_00.000000002', join(dir, '..data_tmp'));
    await rename(join(dir, '..data_tmp'), join(dir, '..data'));
    await rm(v1, { recursive: true });
    await until(tok('cm2'), 200);

    expect(await status(tok('cm1'))).toBe(403);
  });

  it('keeps the previous definition when a file becomes invalid, and logs the file and key', async () => {
    const file = join(dir, 'app.yaml');
    await writeFile(file, servicesFile({ app: { token: tok('good') } }));
    await start();

    await writeFile(file, servicesFile({ app: { token: tok('bad'), role: 'not-an-arn' } }));
    await untilReloads('failure', 1);
    const rejected = t.logs
      .lines()
      .find(
        (l) => l.msg === 'dynamic file rejected; its previous definition (if any) stays in force',
      );

    expect(await status(tok('good'))).toBe(200);
    expect(await status(tok('bad'))).toBe(403);
    expect(rejected?.file).toBe(file);
    expect(JSON.stringify(rejected?.issues)).toContain('services.app.assumed_role.RoleArn');
    expect(t.logs.text()).not.toContain(tok('bad'));
    expect(t.logs.text()).not.toContain(tok('good'));
  });

  it('keeps the previous definition when a file turns into malformed YAML', async () => {
    const file = join(dir, 'app.yaml');
    await writeFile(file, servicesFile({ app: { token: tok('good') } }));
    await start();

    await writeFile(file, 'services:\n  app: [unclosed\n');
    await untilReloads('failure', 1);

    expect(await status(tok('good'))).toBe(200);
  });

  it('never lets a dynamic file shadow or remove a static service', async () => {
    await start();

    await writeFile(join(dir, 'static1.yaml'), servicesFile({ static1: { token: tok('shadow') } }));
    await eventually(() => t.logs.text().includes('dynamic service static1 ignored'), 15_000, 100);
    const shadow = await status(tok('shadow'));
    await unlink(join(dir, 'static1.yaml'));
    await untilReloads('success', 2);

    expect(shadow).toBe(403);
    expect(await status(tok('static1'))).toBe(200);
  });

  it('gives a contested name to the first file, and to the second once the first goes away', async () => {
    await writeFile(join(dir, 'first.yaml'), servicesFile({ shared: { token: tok('first') } }));
    await start();

    await writeFile(join(dir, 'second.yaml'), servicesFile({ shared: { token: tok('second') } }));
    await eventually(() => t.logs.text().includes('dynamic service shared ignored'), 15_000, 100);
    const secondWhileFirst = await status(tok('second'));
    await unlink(join(dir, 'first.yaml'));
    await until(tok('second'), 200);

    expect(secondWhileFirst).toBe(403);
    expect(await status(tok('first'))).toBe(403);
  });

  it('rejects a file that reuses a token another service holds', async () => {
    await start();

    await writeFile(join(dir, 'thief.yaml'), servicesFile({ thief: { token: tok('static1') } }));
    await untilReloads('failure', 1);
    const body = (await (await t.get('/v1/credentials', tok('static1'))).json()) as {
      RoleArn: string;
    };

    expect(body.RoleArn).toBe(staticService.role.roleArn);
    expect(t.logs.text()).not.toContain(tok('static1'));
  });

  it('fetches new credentials when the role changes and never serves the old set for it', async () => {
    const file = join(dir, 'app.yaml');
    await writeFile(file, servicesFile({ app: { token: tok('app'), role: ROLE('first-role') } }));
    await start();

    await writeFile(file, servicesFile({ app: { token: tok('app'), role: ROLE('second-role') } }));
    await eventually(
      async () => {
        const response = await t.get('/v1/credentials', tok('app'));
        if (response.status !== 200) return false;
        return ((await response.json()) as { RoleArn: string }).RoleArn === ROLE('second-role');
      },
      15_000,
      100,
    );

    expect(
      await t.metric('credproxy_sts_calls_total', { service: 'app', outcome: 'success' }),
    ).toBe(2);
  });

  it('ignores hidden, swap and backup files', async () => {
    await start();

    await writeFile(join(dir, '.hidden.yaml'), servicesFile({ h1: { token: tok('h1') } }));
    await writeFile(join(dir, 'app.yaml.swp'), servicesFile({ h2: { token: tok('h2') } }));
    await writeFile(join(dir, 'app.yaml~'), servicesFile({ h3: { token: tok('h3') } }));
    await writeFile(join(dir, 'visible.yaml'), servicesFile({ v: { token: tok('v') } }));
    await until(tok('v'), 200);

    expect(await status(tok('h1'))).toBe(403);
    expect(await status(tok('h2'))).toBe(403);
    expect(await status(tok('h3'))).toBe(403);
  });

  it('reports a missing directory and reads it once it appears', async () => {
    await rm(dir, { recursive: true });
    await start();

    await mkdir(dir);
    await writeFile(join(dir, 'late.yaml'), servicesFile({ late: { token: tok('late') } }));
    await until(tok('late'), 200);

    expect(t.logs.text()).toContain(MISSING);
  });

  it('serves a file written into a directory deleted and created again, within reload_interval and a second or two', async () => {
    await start();
    await rm(dir, { recursive: true });
    await eventually(() => t.logs.text().includes(MISSING), 15_000, 100);
    await mkdir(dir);
    await pause(1_500);

    await writeFile(join(dir, 'back.yaml'), servicesFile({ back: { token: tok('back') } }));
    const started = performance.now();
    await until(tok('back'), 200);

    // reload_interval (1 s), the next presence check (1 s), the first AssumeRole on moto.
    expect(performance.now() - started).toBeLessThan(3_500);
  });

  it('warns again when a directory that came back disappears a second time', async () => {
    await start();
    await rm(dir, { recursive: true });
    await eventually(() => t.logs.text().includes(MISSING), 15_000, 100);
    await mkdir(dir);
    await writeFile(join(dir, 'back.yaml'), servicesFile({ back: { token: tok('back') } }));
    await until(tok('back'), 200);

    await rm(dir, { recursive: true });
    await until(tok('back'), 403);

    expect(t.logs.lines().filter((l) => String(l.msg).endsWith(MISSING))).toHaveLength(2);
  });
});
