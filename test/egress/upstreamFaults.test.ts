import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/moto.js';
import { checkCommand } from '../helpers/requireTool.js';
import { AGENT_TOKEN, makeAgent, makeRoute, ROUTE_KEY, startEgress } from './egressSetup.js';
import { send } from './send.js';
import { makeTestPki, startUpstream, type TestPki, type Upstream } from './upstream.js';

const openssl = checkCommand('openssl', ['version'], 'openssl (makes the test CA)');
const key = { 'x-api-key': AGENT_TOKEN };

/** A TCP listener that accepts and never says a word: a TLS handshake to it never completes. */
async function startSilent(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets: Socket[] = [];
  const server: Server = createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

describe.skipIf(!openssl.available)('egress upstream failures', () => {
  let pki: TestPki;
  let plain: Upstream;
  let tls: Upstream;
  let silent: Awaited<ReturnType<typeof startSilent>>;
  let t: Awaited<ReturnType<typeof startEgress>>;

  beforeAll(async () => {
    pki = makeTestPki();
    plain = await startUpstream();
    tls = await startUpstream({ tls: { key: pki.key, cert: pki.cert } });
    silent = await startSilent();
    const closed = await freePort();
    const fast = { connectSeconds: 1, headersSeconds: 1, idleSeconds: 1 };
    t = await startEgress(
      [
        makeRoute('unreachable', `http://127.0.0.1:${closed}`),
        makeRoute('slow', plain.url, { timeouts: fast }),
        makeRoute('handshake', `https://127.0.0.1:${silent.port}`, { timeouts: fast }),
        makeRoute('untrusted', tls.url),
        makeRoute('trusted', tls.url, { ca: pki.ca, caFile: pki.caFile }),
        makeRoute('midbody', plain.url, { path: '/midbody', timeouts: fast }),
      ],
      [
        makeAgent('agent', AGENT_TOKEN, [
          'unreachable',
          'slow',
          'handshake',
          'untrusted',
          'trusted',
          'midbody',
        ]),
      ],
    );
  });

  afterAll(async () => {
    await t?.sidecar.stop();
    await Promise.all([plain?.close(), tls?.close(), silent?.close()]);
    pki?.remove();
  });

  it('answers 502 UPSTREAM_UNREACHABLE when nothing listens', async () => {
    const answer = await send(t.egress, '/unreachable/x', { headers: key });

    expect(answer.status).toBe(502);
    expect(answer.json?.code).toBe('UPSTREAM_UNREACHABLE');
    expect(answer.headers['x-credproxy-error']).toBe('UPSTREAM_UNREACHABLE');
    expect(answer.body).not.toContain(ROUTE_KEY);
  });

  it('answers 504 UPSTREAM_TIMEOUT when the response headers take longer than timeouts.headers', async () => {
    plain.handler = () => undefined;
    const started = Date.now();

    const answer = await send(t.egress, '/slow/think', { headers: key });

    expect(answer.status).toBe(504);
    expect(answer.json?.code).toBe('UPSTREAM_TIMEOUT');
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('answers 504 UPSTREAM_TIMEOUT when the TLS handshake exceeds timeouts.connect', async () => {
    const answer = await send(t.egress, '/handshake/x', { headers: key });

    expect(answer.status).toBe(504);
    expect(answer.json?.code).toBe('UPSTREAM_TIMEOUT');
  });

  it('answers 502 UPSTREAM_TLS_FAILED for a certificate no trusted CA signed', async () => {
    tls.requests.length = 0;

    const answer = await send(t.egress, '/untrusted/x', { headers: key });

    expect(answer.status).toBe(502);
    expect(answer.json?.code).toBe('UPSTREAM_TLS_FAILED');
    expect(tls.requests).toEqual([]);
  });

  it('verifies an HTTPS upstream against ca_file and sends the key over it', async () => {
    tls.requests.length = 0;

    const answer = await send(t.egress, '/trusted/v1/models', { headers: key });

    expect(answer.status).toBe(200);
    expect(tls.requests[0]?.rawHeaders).toContain(ROUTE_KEY);
  });

  it('answers 502 UPSTREAM_BROKEN when the upstream closes the connection before answering', async () => {
    plain.handler = (_req, res) => {
      res.socket?.destroy();
    };

    const answer = await send(t.egress, '/midbody/x', { headers: key });

    expect(answer.status).toBe(502);
    expect(answer.json?.code).toBe('UPSTREAM_BROKEN');
    expect(answer.headers['x-credproxy-error']).toBe('UPSTREAM_BROKEN');
  });

  it('cuts the client connection when the upstream dies mid-body, never a clean short body', async () => {
    plain.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '100' });
      res.write('partial');
      setTimeout(() => res.socket?.destroy(), 50);
    };

    const response = await fetch(`${t.egress}/midbody/x`, { headers: key });

    expect(response.status).toBe(200);
    await expect(response.text()).rejects.toThrow();
  });

  it('cuts a chunked response too when the upstream dies mid-stream', async () => {
    plain.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: one\n\n');
      setTimeout(() => res.socket?.destroy(), 50);
    };

    const response = await fetch(`${t.egress}/midbody/stream`, { headers: key });

    await expect(response.text()).rejects.toThrow();
  });

  it('cuts the client connection when the body pauses longer than timeouts.idle', async () => {
    plain.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: first\n\n');
    };
    const started = Date.now();

    const response = await fetch(`${t.egress}/midbody/idle`, { headers: key });

    await expect(response.text()).rejects.toThrow();
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    const audit = t.logs.lines().filter((l) => l.event === 'proxied' && l.path === '/midbody/idle');
    expect(audit[0]?.code).toBe('UPSTREAM_TIMEOUT');
  });
});
