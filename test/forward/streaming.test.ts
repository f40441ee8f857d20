import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { type Duplex, Readable } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import { EnvHttpProxyAgent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUpstream, type Upstream } from '../egress/upstream.js';
import { basic, sendConnect } from './connect.js';
import {
  AGENT_TOKEN,
  API_HOST,
  type ForwardApp,
  GITHUB_KEY,
  type HostPki,
  makeForwardConfig,
  makeHostPki,
  startForward,
  tempDir,
} from './forwardSetup.js';

const GiB = 1024 ** 3;
const MB = 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 'x');

function generated(total: number): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= total) {
        this.push(null);
        return;
      }
      const size = Math.min(CHUNK.length, total - sent);
      sent += size;
      this.push(size === CHUNK.length ? CHUNK : CHUNK.subarray(0, size));
    },
  });
}

describe('streaming through an interception', () => {
  let pki: HostPki;
  let upstream: Upstream;
  let app: ForwardApp;
  let agent: EnvHttpProxyAgent;
  let releaseSecond: () => void = () => undefined;
  const caDir = tempDir('credproxy-fwd-ca-');

  beforeAll(async () => {
    pki = makeHostPki([API_HOST]);
    upstream = await startUpstream({
      tls: { key: pki.key, cert: pki.cert },
      record: false,
      handler: (req, res) => {
        if (req.url === '/events') {
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.write('data: one\n\n');
          releaseSecond = () => res.end('data: two\n\n');
          return;
        }
        let bytes = 0;
        req.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
        });
        req.on('end', () => res.end(JSON.stringify({ bytes })));
      },
    });
    app = await startForward(
      makeForwardConfig(caDir.path, { [`${API_HOST}:443`]: upstream.port }, { upstreamCa: pki.ca }),
    );
    agent = new EnvHttpProxyAgent({
      httpsProxy: app.agentProxy,
      httpProxy: app.agentProxy,
      noProxy: '',
      requestTls: { ca: readFileSync(app.caFile, 'utf8') },
    });
  });
  afterAll(async () => {
    await agent?.close();
    await app?.sidecar.stop();
    await upstream?.close();
    pki?.remove();
    caDir.remove();
  });

  it('delivers server-sent events one by one, before the stream ends', async () => {
    const answer = await request(`https://${API_HOST}/events`, { dispatcher: agent });
    const reader = answer.body[Symbol.asyncIterator]();

    const first = await reader.next();
    releaseSecond();
    const rest: string[] = [];
    for await (const chunk of answer.body) rest.push(String(chunk));

    expect(String(first.value)).toBe('data: one\n\n');
    expect(rest.join('')).toBe('data: two\n\n');
  });

  it('streams a 1 GiB upload in constant memory: RSS grows by less than 96 MB', async () => {
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 50);

    const answer = await request(`https://${API_HOST}/upload`, {
      dispatcher: agent,
      method: 'PUT',
      headers: { 'content-length': String(GiB) },
      body: generated(GiB),
    });
    const body = await answer.body.json();
    clearInterval(sampler);

    expect(body).toEqual({ bytes: GiB });
    expect((peak - baseline) / MB).toBeLessThan(96);
  }, 180_000);
});

describe('a WebSocket upgrade through an interception', () => {
  let pki: HostPki;
  let upstream: HttpsServer;
  let app: ForwardApp;
  const caDir = tempDir('credproxy-fwd-ca-');
  let upgradeAuthorization: string | undefined;

  beforeAll(async () => {
    pki = makeHostPki([API_HOST]);
    // Answers upgrades with 101, then echoes what follows.
    upstream = createHttpsServer({ key: pki.key, cert: pki.cert });
    upstream.on('upgrade', (req: IncomingMessage, socket: Duplex) => {
      upgradeAuthorization = req.headers.authorization;
      socket.write(
        'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n',
      );
      socket.pipe(socket);
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const { port } = upstream.address() as AddressInfo;
    app = await startForward(
      makeForwardConfig(caDir.path, { [`${API_HOST}:443`]: port }, { upstreamCa: pki.ca }),
    );
  });
  afterAll(async () => {
    await app?.sidecar.stop();
    upstream?.closeAllConnections();
    upstream?.close();
    pki?.remove();
    caDir.remove();
  });

  it('passes the upgrade through with the header injected, then both directions', async () => {
    const tunnel = await sendConnect(app.proxy, `${API_HOST}:443`, {
      'Proxy-Authorization': basic('agent', AGENT_TOKEN),
    });
    const tls = tlsConnect({
      socket: tunnel.socket,
      servername: API_HOST,
      ca: readFileSync(app.caFile, 'utf8'),
    });
    await new Promise<void>((resolve) => tls.once('secureConnect', () => resolve()));

    tls.write(
      `GET /socket HTTP/1.1\r\nHost: ${API_HOST}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nAuthorization: Bearer own\r\n\r\n`,
    );
    const head = await readUntil(tls, '\r\n\r\n');
    tls.write('ping');
    const echoed = await readUntil(tls, 'ping');
    tls.destroy();

    expect(head).toMatch(/^HTTP\/1\.1 101 /);
    expect(echoed).toContain('ping');
    expect(upgradeAuthorization).toBe(`Bearer ${GITHUB_KEY}`);
  });
});

function readUntil(stream: NodeJS.ReadableStream, marker: string): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    const onData = (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes(marker)) {
        stream.off('data', onData);
        resolve(text);
      }
    };
    stream.on('data', onData);
  });
}
