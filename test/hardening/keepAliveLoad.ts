import { Agent, request } from 'node:http';

/** How every request of a load run ended. */
export interface LoadOutcome {
  /** Responses by status code. */
  readonly statuses: Record<number, number>;
  /** Responses that carried `Connection: close` (the server announcing it will close). */
  readonly closeAnnounced: number;
  /** Requests refused at connect: the listener is gone. A worker stops at its first. */
  readonly refused: number;
  /** Requests that died on an open connection (ECONNRESET, "socket hang up"): must be 0. */
  readonly resets: number;
  /** Any other error, by code. */
  readonly otherErrors: Record<string, number>;
}

export interface KeepAliveLoad {
  /** Requests answered so far. */
  answered(): number;
  /** Resolves once every worker has stopped: listener gone, `maxMs` passed, or `stop()`. */
  readonly done: Promise<LoadOutcome>;
  stop(): void;
}

/**
 * `connections` workers, each sending GET /v1/credentials back to back on its own keep-alive
 * connection, the way a busy SDK client reuses one. Bounded in time and in count.
 */
export function startKeepAliveLoad(
  baseUrl: string,
  token: string,
  options: { connections: number; maxMs: number },
): KeepAliveLoad {
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections });
  const statuses: Record<number, number> = {};
  const otherErrors: Record<string, number> = {};
  let closeAnnounced = 0;
  let refused = 0;
  let resets = 0;
  let answered = 0;
  let stopped = false;
  const deadline = Date.now() + options.maxMs;

  function once(): Promise<'go' | 'gone'> {
    return new Promise((resolve) => {
      const req = request(
        `${baseUrl}/v1/credentials`,
        { agent, headers: { Authorization: token } },
        (res) => {
          res.resume();
          res.on('end', () => {
            answered += 1;
            const status = res.statusCode ?? 0;
            statuses[status] = (statuses[status] ?? 0) + 1;
            if (res.headers.connection === 'close') closeAnnounced += 1;
            resolve('go');
          });
          res.on('error', () => {
            resets += 1;
            resolve('go');
          });
        },
      );
      req.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'ECONNREFUSED') {
          refused += 1;
          resolve('gone');
        } else if (error.code === 'ECONNRESET' || error.code === 'EPIPE') {
          resets += 1;
          resolve('go');
        } else {
          const code = error.code ?? error.message;
          otherErrors[code] = (otherErrors[code] ?? 0) + 1;
          resolve('go');
        }
      });
      req.end();
    });
  }

  async function worker(): Promise<void> {
    for (let i = 0; i < 1_000_000 && !stopped && Date.now() < deadline; i++) {
      if ((await once()) === 'gone') return;
    }
  }

  const done = Promise.all(Array.from({ length: options.connections }, worker)).then(() => {
    agent.destroy();
    return { statuses, closeAnnounced, refused, resets, otherErrors };
  });

  return {
    answered: () => answered,
    done,
    stop() {
      stopped = true;
    },
  };
}
