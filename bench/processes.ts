import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { get } from 'node:http';
import { fileURLToPath } from 'node:url';

/** The repository root, whatever the working directory. */
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
/** The real binary, as users run it (built by `npm run build`). */
export const MAIN_JS = fileURLToPath(new URL('../dist/main.js', import.meta.url));

/**
 * The node flags `npm start` runs credproxy with (package.json's start script: the words
 * between `node` and `dist/main.js`), so every figure measures what users run.
 */
export const NPM_START_NODE_FLAGS: readonly string[] = readStartFlags();

function readStartFlags(): string[] {
  const manifest = JSON.parse(
    readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
  ) as { scripts?: { start?: string } };
  const words = (manifest.scripts?.start ?? '').split(/\s+/);
  const main = words.indexOf('dist/main.js');
  return words[0] === 'node' && main > 0 ? words.slice(1, main) : [];
}

const CLOCK_TICKS_PER_SECOND = Number(
  spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim() || '100',
);

/** User + system CPU time a process has used so far, ms (Linux /proc, 10 ms ticks). */
export function readCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Field 2 (comm) may hold spaces; the fields after its closing parenthesis are fixed.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** Resident set size of a process, bytes. */
export function readRssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  return match ? Number(match[1]) * 1024 : Number.NaN;
}

export interface Child {
  readonly pid: number;
  readonly process: ChildProcess;
  /** What the child wrote to stderr so far (for error messages). */
  stderr(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
}

export interface SpawnOptions {
  readonly args: readonly string[];
  readonly env?: Record<string, string>;
  /** stdout goes to this file (credproxy's log lines), or nowhere. */
  readonly logFile?: string;
  /** Open an IPC channel (the memory probe answers on it). */
  readonly ipc?: boolean;
}

const running = new Set<Child>();

/** Stop every child still running (the runner's cleanup, also on Ctrl-C). */
export async function stopAllChildren(): Promise<void> {
  await Promise.all([...running].map((child) => child.stop(2_000)));
}

/** Start `node ARGS` in its own process so the server never shares the load generator's loop. */
export function spawnNode(options: SpawnOptions): Child {
  const stdout = openSync(options.logFile ?? '/dev/null', 'a');
  const child = spawn(process.execPath, [...options.args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...options.env },
    stdio: options.ipc ? ['ignore', stdout, 'pipe', 'ipc'] : ['ignore', stdout, 'pipe'],
  });
  closeSync(stdout);
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    if (stderr.length < 64_000) stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      running.delete(handle);
      resolve(code);
    });
  });
  if (child.pid === undefined) throw new Error(`cannot start node ${options.args.join(' ')}`);
  const handle: Child = {
    pid: child.pid,
    process: child,
    stderr: () => stderr,
    async stop(graceMs = 6_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
  running.add(handle);
  return handle;
}

export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
}

/**
 * One GET on a fresh connection; rejects on a socket error (e.g. not listening yet).
 * `localAddress` picks the loopback source address (credproxy limits failures per address).
 */
export function httpGet(
  url: string,
  headers: Record<string, string> = {},
  localAddress?: string,
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const options = {
      headers,
      agent: false,
      timeout: 5_000,
      ...(localAddress ? { localAddress } : {}),
    };
    const request = get(url, options, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('timeout', () => request.destroy(new Error(`GET ${url} timed out`)));
    request.on('error', reject);
  });
}

/**
 * Poll `url` until it answers 200; resolves with the ms since `startNs`. A child that exits
 * first, or `timeoutMs` passing, rejects with what the child said.
 */
export async function waitFor200(
  url: string,
  child: Child,
  startNs: bigint,
  timeoutMs = 15_000,
  stepMs = 2,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.process.exitCode !== null) {
      throw new Error(`credproxy exited with ${child.process.exitCode}: ${child.stderr().trim()}`);
    }
    try {
      const answer = await httpGet(url);
      if (answer.status === 200) return Number(process.hrtime.bigint() - startNs) / 1e6;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms: ${child.stderr().trim()}`);
}

/** Run `node ARGS` to completion; resolves with its exit code and wall time in ms. */
export async function runToExit(
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; ms: number; stderr: string }> {
  const startedNs = process.hrtime.bigint();
  const child = spawnNode({ args, env });
  const code = await new Promise<number | null>((resolve) => {
    if (child.process.exitCode !== null) resolve(child.process.exitCode);
    else child.process.once('exit', (exitCode) => resolve(exitCode));
  });
  return { code, ms: Number(process.hrtime.bigint() - startedNs) / 1e6, stderr: child.stderr() };
}
