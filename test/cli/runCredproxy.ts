import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built binary: `npm test` builds it first (pretest). */
export const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
export const REPO = fileURLToPath(new URL('../..', import.meta.url));

export interface CliRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * What every child gets besides PATH: a binary that serves may call STS, so STS points at a
 * closed loopback port and instance metadata is off. Tests never send traffic off the machine.
 */
const OFFLINE_ENV = {
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:9',
};

/** Runs `node dist/main.js ...args` to completion with exactly `env` (plus PATH, offline). */
export function runCredproxy(args: readonly string[], env: Record<string, string> = {}): CliRun {
  const result = spawnSync(process.execPath, [MAIN, ...args], {
    cwd: REPO,
    env: { PATH: process.env.PATH ?? '', ...OFFLINE_ENV, ...env },
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Starts the binary and leaves it running (for signal tests). */
export function startCredproxy(
  args: readonly string[],
  env: Record<string, string> = {},
): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [MAIN, ...args], {
    cwd: REPO,
    env: { PATH: process.env.PATH ?? '', ...OFFLINE_ENV, ...env },
  });
}
