import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/loadConfig.js';
import {
  createDynamicServices,
  toDynamicServicesOptions,
} from '../../src/dynamic/createDynamicServices.js';
import { freePort } from '../helpers/moto.js';
import { copyExample, SECRET_REFERENCE, yamlFiles } from './exampleWorkspace.js';
import { fetchCredentials, startProcess, waitForHttp } from './processes.js';

/**
 * Every example config passes `--validate-only` with no warning. Examples read secrets from
 * /run/secrets/... as in a container, or from CREDPROXY_SECRETS_DIR; exampleWorkspace.ts copies
 * each example to a temp dir and creates the secrets there (see there). The environment
 * variables the examples require (no default in the config) are set here.
 */
const REPO = resolve(import.meta.dirname, '../..');
const EXAMPLES_DIR = join(REPO, 'examples');
const MAIN = join(REPO, 'dist/main.js');

const EXAMPLES = [
  'agent-sandbox',
  'basic',
  'dynamic',
  'jwt',
  'kubernetes',
  'metrics',
  'multi-role',
  'profile',
  'quickstart',
];

const EXAMPLE_ENV: Record<string, string> = {
  CREDPROXY_APP_ROLE_ARN: 'arn:aws:iam::111122223333:role/app',
  CREDPROXY_REPORTS_ROLE_ARN: 'arn:aws:iam::111122223333:role/reports',
  CREDPROXY_AUDIT_ROLE_ARN: 'arn:aws:iam::444455556666:role/audit',
  CREDPROXY_AUDIT_EXTERNAL_ID: 'audit-external-id-0123',
};

/** What the examples may see: the variables above and nothing from this machine's AWS setup. */
function exampleEnv(home: string): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, ...EXAMPLE_ENV };
}

const workspaces: string[] = [];
function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'credproxy-example-'));
  workspaces.push(dir);
  return dir;
}

beforeAll(() => {
  if (!existsSync(MAIN)) {
    const build = spawnSync('npm', ['run', 'build'], { cwd: REPO, encoding: 'utf8' });
    if (build.status !== 0)
      throw new Error(`npm run build failed:\n${build.stdout}${build.stderr}`);
  }
}, 120_000);

afterEach(() => {
  for (const dir of workspaces.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('examples/', () => {
  it('has exactly the documented examples, each with a README.md and a config.yaml', () => {
    const folders = readdirSync(EXAMPLES_DIR, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();

    expect(folders).toEqual(EXAMPLES);
    for (const example of EXAMPLES) {
      expect(existsSync(join(EXAMPLES_DIR, example, 'README.md')), example).toBe(true);
      expect(existsSync(join(EXAMPLES_DIR, example, 'config.yaml')), example).toBe(true);
    }
  });

  it.each(EXAMPLES)('%s/config.yaml passes --validate-only with no warning', (example) => {
    const dir = workspace();
    const copy = copyExample(join(EXAMPLES_DIR, example), dir);

    const result = spawnSync(
      process.execPath,
      [MAIN, '--config', join(copy.dir, 'config.yaml'), '--validate-only', '--format', 'json'],
      { env: { ...exampleEnv(dir), ...copy.env }, encoding: 'utf8' },
    );

    expect(result.status, `${result.stdout}${result.stderr}`).toBe(0);
    const report = JSON.parse(result.stdout) as { ok: boolean; warnings: unknown[] };
    expect(report.ok).toBe(true);
    expect(report.warnings).toEqual([]);
  });

  it.each([
    ['dynamic', ['billing-api', 'billing-jobs', 'frontend', 'search']],
    ['kubernetes', ['orders-api', 'orders-worker']],
  ])('%s: every dynamic service file loads, with no conflict', async (example, expected) => {
    const dir = workspace();
    const copy = copyExample(join(EXAMPLES_DIR, example), dir);
    const env = { ...exampleEnv(dir), ...copy.env };
    const { config } = await loadConfig(join(copy.dir, 'config.yaml'), env);

    const dynamic = createDynamicServices(toDynamicServicesOptions(config, env));
    const report = await dynamic.rescan();

    expect(report.rejected).toEqual([]);
    expect(report.conflicts).toEqual([]);
    expect(report.missingDirectories).toEqual([]);
    expect(report.warnings).toEqual([]);
    expect(
      dynamic
        .services()
        .map((service) => service.name)
        .sort(),
    ).toEqual(expected);
  });

  it('reads every token from a file under /run/secrets or CREDPROXY_SECRETS_DIR, except the quickstart demo token', () => {
    const tokens = yamlFiles(EXAMPLES_DIR)
      .filter((file) => !file.includes('/quickstart/'))
      .flatMap((file) => authTokensIn(parse(readFileSync(file, 'utf8'))).map((t) => [file, t]));

    expect(tokens.length).toBeGreaterThan(5);
    for (const [file, token] of tokens) {
      expect(token, file).toMatch(new RegExp(`^${SECRET_REFERENCE.source}$`));
    }
  });
});

describe('examples/quickstart', () => {
  const config = parse(readFileSync(join(EXAMPLES_DIR, 'quickstart/config.yaml'), 'utf8'));

  it('is what npm start runs, with the node flags of the image and of the bin', () => {
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
    const dockerfile = readFileSync(join(REPO, 'Dockerfile'), 'utf8');
    const shebang = readFileSync(join(REPO, 'src/main.ts'), 'utf8').split('\n')[0];

    expect(pkg.scripts.start).toBe(
      'node --max-semi-space-size=2 dist/main.js --config examples/quickstart/config.yaml',
    );
    expect(dockerfile).toContain(
      'ENTRYPOINT ["node", "--max-semi-space-size=2", "/app/dist/main.js"]',
    );
    expect(shebang).toBe('#!/usr/bin/env -S node --max-semi-space-size=2');
  });

  it('binds loopback 1338 and 9090 unless CREDPROXY_PORT/CREDPROXY_METRICS_PORT say otherwise, uses the default chain and a marked demo token', () => {
    const service = config.services.quickstart;
    const demoToken = /^\$\{fromEnv:CREDPROXY_QUICKSTART_TOKEN:-(demo-only-[0-9a-f]{32})\}$/.exec(
      service.auth_token,
    );

    expect(config.server).toEqual({ host: '127.0.0.1', port: '${fromEnv:CREDPROXY_PORT:-1338}' });
    expect(config.metrics.prometheus).toEqual({
      enabled: true,
      host: '127.0.0.1',
      port: '${fromEnv:CREDPROXY_METRICS_PORT:-9090}',
    });
    expect(service.source_credentials).toEqual({});
    expect(service.assumed_role.RoleArn).toBe(
      '${fromEnv:CREDPROXY_QUICKSTART_ROLE_ARN:-arn:aws:iam::123456789012:role/credproxy-quickstart}',
    );
    expect(demoToken?.[1]?.length).toBeGreaterThanOrEqual(42);
  });

  it('starts on a machine without AWS credentials and answers 503 NO_SOURCE_CREDENTIALS', async () => {
    const dir = workspace();
    const port = await freePort();
    const metricsPort = await freePort();
    const file = join(EXAMPLES_DIR, 'quickstart/config.yaml');
    const token = /demo-only-[0-9a-f]{32}/.exec(readFileSync(file, 'utf8'))![0];
    // The file as it is, moved by its variables: 1338 and 9090 may be taken on this machine.
    const server = startProcess(process.execPath, [MAIN, '--config', file], {
      ...exampleEnv(dir),
      CREDPROXY_PORT: String(port),
      CREDPROXY_METRICS_PORT: String(metricsPort),
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    try {
      await waitForHttp(`http://127.0.0.1:${port}/health`, 10_000);

      const response = await fetchCredentials(`http://127.0.0.1:${port}`, token);
      const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);

      expect(response.status, server.output()).toBe(503);
      expect(response.body.code).toBe('NO_SOURCE_CREDENTIALS');
      expect(metrics.status).toBe(200);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  }, 30_000);
});

describe('examples/agent-sandbox', () => {
  const dir = join(EXAMPLES_DIR, 'agent-sandbox');
  const compose = parse(readFileSync(join(dir, 'docker-compose.yaml'), 'utf8'));
  const config = parse(readFileSync(join(dir, 'config.yaml'), 'utf8'));

  it("gives the agent base URLs on credproxy's routes and its token, never an API key", () => {
    const agent = compose.services.agent;
    const routes = Object.values(config.proxy.routes as Record<string, { path: string }>);

    expect(agent.network_mode).toBe('service:credproxy');
    expect(Object.keys(agent.environment).every((name) => name.endsWith('_URL'))).toBe(true);
    for (const url of Object.values(agent.environment as Record<string, string>)) {
      expect(
        routes.some((route) => url.startsWith(`http://127.0.0.1:1339${route.path}`)),
        url,
      ).toBe(true);
    }
    // secrets-init copies the agent's token alone into the agent's volume, and every key
    // into credproxy's (both read-only where mounted).
    const init = compose.services['secrets-init'];
    expect(init.secrets.sort()).toEqual([
      'agent-token',
      'anthropic-key',
      'github-token',
      'openai-key',
    ]);
    expect(init.command.join(' ')).toMatch(
      /-o 1000 -g 1000 -t \/out\/agent \/run\/secrets\/agent-token$/,
    );
    expect(agent.secrets).toBeUndefined();
    expect(agent.volumes).toEqual(['agent-secrets:/run/secrets:ro']);
    expect(compose.services.credproxy.volumes).toContain('credproxy-secrets:/run/secrets:ro');
  });

  it('keeps every secret file git-ignored', () => {
    const files = Object.values(compose.secrets as Record<string, { file: string }>).map((s) =>
      join(dir, s.file),
    );

    const ignored = spawnSync('git', ['check-ignore', ...files], { cwd: REPO, encoding: 'utf8' });

    expect(ignored.stdout.trim().split('\n').sort()).toEqual([...files].sort());
  });
});

describe('examples/kubernetes', () => {
  const dir = join(EXAMPLES_DIR, 'kubernetes');
  const deployment = parse(readFileSync(join(dir, 'deployment.yaml'), 'utf8'));
  const kustomization = parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8'));
  const config = parse(readFileSync(join(dir, 'config.yaml'), 'utf8'));
  const pod = deployment.spec.template;
  const sidecar = pod.spec.initContainers.find((c: { name: string }) => c.name === 'credproxy');
  const apps: {
    name: string;
    env: { name: string; value: string }[];
    volumeMounts: { name: string; mountPath: string }[];
  }[] = pod.spec.containers;

  it('runs credproxy as a hardened native sidecar with exec probes on /health and /ready', () => {
    const probe = (name: string) => sidecar[name].exec.command.join(' ');

    expect(sidecar.restartPolicy).toBe('Always');
    expect(sidecar.args).toEqual(['--config', '/credproxy/config.yaml']);
    expect(sidecar.securityContext).toMatchObject({
      runAsUser: 1338,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(probe('livenessProbe')).toBe('node /app/healthcheck.mjs http://127.0.0.1:1338/health');
    expect(probe('startupProbe')).toBe('node /app/healthcheck.mjs http://127.0.0.1:1338/health');
    expect(probe('readinessProbe')).toBe('node /app/healthcheck.mjs http://127.0.0.1:1338/ready');
    expect(config.server).toEqual({ host: '127.0.0.1', port: 1338 });
  });

  it('gives each app FULL_URI and its own token file, and keeps IRSA out of the apps', () => {
    const names = apps.map((app) => app.name);

    expect(pod.metadata.annotations['eks.amazonaws.com/skip-containers'].split(',')).toEqual(names);
    for (const app of apps) {
      const env = Object.fromEntries(app.env.map((e) => [e.name, e.value]));
      const tokenMount = app.volumeMounts.find((m) =>
        env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE?.startsWith(`${m.mountPath}/`),
      );
      const volume = pod.spec.volumes.find((v: { name: string }) => v.name === tokenMount?.name);

      expect(env.AWS_CONTAINER_CREDENTIALS_FULL_URI, app.name).toBe(
        'http://127.0.0.1:1338/v1/credentials',
      );
      expect(env, app.name).not.toHaveProperty('AWS_CONTAINER_CREDENTIALS_RELATIVE_URI');
      expect(volume?.secret.items, app.name).toEqual([{ key: app.name, path: 'token' }]);
    }
  });

  it('builds its ConfigMaps and Secret from the files in the folder, every dynamic file included', () => {
    const generator = (name: string) =>
      kustomization.configMapGenerator.find((g: { name: string }) => g.name === name);
    const tokens = kustomization.secretGenerator[0].files.map((f: string) => f.split('=')[0]);
    const dynamicFiles = readdirSync(join(dir, 'dynamic')).map((f) => `dynamic/${f}`);

    expect(generator('credproxy-config').files).toEqual(['config.yaml']);
    expect(generator('credproxy-dynamic').files.sort()).toEqual(dynamicFiles.sort());
    expect(tokens.sort()).toEqual(apps.map((app) => app.name).sort());
    for (const resource of kustomization.resources) {
      expect(existsSync(join(dir, resource)), resource).toBe(true);
    }
  });
});

describe('examples/metrics', () => {
  it('names only metrics a running credproxy exposes, and charts every credproxy metric', async () => {
    const dir = workspace();
    const copy = copyExample(join(EXAMPLES_DIR, 'metrics'), dir);
    const port = await freePort();
    const metricsPort = await freePort();
    const file = join(copy.dir, 'config.yaml');
    writeFileSync(
      file,
      readFileSync(file, 'utf8')
        .replace('port: 1338', `port: ${port}`)
        .replace('host: 0.0.0.0', 'host: 127.0.0.1')
        .replace('port: 9090', `port: ${metricsPort}`),
    );
    const server = startProcess(process.execPath, [MAIN, '--config', file], {
      ...exampleEnv(dir),
      ...copy.env,
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    let exposition: string;
    try {
      await waitForHttp(`http://127.0.0.1:${metricsPort}/metrics`, 10_000);
      exposition = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    const exposed = exposedSeries(exposition);
    const dashboard = readFileSync(join(EXAMPLES_DIR, 'metrics/grafana-dashboard.json'), 'utf8');
    const alerts = readFileSync(join(EXAMPLES_DIR, 'metrics/alerts.yml'), 'utf8');

    const used = (text: string) =>
      new Set(text.match(/\b(?:credproxy|process|nodejs)_[a-z0-9_]+/g));
    const unknown = [...used(dashboard), ...used(alerts)].filter((name) => !exposed.has(name));
    const families = exposition.match(/^# TYPE credproxy_[a-z0-9_]+/gm) ?? [];
    const uncharted = families
      .map((line) => line.slice('# TYPE '.length))
      .filter((name) => ![...used(dashboard)].some((series) => series.startsWith(name)));

    expect(unknown).toEqual([]);
    expect(families.length).toBeGreaterThanOrEqual(9);
    expect(uncharted).toEqual([]);
  }, 30_000);
});

/** Series names an exposition can hold: each family, and a histogram's _bucket/_sum/_count. */
function exposedSeries(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, type] of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name!);
    if (type === 'histogram' || type === 'summary') {
      for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${name}${suffix}`);
    }
  }
  return names;
}

function authTokensIn(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(authTokensIn);
  if (typeof node !== 'object' || node === null) return [];
  return Object.entries(node).flatMap(([key, value]) =>
    key === 'auth_token' && typeof value === 'string' ? [value] : authTokensIn(value),
  );
}
