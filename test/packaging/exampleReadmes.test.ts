import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';

/**
 * Each example's README says how to validate it from a checkout. This runs that block as a
 * user would: from the root of a fresh copy (the example, tooling/new-token.sh, the built
 * dist/), with sh, an empty HOME and nothing else in the environment, and as an unprivileged
 * user (nobody) when the tests run as root, so nothing in it may need root or /run/secrets.
 */
const REPO = resolve(import.meta.dirname, '../..');
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
const HEADING = '## Validate it from a checkout';
const NOBODY = 65_534;

/** The first ```sh block after the heading, or undefined. */
function validateBlock(readme: string): string | undefined {
  const start = readme.indexOf(`\n${HEADING}\n`);
  if (start === -1) return undefined;
  return /```sh\n([\s\S]*?)```/.exec(readme.slice(start))?.[1];
}

const checkouts: string[] = [];
afterEach(() => {
  for (const dir of checkouts.splice(0)) rmSync(dir, { recursive: true, force: true });
});

beforeAll(() => {
  if (!existsSync(join(REPO, 'dist/main.js'))) {
    const build = spawnSync('npm', ['run', 'build'], { cwd: REPO, encoding: 'utf8' });
    if (build.status !== 0)
      throw new Error(`npm run build failed:\n${build.stdout}${build.stderr}`);
  }
}, 120_000);

/** A checkout holding one example: copies of what the block writes to, links to the rest. */
function checkout(example: string): string {
  const root = mkdtempSync(join(tmpdir(), 'credproxy-checkout-'));
  checkouts.push(root);
  cpSync(join(REPO, 'examples', example), join(root, 'examples', example), { recursive: true });
  mkdirSync(join(root, 'tooling'));
  cpSync(join(REPO, 'tooling/new-token.sh'), join(root, 'tooling/new-token.sh'));
  for (const linked of ['dist', 'node_modules', 'package.json', 'schema']) {
    symlinkSync(join(REPO, linked), join(root, linked));
  }
  return root;
}

/** Runs `script` with sh in `cwd`, as nobody when this process is root. */
function runAsUser(script: string, cwd: string) {
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: cwd };
  if (process.getuid?.() !== 0) {
    return spawnSync('sh', ['-eu', '-c', script], { cwd, env, encoding: 'utf8', timeout: 30_000 });
  }
  chownTree(cwd, NOBODY);
  const args = [
    `--reuid=${NOBODY}`,
    `--regid=${NOBODY}`,
    '--clear-groups',
    'sh',
    '-eu',
    '-c',
    script,
  ];
  return spawnSync('setpriv', args, { cwd, env, encoding: 'utf8', timeout: 30_000 });
}

function chownTree(dir: string, id: number): void {
  chmodSync(dir, 0o755);
  const list = spawnSync('find', [dir, '-xdev', '-not', '-type', 'l'], { encoding: 'utf8' });
  for (const path of list.stdout.split('\n').filter(Boolean)) chownSync(path, id, id);
}

describe('every example README: "Validate it from a checkout"', () => {
  it.each(EXAMPLES)(
    '%s: the block runs as written, without root, and validates with no warning',
    (example) => {
      const readme = readFileSync(join(REPO, 'examples', example, 'README.md'), 'utf8');
      const block = validateBlock(readme);
      const root = checkout(example);

      const run = runAsUser(block ?? 'exit 99', root);

      expect(block, `examples/${example}/README.md has no "${HEADING}" sh block`).toBeDefined();
      expect(run.status, `${run.stdout}${run.stderr}`).toBe(0);
      expect(run.stdout.trimEnd().split('\n').at(-1)).toMatch(/^OK: \d+ services? \(/);
      expect(run.stderr).toBe('');
    },
  );
});
