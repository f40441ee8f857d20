import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { type AddressInfo, connect as netConnect } from 'node:net';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { Agent, type Dispatcher, ProxyAgent, request } from 'undici';
import { stringify } from 'yaml';
import { makeHostPki } from '../../test/forward/forwardSetup.js';
import { freePort } from '../../test/helpers/moto.js';
import { type BenchContext, type FigureResult, fmt, verdictOf } from '../figure.js';
import { type Child, MAIN_JS, spawnNode, waitFor200 } from '../processes.js';
import { median } from '../stats.js';

/** Goals of issue 15. */
const MAX_NEW_HOST_ADDED_MS = 50;
const MAX_CACHED_ADDED_P50_MS = 2;
const NEW_HOSTS = 40;
const WARM_REQUESTS = 2_000;

export const TITLE = 'forward proxy: TLS interception';

/**
 * Figure 11: the forward proxy (the real binary) intercepting TLS to a loopback HTTPS upstream.
 * New host: a fresh connection through the proxy to a host never seen (its leaf is issued)
 * against a fresh connection to a host already cached, median over NEW_HOSTS of each. Cached
 * host: sequential requests on a kept-alive tunnel against kept-alive direct TLS, p50 of each.
 */
export async function measureForward(ctx: BenchContext): Promise<FigureResult> {
  const pki = makeHostPki(['*.bench.test']);
  const upstream: Server = createServer({ key: pki.key, cert: pki.cert }, (req, res) => {
    req.resume();
    req.on('end', () => res.end('{"ok":true}'));
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const upstreamPort = (upstream.address() as AddressInfo).port;
  let child: Child | undefined;
  const dispatchers: Dispatcher[] = [];
  try {
    const token = randomBytes(32).toString('hex');
    const [port, forwardPort] = [await freePort(), await freePort()];
    // Hosts 0..N-1 are measured new; N..2N-1 have their leaf issued first; 2N warms up.
    const hosts = Array.from({ length: 2 * NEW_HOSTS + 1 }, (_, i) => `h${i}.bench.test`);
    const configFile = join(ctx.tmpDir, 'forward.yaml');
    writeFileSync(
      configFile,
      stringify({
        server: { port },
        forward_proxy: {
          port: forwardPort,
          ca: {
            cert_file: join(ctx.tmpDir, 'fwd-ca.pem'),
            key_file: join(ctx.tmpDir, 'fwd-ca-key.pem'),
          },
          ca_file: pki.caFile,
          connect_to: Object.fromEntries(
            hosts.map((h) => [`${h}:443`, `127.0.0.1:${upstreamPort}`]),
          ),
          rules: {
            bench: {
              hosts: ['*.bench.test'],
              inject: { header: 'x-api-key', value: randomBytes(32).toString('hex') },
            },
          },
        },
        services: { bench: { auth_token: token, forward_rules: ['bench'] } },
      }),
    );
    // The CA first (credproxy ca init), so its certificate is there before the proxy answers.
    const init = spawnSync(process.execPath, [MAIN_JS, 'ca', 'init', '--config', configFile]);
    if (init.status !== 0) throw new Error(`credproxy ca init failed: ${init.stderr}`);
    child = spawnNode({
      args: [MAIN_JS, '--config', configFile, '--log-level', 'warn'],
      logFile: join(ctx.tmpDir, 'forward.log'),
    });
    await waitFor200(`http://127.0.0.1:${port}/health`, child, process.hrtime.bigint());
    const proxyUri = `http://bench:${token}@127.0.0.1:${forwardPort}`;
    const ca = readFileSync(join(ctx.tmpDir, 'fwd-ca.pem'), 'utf8');
    const once = async (host: string): Promise<number> => {
      // A fresh agent: a new CONNECT and a new TLS handshake each time.
      const agent = new ProxyAgent({ uri: proxyUri, requestTls: { ca } });
      const started = performance.now();
      const answer = await request(`https://${host}/`, { dispatcher: agent });
      await answer.body.text();
      const ms = performance.now() - started;
      await agent.close();
      return ms;
    };
    const cachedHost = hosts[2 * NEW_HOSTS] ?? '';
    // Listeners open one after the other: the forward proxy may follow /health by a moment.
    for (let tries = 0; ; tries += 1) {
      try {
        await once(cachedHost);
        break;
      } catch (error) {
        if (tries >= 50) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    // A TLS handshake alone issues a host's leaf without opening its upstream connection, so
    // both series below open a new upstream connection and differ by the certificate only.
    for (let i = NEW_HOSTS; i < 2 * NEW_HOSTS; i += 1) {
      await handshakeOnly(forwardPort, 'bench', token, hosts[i] ?? '', ca);
    }
    const fresh: number[] = [];
    const cached: number[] = [];
    for (let i = 0; i < NEW_HOSTS; i += 1) {
      fresh.push(await once(hosts[i] ?? ''));
      cached.push(await once(hosts[NEW_HOSTS + i] ?? ''));
    }
    const newHostAdded = median(fresh) - median(cached);

    const proxied = new ProxyAgent({ uri: proxyUri, requestTls: { ca } });
    const direct = new Agent({
      connect: { ca: pki.ca, servername: cachedHost },
    });
    dispatchers.push(proxied, direct);
    const time = async (dispatcher: Dispatcher, url: string): Promise<number> => {
      const started = performance.now();
      const answer = await request(url, { dispatcher });
      await answer.body.text();
      return performance.now() - started;
    };
    const viaProxy: number[] = [];
    const viaDirect: number[] = [];
    const directUrl = `https://127.0.0.1:${upstreamPort}/`;
    for (let i = 0; i < WARM_REQUESTS; i += 1) {
      // Interleaved, so load on the machine hits both alike.
      viaProxy.push(await time(proxied, `https://${cachedHost}/`));
      viaDirect.push(await time(direct, directUrl));
    }
    const warmAdded = median(viaProxy.slice(100)) - median(viaDirect.slice(100));
    ctx.log(
      `figure 12: new host ${fmt(median(fresh))} ms vs cached ${fmt(median(cached))} ms; warm p50 ${fmt(median(viaProxy), 3)} vs ${fmt(median(viaDirect), 3)} ms`,
    );
    const rows = [
      {
        measure: 'first request to a new host: added ms (leaf issued)',
        value: fmt(newHostAdded),
        baseline: `${fmt(median(cached))} ms (leaf cached, new connections)`,
        goal: `<= ${MAX_NEW_HOST_ADDED_MS}`,
        verdict: verdictOf(newHostAdded <= MAX_NEW_HOST_ADDED_MS),
      },
      {
        measure: 'cached host, kept-alive tunnel: added p50 ms',
        value: fmt(warmAdded, 3),
        baseline: `${fmt(median(viaDirect.slice(100)), 3)} ms (direct TLS)`,
        goal: `<= ${MAX_CACHED_ADDED_P50_MS}`,
        verdict: verdictOf(warmAdded <= MAX_CACHED_ADDED_P50_MS),
      },
    ] as const;
    return {
      id: 12,
      title: TITLE,
      rows,
      summary: `figure 12 (${TITLE}): a new host adds ${fmt(newHostAdded)} ms (goal <= ${MAX_NEW_HOST_ADDED_MS}); a cached host adds ${fmt(warmAdded, 3)} ms at p50 over direct TLS (goal <= ${MAX_CACHED_ADDED_P50_MS})`,
    };
  } finally {
    await Promise.all(dispatchers.map((d) => d.close().catch(() => undefined)));
    await child?.stop();
    upstream.closeAllConnections();
    upstream.close();
    pki.remove();
  }
}

/** CONNECT and a TLS handshake through the proxy, no request: the host's leaf gets issued. */
async function handshakeOnly(
  proxyPort: number,
  service: string,
  token: string,
  host: string,
  ca: string,
): Promise<void> {
  const socket = netConnect({ host: '127.0.0.1', port: proxyPort });
  const auth = Buffer.from(`${service}:${token}`).toString('base64');
  socket.write(
    `CONNECT ${host}:443 HTTP/1.1\r\nHost: ${host}:443\r\nProxy-Authorization: Basic ${auth}\r\n\r\n`,
  );
  await new Promise<void>((resolve, reject) => {
    let head = '';
    const onData = (chunk: Buffer) => {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      if (head.startsWith('HTTP/1.1 200')) resolve();
      else reject(new Error(`CONNECT refused: ${head.split('\r\n')[0]}`));
    };
    socket.on('data', onData);
    socket.once('error', reject);
  });
  const tls = tlsConnect({ socket, servername: host, ca });
  await new Promise<void>((resolve, reject) => {
    tls.once('secureConnect', () => resolve());
    tls.once('error', reject);
  });
  tls.destroy();
}
