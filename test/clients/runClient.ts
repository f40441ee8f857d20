import { execFile } from 'node:child_process';

/** What a client process did: its exit code (null when killed), and everything it printed. */
export interface ClientRun {
  readonly exitCode: number | null;
  readonly timedOut: boolean;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Every client run is bounded: a client stuck on a credential or STS call is killed after this
 * long, so a hang fails the test instead of stalling the suite. botocore and JS retry a failed
 * credential fetch for about 3 s, far inside it.
 */
export const CLIENT_TIMEOUT_MS = 45_000;

/** Runs one real client (python3, aws, node) to completion with exactly `env` as its environment. */
export function runClient(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<ClientRun> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { env, timeout: CLIENT_TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const exitCode = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ exitCode, timedOut: error?.killed === true, stdout, stderr });
      },
    );
  });
}
