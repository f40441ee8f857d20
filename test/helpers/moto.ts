import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';

/** A moto_server (real STS emulator) on a free loopback port. */
export interface Moto {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
  /** Start again on the same port (after stop), for outage-and-recovery tests. */
  restart(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function startMoto(port?: number): Promise<Moto> {
  const chosen = port ?? (await freePort());
  const url = `http://127.0.0.1:${chosen}`;
  let child: ChildProcess | undefined;

  async function start(): Promise<void> {
    child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(chosen)], {
      stdio: 'ignore',
      env: { ...process.env, MOTO_ALLOW_NONEXISTENT_REGION: 'true' },
    });
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      try {
        const response = await fetch(`${url}/moto-api/`);
        if (response.status < 500) return;
      } catch {
        // not up yet
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`moto_server did not start on ${url}`);
  }

  async function stop(): Promise<void> {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve());
      running.kill('SIGTERM');
    });
  }

  await start();
  return { url, port: chosen, stop, restart: start };
}

/** The environment that points the AWS SDKs at moto with dummy source credentials. */
export function motoEnv(moto: Moto): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_STS: moto.url,
    AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}
