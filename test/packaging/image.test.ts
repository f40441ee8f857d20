import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { freePort, type Moto, motoEnv, startMoto } from '../helpers/moto.js';
import { hasMoto, REQUIRE_ALL } from '../helpers/requireTool.js';
import {
  finalStage,
  instructionsOf,
  isDockerIgnored,
  onlyInstruction,
  parseDockerfile,
  toCopy,
  toMilliseconds,
} from './dockerfile.js';
import {
  fetchCredentials,
  imageEnv,
  runInImage,
  snapshotTree,
  startInImage,
  waitUntil,
} from './processes.js';
import {
  apparentSize,
  contextFiles,
  OfflineError,
  type ReplayedImage,
  readText,
  replayImage,
} from './replayImage.js';

const REPO = resolve(import.meta.dirname, '../..');
const dockerfile = parseDockerfile(readText(join(REPO, 'Dockerfile')));
const dockerignore = readText(join(REPO, '.dockerignore'));
const packageJson = JSON.parse(readText(join(REPO, 'package.json'))) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

describe('Dockerfile', () => {
  it('runs on Node 24 LTS as uid 1338, exposes 1338 and 9090, and starts node directly', () => {
    const runtime = finalStage(dockerfile);

    expect(runtime.image).toMatch(
      /^node:24-(bookworm-slim|alpine)|^node:24\.\d+\.\d+-bookworm-slim/,
    );
    expect(onlyInstruction(runtime, 'USER').args).toBe('1338:1338');
    expect(onlyInstruction(runtime, 'EXPOSE').args).toBe('1338 9090');
    expect(JSON.parse(onlyInstruction(runtime, 'ENTRYPOINT').args)).toEqual([
      'node',
      '--max-semi-space-size=2',
      '/app/dist/main.js',
    ]);
    expect(JSON.parse(onlyInstruction(runtime, 'CMD').args)).toEqual([
      '--config',
      '/credproxy/config.yaml',
    ]);
  });

  it('builds every stage from one exact Node release, the one compose secrets-init runs', () => {
    const compose = parseYaml(readText(join(REPO, 'docker-compose.yaml'))) as {
      services: Record<string, { image?: string }>;
    };
    const images = new Set(dockerfile.stages.map((stage) => stage.image));

    expect([...images]).toEqual([expect.stringMatching(/^node:24\.\d+\.\d+-bookworm-slim$/)]);
    expect(compose.services['secrets-init']?.image).toBe([...images][0]);
  });

  it('drops npm, npx, corepack and yarn from the runtime image', () => {
    const removed = instructionsOf(finalStage(dockerfile), 'RUN')
      .flatMap((run) => run.args.split('&&'))
      .map((command) => command.trim().split(/\s+/))
      .filter(([program, flags]) => program === 'rm' && flags === '-rf')
      .flatMap((words) => words.slice(2));

    expect(removed).toEqual(
      expect.arrayContaining([
        '/usr/local/lib/node_modules/npm',
        '/usr/local/lib/node_modules/corepack',
        '/usr/local/bin/npm',
        '/usr/local/bin/npx',
        '/usr/local/bin/corepack',
        '/usr/local/bin/yarn',
        '/usr/local/bin/yarnpkg',
        '/opt/yarn-v*',
      ]),
    );
  });

  it('has a HEALTHCHECK that needs nothing but node', () => {
    const healthcheck = onlyInstruction(finalStage(dockerfile), 'HEALTHCHECK').args;

    expect(healthcheck).toMatch(/CMD \["node", "\/app\/healthcheck\.mjs"\]$/);
    expect(healthcheck).not.toMatch(/curl|wget|lprobe/);
  });

  it('copies only files a clean clone has and .dockerignore lets through', () => {
    const context = contextFiles(REPO, dockerignore);
    const sources = dockerfile.stages
      .flatMap((stage) => instructionsOf(stage, 'COPY').map(toCopy))
      .filter((copy) => copy.from === undefined)
      .flatMap((copy) => copy.sources);

    const missing = sources.filter(
      (source) => ![...context].some((file) => file === source || file.startsWith(`${source}/`)),
    );

    expect(sources.length).toBeGreaterThan(0);
    expect(missing).toEqual([]);
  });

  it('keeps secrets, tests, examples, node_modules, dist and .git out of the build context', () => {
    const ignored = [
      '.git/config',
      'node_modules/yaml/package.json',
      'dist/main.js',
      'test/packaging/image.test.ts',
      'examples/basic/config.yaml',
      'examples/basic/secrets/app-token',
      'examples/basic/secrets/aws-credentials',
      'docs/deployment.md',
      'tooling/cloudformation/credproxy-roles.yaml',
    ];

    expect(ignored.filter((path) => !isDockerIgnored(path, dockerignore))).toEqual([]);
  });
});

describe('the image, replayed stage by stage without a Docker engine', () => {
  let workspace: string;
  let image: ReplayedImage | undefined;
  let skipReason: string | undefined;

  beforeAll(() => {
    workspace = mkdtempSync(join(tmpdir(), 'credproxy-image-'));
    // The replayed root must be readable by uid 1338, as the image's files are.
    chmodSync(workspace, 0o755);
    try {
      image = replayImage(dockerfile, {
        repo: REPO,
        context: contextFiles(REPO, dockerignore),
        into: workspace,
      });
    } catch (error) {
      if (!(error instanceof OfflineError) || REQUIRE_ALL) throw error;
      skipReason = `the npm registry is unreachable, so the image's npm ci cannot run: ${error.message.slice(0, 200)}`;
      console.warn(`SKIPPED: ${skipReason}`);
    }
  }, 600_000);

  afterAll(() => {
    rmSync(workspace, { recursive: true, force: true });
  });

  function replayed(skip: (note?: string) => void): ReplayedImage {
    if (!image) skip(skipReason);
    return image!;
  }

  it('installs the production dependencies only, from the lockfile', ({ skip }) => {
    const built = replayed(skip);
    const modules = join(built.root, built.workdir, 'node_modules');

    const size = apparentSize(modules);
    const installed = readdirSync(modules);
    console.log(
      `production install: node_modules is ${(size / 1e6).toFixed(1)} MB (du -sb), ${installed.length} top-level entries`,
    );

    for (const name of Object.keys(packageJson.dependencies)) {
      expect(existsSync(join(modules, name, 'package.json')), name).toBe(true);
    }
    // A devDependency that a production dependency also needs (the lockfile does not mark it
    // dev, e.g. @smithy/signature-v4 under the AWS SDK) is rightly installed.
    const lock = JSON.parse(readText(join(REPO, 'package-lock.json'))) as {
      packages: Record<string, { dev?: boolean }>;
    };
    for (const name of Object.keys(packageJson.devDependencies)) {
      if (lock.packages[`node_modules/${name}`]?.dev !== true) continue;
      expect(existsSync(join(modules, name)), `${name} is a devDependency`).toBe(false);
    }
    expect(built.runs.deps).toContain('npm ci --omit=dev --ignore-scripts --no-audit --no-fund');
    // A guard against a dev tool sneaking into dependencies (typescript alone is ~20 MB).
    expect(size).toBeLessThan(40e6);
  });

  it('ships the compiled app, the schema, package.json and the health probe', ({ skip }) => {
    const built = replayed(skip);
    const app = join(built.root, '/app');

    expect(readdirSync(app).sort()).toEqual(
      ['dist', 'healthcheck.mjs', 'node_modules', 'package.json', 'schema'].sort(),
    );
    expect(existsSync(join(app, 'dist/main.js'))).toBe(true);
    expect(existsSync(join(app, 'schema/credproxy.schema.json'))).toBe(true);
    expect(built.users).toEqual([{ name: 'credproxy', uid: 1338, gid: 1338 }]);
    expect(built.env.CREDPROXY_CONFIG_FILE).toBe('/credproxy/config.yaml');
  });

  it('fails its health check when nothing listens', async ({ skip }) => {
    const built = replayed(skip);
    const port = await freePort();

    const probe = runHealthcheck(built, port);

    expect(probe.status).toBe(1);
    expect(probe.output).toContain('unhealthy');
  });

  it('validates the mounted config with `docker run IMAGE --validate-only`', async ({ skip }) => {
    const built = replayed(skip);
    writeConfig(built, await configFor({}));

    const good = runInImage(
      built,
      [...built.entrypoint, '--validate-only'],
      serverEnv(built, {}),
      20_000,
    );
    writeFileSync(join(built.root, '/credproxy/config.yaml'), 'services: {}\n');
    const bad = runInImage(
      built,
      [...built.entrypoint, '--validate-only'],
      serverEnv(built, {}),
      20_000,
    );

    expect(good.status, good.output).toBe(0);
    expect(bad.status, bad.output).toBe(1);
  });

  describe('running as the image runs', () => {
    let moto: Moto | undefined;
    const motoCheck = hasMoto();

    beforeAll(async () => {
      if (motoCheck.available) moto = await startMoto();
    });

    afterAll(async () => {
      await moto?.stop();
    });

    it('passes its health check, serves credentials, writes nothing and drains on SIGTERM', async ({
      skip,
    }) => {
      const built = replayed(skip);
      const config = await configFor({ moto: moto !== undefined });
      writeConfig(built, config);
      const before = snapshotTree(built.root);
      const healthcheck = built.healthcheck!;
      const startPeriodMs = toMilliseconds(healthcheck.options['start-period'] ?? '0s');

      const server = startInImage(
        built,
        [...built.entrypoint, ...built.cmd],
        serverEnv(built, moto ? motoEnv(moto) : {}),
      );
      try {
        const healthy = await waitUntil(
          () => runHealthcheck(built, config.port).status === 0,
          startPeriodMs,
        );
        expect(healthy, server.output()).toBe(true);

        const anonymous = await fetch(`http://127.0.0.1:${config.port}/v1/credentials`);
        expect(anonymous.status).toBe(401);
        const { status, body } = await fetchCredentials(
          `http://127.0.0.1:${config.port}`,
          config.token,
        );
        if (moto) {
          expect(status, server.output()).toBe(200);
          expect(body.AccessKeyId).toMatch(/^ASIA/);
        } else {
          // No moto on this machine: no source credentials, so a 503 that names why.
          expect(status).toBe(503);
          expect(body.code).toBe('NO_SOURCE_CREDENTIALS');
        }
        const metrics = await fetch(`http://127.0.0.1:${config.metricsPort}/metrics`);
        expect(await metrics.text()).toContain('credproxy_info{version=');

        server.child.kill('SIGTERM');
        const exit = await Promise.race([
          server.exited,
          new Promise((resolve) => setTimeout(() => resolve('still running'), 10_000)),
        ]);
        expect(exit, server.output()).toBe(0);
        expect(runHealthcheck(built, config.port).status).toBe(1);
        expect(snapshotTree(built.root)).toEqual(before);
      } finally {
        server.child.kill('SIGKILL');
      }
    }, 60_000);
  });
});

interface TestConfig {
  readonly yaml: string;
  readonly token: string;
  readonly port: number;
  readonly metricsPort: number;
}

async function configFor(options: { moto?: boolean }): Promise<TestConfig> {
  const port = await freePort();
  const metricsPort = await freePort();
  const token = randomBytes(24).toString('hex');
  const yaml = [
    `server: { host: 127.0.0.1, port: ${port} }`,
    `metrics: { prometheus: { enabled: true, host: 127.0.0.1, port: ${metricsPort} } }`,
    'aws_defaults: { region: us-east-1 }',
    'services:',
    '  app:',
    `    auth_token: ${token}`,
    '    source_credentials: {}',
    '    assumed_role:',
    `      RoleArn: arn:aws:iam::123456789012:role/${options.moto ? 'app' : 'no-source'}`,
    '',
  ].join('\n');
  return { yaml, token, port, metricsPort };
}

/** Stands for the read-only bind mount of the config at /credproxy/config.yaml. */
function writeConfig(image: ReplayedImage, config: TestConfig): void {
  writeFileSync(join(image.root, '/credproxy/config.yaml'), config.yaml, { mode: 0o644 });
}

/**
 * The container's environment: the image's ENV, no AWS credentials and no instance metadata
 * (a fresh container on a laptop), plus `extra` (moto's endpoint and dummy keys).
 */
function serverEnv(image: ReplayedImage, extra: Record<string, string>): Record<string, string> {
  return imageEnv(image, {
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: join(image.root, '/nonexistent/config'),
    AWS_SHARED_CREDENTIALS_FILE: join(image.root, '/nonexistent/credentials'),
    AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:9',
    ...extra,
  });
}

/** The HEALTHCHECK command, as Docker runs it inside the container, bounded by its --timeout. */
function runHealthcheck(
  image: ReplayedImage,
  port: number,
): { status: number | null; output: string } {
  const healthcheck = image.healthcheck;
  if (!healthcheck) throw new Error('the image has no HEALTHCHECK');
  const timeoutMs = toMilliseconds(healthcheck.options.timeout ?? '30s');
  // The one difference from the image: the test cannot own port 1338, so it says where to look.
  const env = imageEnv(image, { CREDPROXY_HEALTHCHECK_URL: `http://127.0.0.1:${port}/health` });
  return runInImage(image, healthcheck.command, env, timeoutMs);
}
