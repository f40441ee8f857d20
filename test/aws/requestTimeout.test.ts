import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { classifyStsError } from '../../src/aws/classifyStsError.js';
import { createRoleAssumer, toStsTimeouts } from '../../src/aws/createRoleAssumer.js';
import { makeService } from '../helpers/configs.js';
import { checkCommand } from '../helpers/requireTool.js';

/** Time one rejected assumeRole against the STS endpoint at `port` on loopback. */
async function failedCallAgainst(port: number, requestTimeoutSeconds: number) {
  vi.stubEnv('AWS_ENDPOINT_URL_STS', `http://127.0.0.1:${port}`);
  const assumer = createRoleAssumer({ requestTimeoutSeconds });
  const started = performance.now();
  try {
    await assumer.assumeRole(makeService('app'));
  } catch (error) {
    return { error, elapsedMs: performance.now() - started };
  } finally {
    assumer.destroy();
  }
  throw new Error('expected the call to fail');
}

describe('credentials.request_timeout bounds one whole STS call', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  describe('against a server that accepts and never answers', () => {
    let server: Server;
    const sockets: Socket[] = [];
    beforeEach(async () => {
      server = createServer((socket) => {
        sockets.push(socket);
      });
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
    });
    afterEach(async () => {
      for (const socket of sockets.splice(0)) socket.destroy();
      server.close();
      await once(server, 'close');
    });

    it('gives up after request_timeout, once, saying STS did not answer', async () => {
      const port = (server.address() as { port: number }).port;

      const { error, elapsedMs } = await failedCallAgainst(port, 1);

      expect(error).toMatchObject({
        code: 'STS_UNAVAILABLE',
        transient: true,
        message: 'STS did not answer within 1 s (credentials.request_timeout)',
      });
      expect(elapsedMs).toBeGreaterThanOrEqual(950);
      expect(elapsedMs).toBeLessThan(1_400);
      expect(sockets).toHaveLength(1);
    });
  });

  describe('against a listener whose accept queue is full, so connecting never completes', () => {
    // Node accepts every connection at once, so a python3 listener that never accepts holds
    // the queue full: the kernel then drops further SYNs on loopback and connect() hangs.
    const python = checkCommand('python3', ['--version'], 'python3');
    let child: ChildProcess | undefined;
    afterEach(async () => {
      if (child !== undefined && child.exitCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
      child = undefined;
    });

    it.skipIf(!python.available)(
      'gives up after request_timeout, saying connecting timed out',
      async () => {
        child = spawn('python3', ['-c', FULL_BACKLOG_LISTENER], {
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        const [line] = (await once(child.stdout!, 'data')) as [Buffer];
        const port = Number(line.toString().trim());

        const { error, elapsedMs } = await failedCallAgainst(port, 1);

        expect(error).toMatchObject({
          code: 'STS_UNAVAILABLE',
          transient: true,
          message: 'connecting to STS timed out after 1 s (credentials.request_timeout)',
        });
        expect(elapsedMs).toBeLessThan(1_400);
      },
    );
  });
});

/** Listens with a backlog of 0, fills it, prints the port, never accepts; ends after 30 s. */
const FULL_BACKLOG_LISTENER = `
import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(0)
port = s.getsockname()[1]
held = []
for _ in range(3):
    c = socket.socket(); c.setblocking(False)
    try: c.connect(("127.0.0.1", port))
    except BlockingIOError: pass
    held.append(c)
print(port, flush=True)
time.sleep(30)
`;

describe('toStsTimeouts', () => {
  it.each([
    [1, 900, 1_000],
    [2, 1_900, 2_000],
    [30, 29_900, 30_000],
  ])(
    'for %i s stops connecting at %i ms and the whole call at %i ms',
    (seconds, connect, total) => {
      expect(toStsTimeouts(seconds)).toEqual({
        connectionTimeoutMs: connect,
        requestTimeoutMs: total,
      });
    },
  );
});

describe('classifyStsError on the SDK timeout errors', () => {
  const timeoutError = (message: string, code?: string) =>
    Object.assign(new Error(message), { name: 'TimeoutError', ...(code ? { code } : {}) });

  it.each([
    [
      timeoutError(
        '@smithy/node-http-handler - the request socket did not establish a connection with the server within the configured timeout of 1900 ms.',
      ),
      'connecting to STS timed out after 2 s (credentials.request_timeout)',
    ],
    [
      timeoutError(
        '@smithy/node-http-handler - [ERROR] a request has exceeded the configured 2000 ms requestTimeout.',
        'ETIMEDOUT',
      ),
      'STS did not answer within 2 s (credentials.request_timeout)',
    ],
    [timeoutError('read ECONNRESET', 'ECONNRESET'), 'STS could not be reached (ECONNRESET)'],
  ])('words %s as %s, transient', (error, message) => {
    expect(classifyStsError(error, { requestTimeoutSeconds: 2 })).toEqual({
      code: 'STS_UNAVAILABLE',
      transient: true,
      message,
    });
  });
});
