import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer as createTlsServer, connect as tlsConnect } from 'node:tls';
import { EnvHttpProxyAgent, fetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeAgent } from '../egress/egressSetup.js';
import { send } from '../egress/send.js';
import { headerValues, startUpstream, type Upstream } from '../egress/upstream.js';
import { basic, sendConnect } from './connect.js';
import {
  AGENT_TOKEN,
  API_HOST,
  DENIED_HOST,
  type ForwardApp,
  GITHUB_KEY,
  type HostPki,
  makeForwardConfig,
  makeHostPki,
  OTHER_TOKEN,
  startForward,
  TUNNEL_HOST,
  tempDir,
} from './forwardSetup.js';

const BAD_HOST = 'badcert.example.test';

describe('forward proxy interception (node fetch through EnvHttpProxyAgent)', () => {
  let pki: HostPki;
  let upstream: Upstream;
  let badUpstream: Upstream;
  let tunnelServer: ReturnType<typeof createTlsServer>;
  let tunnelConnections = 0;
  let app: ForwardApp;
  let agent: EnvHttpProxyAgent;
  const caDir = tempDir('credproxy-fwd-ca-');

  beforeAll(async () => {
    pki = makeHostPki([API_HOST, TUNNEL_HOST]);
    upstream = await startUpstream({ tls: { key: pki.key, cert: pki.cert } });
    // Presents a certificate for API_HOST and TUNNEL_HOST only: wrong for BAD_HOST.
    badUpstream = await startUpstream({ tls: { key: pki.key, cert: pki.cert } });
    tunnelServer = createTlsServer({ key: pki.key, cert: pki.cert }, (socket) => {
      tunnelConnections += 1;
      socket.end('tunnelled hello');
    });
    await new Promise<void>((resolve) => tunnelServer.listen(0, '127.0.0.1', resolve));
    const tunnelPort = (tunnelServer.address() as AddressInfo).port;
    const forward = makeForwardConfig(
      caDir.path,
      {
        [`${API_HOST}:443`]: upstream.port,
        [`${BAD_HOST}:443`]: badUpstream.port,
        [`${TUNNEL_HOST}:443`]: tunnelPort,
      },
      { upstreamCa: pki.ca },
    );
    const services = [
      makeAgent('agent', AGENT_TOKEN, [], { forwardRules: ['github', 'bad'] }),
      makeAgent('other', OTHER_TOKEN, []),
    ];
    app = await startForward(
      {
        ...forward,
        rules: [
          ...forward.rules,
          {
            name: 'bad',
            hosts: [{ host: BAD_HOST, wildcard: false }],
            inject: { header: 'x-api-key', value: 'bad-SECRET' },
          },
        ],
      },
      services,
    );
    const makeAgentFor = (proxy: string) =>
      new EnvHttpProxyAgent({
        httpProxy: proxy,
        httpsProxy: proxy,
        noProxy: '',
        requestTls: { ca: readFileSync(app.caFile, 'utf8') },
      });
    agent = makeAgentFor(app.agentProxy);
  });
  afterAll(async () => {
    await agent?.close();
    await app?.sidecar.stop();
    await upstream?.close();
    await badUpstream?.close();
    tunnelServer?.close();
    pki?.remove();
    caDir.remove();
  });

  it('injects the header into every request of a kept-alive tunnel', async () => {
    const first = await fetch(`https://${API_HOST}/user`, {
      dispatcher: agent,
      headers: { authorization: 'token client-own' },
    });
    const second = await fetch(`https://${API_HOST}/user/repos`, {
      dispatcher: agent,
      method: 'POST',
      body: 'hello',
    });

    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ method: 'GET', url: '/user' });
    expect(await second.json()).toEqual({ method: 'POST', url: '/user/repos' });
    const [a, b] = upstream.requests.slice(-2);
    expect(headerValues(a?.rawHeaders ?? [], 'authorization')).toEqual([`Bearer ${GITHUB_KEY}`]);
    expect(headerValues(b?.rawHeaders ?? [], 'authorization')).toEqual([`Bearer ${GITHUB_KEY}`]);
    expect(b?.body.toString()).toBe('hello');
  });

  it('writes the egress audit line with route forward:<rule>, never the key', async () => {
    await fetch(`https://${API_HOST}/audit-me?q=1`, { dispatcher: agent }).then((r) => r.text());

    const line = app.logs.lines().find((l) => l.event === 'proxied' && l.path === '/audit-me');
    expect(line).toMatchObject({
      route: 'forward:github',
      service: 'agent',
      method: 'GET',
      status: 200,
      code: null,
    });
    expect(app.logs.text()).not.toContain(GITHUB_KEY);
    expect(app.logs.text()).not.toContain(AGENT_TOKEN);
  });

  it('answers 407 with Proxy-Authenticate: Basic without credentials, and for another service name', async () => {
    const none = await sendConnect(app.proxy, `${API_HOST}:443`);
    const wrongName = await sendConnect(app.proxy, `${API_HOST}:443`, {
      'Proxy-Authorization': basic('other', AGENT_TOKEN),
    });

    expect(none.status).toBe(407);
    expect(none.head).toMatch(/\r\nProxy-Authenticate: Basic realm="credproxy"/);
    expect(JSON.parse(none.body)).toMatchObject({ code: 'PROXY_AUTH_REQUIRED' });
    expect(wrongName.status).toBe(407);
  });

  it('answers 403 on the CONNECT for a host no rule covers, and for a rule the service may not use', async () => {
    const before = upstream.requests.length;
    const denied = await sendConnect(app.proxy, `${DENIED_HOST}:443`, {
      'Proxy-Authorization': basic('agent', AGENT_TOKEN),
    });
    const notListed = await sendConnect(app.proxy, `${API_HOST}:443`, {
      'Proxy-Authorization': basic('other', OTHER_TOKEN),
    });
    const port = await sendConnect(app.proxy, `${API_HOST}:8443`, {
      'Proxy-Authorization': basic('agent', AGENT_TOKEN),
    });

    expect([denied.status, notListed.status, port.status]).toEqual([403, 403, 403]);
    expect(JSON.parse(denied.body).code).toBe('HOST_NOT_ALLOWED');
    expect(JSON.parse(notListed.body).code).toBe('RULE_NOT_ALLOWED');
    expect(JSON.parse(port.body).code).toBe('HOST_NOT_ALLOWED');
    expect(upstream.requests.length).toBe(before);
  });

  it('passes tunnel hosts through: the client sees the upstream own certificate', async () => {
    const answer = await sendConnect(app.proxy, `${TUNNEL_HOST}:443`, {
      'Proxy-Authorization': basic('agent', AGENT_TOKEN),
    });
    const tls = tlsConnect({ socket: answer.socket, servername: TUNNEL_HOST, ca: pki.ca });
    const text = await new Promise<string>((resolve, reject) => {
      let data = '';
      tls.on('data', (chunk: Buffer) => {
        data += chunk.toString();
      });
      tls.on('end', () => resolve(data));
      tls.on('error', reject);
    });

    expect(answer.status).toBe(200);
    expect(text).toBe('tunnelled hello');
    expect(tls.getPeerCertificate().issuer.CN).toBe('upstream test CA');
    expect(tunnelConnections).toBe(1);
  });

  it('answers 502 UPSTREAM_TLS_FAILED when the upstream certificate is not for the host, and sends nothing', async () => {
    const answer = await fetch(`https://${BAD_HOST}/secret`, { dispatcher: agent });

    expect(answer.status).toBe(502);
    expect(((await answer.json()) as { code: string }).code).toBe('UPSTREAM_TLS_FAILED');
    expect(badUpstream.requests).toEqual([]);
  });

  it('counts interception handshakes and cached certificates', async () => {
    const metrics = await (await fetch(`${app.metricsUrl}/metrics`)).text();

    expect(metrics).toMatch(/credproxy_forward_interceptions_total\{result="ok"\} [1-9]/);
    expect(metrics).toMatch(/credproxy_forward_certificates 2/);
    expect(metrics).not.toContain(GITHUB_KEY);
  });

  it('refuses plain http:// to a rule host off loopback (the key would travel in clear), and asks for credentials first', async () => {
    const withCredentials = await send(app.proxy, `http://${API_HOST}/user`, {
      headers: { 'Proxy-Authorization': basic('agent', AGENT_TOKEN), host: API_HOST },
    });
    const without = await send(app.proxy, `http://${API_HOST}/user`, {
      headers: { host: API_HOST },
    });

    expect(withCredentials.status).toBe(403);
    expect(withCredentials.json?.code).toBe('PLAIN_HTTP_REFUSED');
    expect(without.status).toBe(407);
    expect(without.headers['proxy-authenticate']).toBe('Basic realm="credproxy"');
  });
});
