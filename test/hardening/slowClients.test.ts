import { connect, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HEADERS_TIMEOUT_MS, KEEP_ALIVE_TIMEOUT_MS } from '../../src/http/createHttpServer.js';
import { makeService } from '../helpers/configs.js';
import { hasMoto } from '../helpers/requireTool.js';
import { rawGet, sendRaw } from './sendRaw.js';
import { type AppOnMoto, startOnMoto } from './startOnMoto.js';

const moto = hasMoto();
const PIPELINED = 1_005;
const app = makeService('app');

/** A client that opens a request and then trickles header bytes, never finishing them. */
interface SlowSocket {
  readonly socket: Socket;
  /** ms after opening when the server closed it, or undefined while open. */
  closedAfterMs(): number | undefined;
  /** Everything the server sent. */
  received(): string;
}

function openSlowSocket(port: number, localAddress: string, trickleMs: number): SlowSocket {
  const opened = performance.now();
  let closedAfter: number | undefined;
  const chunks: Buffer[] = [];
  const socket = connect({ host: '127.0.0.1', port, localAddress });
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('error', () => undefined);
  const trickle =
    trickleMs > 0
      ? setInterval(() => {
          if (!socket.destroyed) socket.write('X');
        }, trickleMs)
      : undefined;
  socket.on('close', () => {
    if (trickle) clearInterval(trickle);
    closedAfter = performance.now() - opened;
  });
  if (trickleMs > 0) socket.write('GET /v1/credentials HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
  return {
    socket,
    closedAfterMs: () => closedAfter,
    received: () => Buffer.concat(chunks).toString('latin1'),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(!moto.available)('slow and idle clients', () => {
  let a: AppOnMoto;
  let open: SlowSocket[] = [];

  beforeAll(async () => {
    a = await startOnMoto([app]);
  });

  afterEach(() => {
    for (const slow of open) slow.socket.destroy();
    open = [];
  });

  afterAll(async () => {
    await a?.stop();
  });

  it('answers an honest client quickly while 200 sockets trickle headers a byte at a time', async () => {
    open = Array.from({ length: 200 }, (_, i) =>
      openSlowSocket(a.port, `127.0.3.${(i % 250) + 1}`, 100),
    );
    await sleep(500);
    const latencies: number[] = [];
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) {
      const started = performance.now();
      const response = await a.t.get('/v1/credentials', app.authToken, {
        headers: { Connection: 'close' },
      });
      await response.arrayBuffer();
      latencies.push(performance.now() - started);
      statuses.push(response.status);
      await sleep(50);
    }
    const stillOpen = open.filter((slow) => slow.closedAfterMs() === undefined).length;
    console.log(
      `slowloris: ${stillOpen} of ${open.length} trickling sockets open; honest requests max ${Math.max(...latencies).toFixed(1)} ms`,
    );

    expect(statuses.every((status) => status === 200)).toBe(true);
    // Java's read timeout is 1 s: under a slowloris an honest client must stay well within it.
    expect(Math.max(...latencies)).toBeLessThan(1_000);
    expect(stillOpen).toBe(200);
  }, 15_000);

  it('closes an idle keep-alive socket after keepAliveTimeout', async () => {
    const exchange = await sendRaw(rawGet('/health'), {
      port: a.port,
      endAfterWrite: false,
      timeoutMs: KEEP_ALIVE_TIMEOUT_MS + 3_000,
    });

    expect(exchange.statuses).toEqual([200]);
    expect(exchange.text).toContain('Keep-Alive: timeout=5');
    expect(exchange.ending).toBe('closed');
    expect(exchange.ms).toBeGreaterThanOrEqual(KEEP_ALIVE_TIMEOUT_MS - 100);
    // node adds up to a second of grace to the advertised timeout before it closes.
    expect(exchange.ms).toBeLessThan(KEEP_ALIVE_TIMEOUT_MS + 1_500);
  }, 15_000);

  // Node enforces headersTimeout only every connectionsCheckingInterval (30 s by default);
  // the server checks every second, so such sockets live about 5 s, not up to 35.
  it('closes sockets that never finish their headers, or send nothing, after the headers timeout', async () => {
    const trickling = Array.from({ length: 20 }, (_, i) =>
      openSlowSocket(a.port, `127.0.4.${i + 1}`, 250),
    );
    const silent = Array.from({ length: 5 }, (_, i) =>
      openSlowSocket(a.port, `127.0.5.${i + 1}`, 0),
    );
    open = [...trickling, ...silent];
    const deadline = performance.now() + HEADERS_TIMEOUT_MS + 2_500;
    while (performance.now() < deadline && open.some((s) => s.closedAfterMs() === undefined)) {
      await sleep(100);
    }

    for (const slow of open) {
      expect(slow.closedAfterMs()).toBeDefined();
      expect(slow.closedAfterMs()).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 100);
      expect(slow.received()).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    }
  }, 15_000);

  // A per-socket request cap would make node answer the rest of a pipeline with a bodiless
  // 503; keep-alive is bounded in time (keepAliveTimeout) instead.
  it('never answers 5xx to a long pipeline of requests on one socket', async () => {
    const exchange = await sendRaw(rawGet('/health').repeat(PIPELINED), {
      port: a.port,
      localAddress: '127.0.6.1',
    });

    expect(exchange.statuses.length).toBe(PIPELINED);
    expect(exchange.statuses.filter((status) => status >= 500)).toEqual([]);
  });
});
