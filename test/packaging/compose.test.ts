import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { composeProblems } from './composeRules.js';
import { finalStage, onlyInstruction, parseDockerfile, toHealthcheck } from './dockerfile.js';

const REPO = resolve(import.meta.dirname, '../..');
const COMPOSE = join(REPO, 'docker-compose.yaml');

describe('docker-compose.yaml', () => {
  it('runs the app next to credproxy the way the SDKs need it', () => {
    expect(composeProblems(COMPOSE)).toEqual([]);
  });

  it('builds credproxy from the Dockerfile and repeats its health check exactly', () => {
    const compose = parse(readFileSync(COMPOSE, 'utf8'));
    const dockerfile = parseDockerfile(readFileSync(join(REPO, 'Dockerfile'), 'utf8'));
    const healthcheck = toHealthcheck(onlyInstruction(finalStage(dockerfile), 'HEALTHCHECK'));

    expect(compose.services.credproxy.build).toBe('.');
    expect(compose.services.credproxy.healthcheck.test).toEqual(['CMD', ...healthcheck.command]);
    expect(compose.services.credproxy.user).toBe('${CREDPROXY_UID:-1338}:${CREDPROXY_GID:-1338}');
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
});
