import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { composeProblems, shippedComposeProblems } from './composeRules.js';
import { finalStage, onlyInstruction, parseDockerfile, toHealthcheck } from './dockerfile.js';

const REPO = resolve(import.meta.dirname, '../..');
const COMPOSE = join(REPO, 'docker-compose.yaml');

/** The parts of the compose file the mutations below touch. */
interface ComposeService {
  image?: string;
  user?: string;
  secrets: string[];
  environment: Record<string, string>;
  healthcheck: { test: string[] };
  depends_on: Record<string, unknown>;
}
interface Compose {
  services: { credproxy: ComposeService; app: ComposeService; 'secrets-init': ComposeService };
}

describe('docker-compose.yaml', () => {
  it('runs the app next to credproxy the way the SDKs need it', () => {
    expect(composeProblems(COMPOSE)).toEqual([]);
  });

  it('works on Linux as written: uid 1338 reads its secrets, keys are files, apps wait for /ready, images are pinned', () => {
    expect(shippedComposeProblems(COMPOSE)).toEqual([]);
  });

  it.each([
    [
      'credproxy taking the secret straight from compose',
      (c: Compose) => {
        c.services.credproxy.secrets = ['app-token'];
      },
      'credproxy: compose secrets keep the host owner and mode 0600, unreadable by uid 1338',
    ],
    [
      'credproxy run as the host user',
      (c: Compose) => {
        c.services.credproxy.user = '${CREDPROXY_UID:-1338}:${CREDPROXY_GID:-1338}';
      },
      "credproxy: user must be the image's 1338:1338",
    ],
    [
      'keys in the environment',
      (c: Compose) => {
        c.services.credproxy.environment.AWS_SECRET_ACCESS_KEY = '${AWS_SECRET_ACCESS_KEY:-}';
      },
      'credproxy: AWS_SECRET_ACCESS_KEY must come from a file',
    ],
    [
      'a health check on /health',
      (c: Compose) => {
        c.services.credproxy.healthcheck.test[3] = 'http://127.0.0.1:1338/health';
      },
      'credproxy: the health check must probe /ready',
    ],
    [
      'an image on latest',
      (c: Compose) => {
        c.services.app.image = 'amazon/aws-cli:latest';
      },
      'app: image amazon/aws-cli:latest must be pinned to an exact version',
    ],
    [
      'a secret the init service does not copy',
      (c: Compose) => {
        c.services['secrets-init'].secrets.push('extra');
      },
      'secrets-init: must copy /run/secrets/extra to credproxy-secrets as 0400 1338:1338',
    ],
    [
      'credproxy not waiting for the copy',
      (c: Compose) => {
        c.services.credproxy.depends_on = {};
      },
      'credproxy: must depend on secrets-init with condition service_completed_successfully',
    ],
  ])('flags %s', (_case, mutate, problem) => {
    const compose = parse(readFileSync(COMPOSE, 'utf8')) as Compose;
    mutate(compose);
    const file = join(mkdtempSync(join(tmpdir(), 'credproxy-compose-')), 'docker-compose.yaml');
    writeFileSync(file, stringify(compose));

    expect(shippedComposeProblems(file)).toContain(problem);
  });

  it('builds credproxy from the Dockerfile and repeats its health check, on /ready', () => {
    const compose = parse(readFileSync(COMPOSE, 'utf8'));
    const dockerfile = parseDockerfile(readFileSync(join(REPO, 'Dockerfile'), 'utf8'));
    const healthcheck = toHealthcheck(onlyInstruction(finalStage(dockerfile), 'HEALTHCHECK'));

    expect(compose.services.credproxy.build).toBe('.');
    expect(compose.services.credproxy.healthcheck.test).toEqual([
      'CMD',
      ...healthcheck.command,
      'http://127.0.0.1:1338/ready',
    ]);
    expect(compose.services.credproxy.user).toBe('1338:1338');
  });

  it('reads the token from a git-ignored file, so no secret is ever committed', () => {
    const compose = parse(readFileSync(COMPOSE, 'utf8'));
    const files = Object.values(compose.secrets as Record<string, { file: string }>).map(
      (secret) => secret.file,
    );

    const ignored = spawnSync('git', ['check-ignore', ...files], { cwd: REPO, encoding: 'utf8' });

    expect(files.length).toBeGreaterThan(0);
    expect(ignored.stdout.trim().split('\n').sort()).toEqual([...files].sort());
  });

  it('pins every third-party image the repository names to an exact version', () => {
    const files = [
      'docker-compose.yaml',
      ...readdirSync(join(REPO, 'examples'), { recursive: true, encoding: 'utf8' })
        .filter((file) => /\.(ya?ml|md)$/.test(file))
        .map((file) => `examples/${file}`),
    ];
    const images = files.flatMap((file) =>
      [...readFileSync(join(REPO, file), 'utf8').matchAll(/\bimage: *([^\s#]+)/g)].map(
        (match) => `${file}: ${match[1]}`,
      ),
    );
    // Ours (built here) and the examples' placeholders for your own apps are not pulled.
    const pulled = images.filter((entry) => !/: (credproxy:local|my-[\w-]+)$/.test(entry));

    expect(pulled.length).toBeGreaterThanOrEqual(5);
    expect(pulled.filter((entry) => !/:v?\d+\.\d+\.\d+[\w.-]*$/.test(entry))).toEqual([]);
  });
});
