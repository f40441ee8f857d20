import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type ReplayedImage, toHostPath } from './replayImage.js';

/** A process started from the replayed image, with its output kept for failure messages. */
export interface Running {
  readonly child: ChildProcess;
  output(): string;
  /** Resolves with the exit code (or the signal name) once the process has ended. */
  readonly exited: Promise<number | string>;
}

/** The uid/gid of `USER 1338:1338`, applied when this test runs as root (as CI does). */
export function imageIdentity(image: ReplayedImage): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0 || image.user === undefined) return {};
  const [uid, gid] = image.user.split(':').map(Number);
  if (uid === undefined || Number.isNaN(uid)) return {};
  return { uid, ...(gid === undefined || Number.isNaN(gid) ? {} : { gid }) };
}

/** The image's ENV with its absolute paths moved into the replayed root, plus `extra`. */
export function imageEnv(
  image: ReplayedImage,
  extra: Record<string, string>,
): Record<string, string> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
  for (const [key, value] of Object.entries(image.env)) env[key] = toHostPath(image, value);
  return { ...env, ...extra };
}

/** argv as the image runs it: `node` is this Node, absolute paths live in the replayed root. */
export function toArgv(image: ReplayedImage, words: readonly string[]): [string, string[]] {
  const [program, ...args] = words;
  if (program !== 'node') throw new Error(`the image runs ${program}, not node`);
  return [process.execPath, args.map((word) => toHostPath(image, word))];
}

export function startInImage(
  image: ReplayedImage,
  words: readonly string[],
  env: Record<string, string>,
): Running {
  const [command, args] = toArgv(image, words);
  const child = spawn(command, args, {
    cwd: join(image.root, image.workdir),
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...imageIdentity(image),
  });
  return track(child);
}

export function runInImage(
  image: ReplayedImage,
  words: readonly string[],
  env: Record<string, string>,
  timeoutMs: number,
): { status: number | null; output: string } {
  const [command, args] = toArgv(image, words);
  const result = spawnSync(command, args, {
    cwd: join(image.root, image.workdir),
    env,
    encoding: 'utf8',
    timeout: timeoutMs,
    ...imageIdentity(image),
  });
  return { status: result.status, output: `${result.stdout ?? ''}${result.stderr ?? ''}` };
}

/** Every file under `root` with its size and modification time, to prove nothing was written. */
export function snapshotTree(root: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (directory: string) => {
    for (const entry of readdirSync(directory, { withFileTypes: true })) {
      const path = join(directory, entry.name);
      if (entry.isDirectory()) {
        files.set(path, 'directory');
        walk(path);
      } else {
        const stats = statSync(path, { throwIfNoEntry: false });
        files.set(path, stats ? `${stats.size}:${stats.mtimeMs}` : 'dangling');
      }
    }
  };
  walk(root);
  return files;
}

export async function waitUntil(
  check: () => boolean,
  timeoutMs: number,
  intervalMs = 250,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  return check();
}

/** A process started directly (not from the replayed image), output kept for messages. */
export function startProcess(
  command: string,
  args: readonly string[],
  env: Record<string, string>,
): Running {
  const child = spawn(command, [...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  return track(child);
}

/** Waits until `url` answers 200, or throws after `timeoutMs`. */
export async function waitForHttp(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const response = await fetch(url);
      await response.arrayBuffer();
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer 200 within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * GET /v1/credentials with `token`, again while the answer is CREDENTIALS_PENDING (the first
 * STS call has not ended yet), for at most 10 s.
 */
export async function fetchCredentials(
  baseUrl: string,
  token: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const response = await fetch(`${baseUrl}/v1/credentials`, {
      headers: { Authorization: token },
    });
    const body = (await response.json()) as Record<string, unknown>;
    if (body.code !== 'CREDENTIALS_PENDING' || Date.now() > deadline) {
      return { status: response.status, body };
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Keeps a child's stdout and stderr together for messages, and its exit code or signal. */
function track(child: ChildProcess): Running {
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });
  return { child, output: () => output, exited };
}
