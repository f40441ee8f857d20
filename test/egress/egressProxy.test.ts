import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_TOKEN, makeAgent, makeRoute, ROUTE_KEY, startEgress } from './egressSetup.js';
import { send } from './send.js';
import { startUpstream, type Upstream } from './upstream.js';

/** A loopback forward proxy that records each CONNECT target (or proxy-form URL) and tunnels. */
async function startForwardProxy(): Promise<{
  url: string;
  seen: string[];
  close(): Promise<void>;
}> {
  const seen: string[] = [];
  const sockets: Socket[] = [];
  const server: Server = createServer((req, res) => {
    seen.push(req.url ?? '');
    res.writeHead(502).end();
  });
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    seen.push(req.url ?? '');
    const [host, port] = (req.url ?? '').split(':');
    const upstream = connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.push(client, upstream);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

describe("credproxy's own HTTP(S)_PROXY and NO_PROXY", () => {
  let upstream: Upstream;
  let proxy: Awaited<ReturnType<typeof startForwardProxy>>;

  beforeAll(async () => {
    upstream = await startUpstream();
    proxy = await startForwardProxy();
  });

  afterAll(async () => {
    await proxy?.close();
    await upstream?.close();
  });

  it('sends egress through the proxy named in the environment it was given', async () => {
    const t = await startEgress(
      [makeRoute('api', upstream.url)],
      [makeAgent('agent', AGENT_TOKEN, ['api'])],
      {
        HTTP_PROXY: proxy.url,
        HTTPS_PROXY: proxy.url,
      },
    );
    try {
      proxy.seen.length = 0;
      upstream.requests.length = 0;

      const answer = await send(t.egress, '/api/v1/x', { headers: { 'x-api-key': AGENT_TOKEN } });

      expect(answer.status).toBe(200);
      expect(proxy.seen).toEqual([`127.0.0.1:${upstream.port}`]);
      expect(upstream.requests[0]?.rawHeaders).toContain(ROUTE_KEY);
    } finally {
      await t.sidecar.stop();
    }
  });

  it('goes direct to hosts NO_PROXY lists, and reads nothing from process.env', async () => {
    process.env.HTTP_PROXY = proxy.url;
    const viaEnvOnly = await startEgress(
      [makeRoute('api', upstream.url)],
      [makeAgent('agent', AGENT_TOKEN, ['api'])],
    );
    const listed = await startEgress(
      [makeRoute('api', upstream.url)],
      [makeAgent('agent', AGENT_TOKEN, ['api'])],
      {
        HTTP_PROXY: proxy.url,
        NO_PROXY: '127.0.0.1',
      },
    );
    try {
      proxy.seen.length = 0;

      const a = await send(viaEnvOnly.egress, '/api/x', { headers: { 'x-api-key': AGENT_TOKEN } });
      const b = await send(listed.egress, '/api/x', { headers: { 'x-api-key': AGENT_TOKEN } });

      expect([a.status, b.status]).toEqual([200, 200]);
      expect(proxy.seen).toEqual([]);
    } finally {
      delete process.env.HTTP_PROXY;
      await viaEnvOnly.sidecar.stop();
      await listed.sidecar.stop();
    }
  });
});
