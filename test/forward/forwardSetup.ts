import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ForwardProxyConfig } from '../../src/config/doorTypes.js';
import type { ServiceConfig } from '../../src/config/types.js';
import { makeAgent } from '../egress/egressSetup.js';
import { makeConfig } from '../helpers/configs.js';
import { type InProcess, startInProcess } from '../helpers/startInProcess.js';

export const AGENT_TOKEN = 'agent-token-7f3c9a1e5b2d4c6f8a0b1c2d3e4f5a6b';
export const OTHER_TOKEN = 'other-token-0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d';
export const GITHUB_KEY = 'ghp_forward-SECRET-9c8b7a6f5e4d3c2b1a09';
/** Names that never resolve (RFC 6761 .test): only connect_to can reach them. */
export const API_HOST = 'api.example.test';
export const TUNNEL_HOST = 'tunnel.example.test';
export const DENIED_HOST = 'denied.example.test';

/** A CA and one server certificate for `hosts`, made with openssl for this run. */
export interface HostPki {
  readonly dir: string;
  readonly caFile: string;
  readonly ca: string;
  readonly key: string;
  readonly cert: string;
  remove(): void;
}

export function makeHostPki(hosts: readonly string[]): HostPki {
  const dir = mkdtempSync(join(tmpdir(), 'credproxy-fwd-pki-'));
  const run = (args: string[]) => {
    const result = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`openssl ${args[0]} failed: ${result.stderr}`);
  };
  const san = hosts.map((host) => `DNS:${host}`).join(',');
  writeFileSync(
    join(dir, 'server.ext'),
    `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n`,
  );
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  run([
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '1',
    '-subj',
    '/CN=upstream test CA',
  ]);
  run(['req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', `/CN=${hosts[0]}`]);
  run([
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.pem',
    '-days',
    '1',
    '-extfile',
    'server.ext',
  ]);
  return {
    dir,
    caFile: join(dir, 'ca.pem'),
    ca: readFileSync(join(dir, 'ca.pem'), 'utf8'),
    key: readFileSync(join(dir, 'server.key'), 'utf8'),
    cert: readFileSync(join(dir, 'server.pem'), 'utf8'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The forward proxy block of these tests: one rule for API_HOST, a tunnel host, connect_to. */
export function makeForwardConfig(
  caDir: string,
  connectTo: Record<string, number>,
  overrides: Partial<ForwardProxyConfig> = {},
): ForwardProxyConfig {
  return {
    host: '127.0.0.1',
    port: 0,
    ca: { certFile: join(caDir, 'ca.pem'), keyFile: join(caDir, 'ca-key.pem') },
    connectTo: Object.fromEntries(
      Object.entries(connectTo).map(([from, port]) => [from, { host: '127.0.0.1', port }]),
    ),
    rules: [
      {
        name: 'github',
        hosts: [{ host: API_HOST, wildcard: false }],
        inject: { header: 'authorization', scheme: 'Bearer', value: GITHUB_KEY },
      },
    ],
    tunnelHosts: [{ host: TUNNEL_HOST, wildcard: false }],
    otherwise: 'deny',
    clientAuth: 'token',
    ...overrides,
  };
}

export interface ForwardApp extends InProcess {
  /** `http://127.0.0.1:<port>` of the forward proxy. */
  readonly proxy: string;
  /** The proxy URL with the agent's credentials, as HTTPS_PROXY holds it. */
  readonly agentProxy: string;
  /** The CA certificate clients trust. */
  readonly caFile: string;
}

/** A sidecar in this process with the forward proxy on a free port. */
export async function startForward(
  forwardProxy: ForwardProxyConfig,
  services: ServiceConfig[] = [
    makeAgent('agent', AGENT_TOKEN, [], { forwardRules: ['github'] }),
    makeAgent('other', OTHER_TOKEN, []),
  ],
): Promise<ForwardApp> {
  const app = await startInProcess(makeConfig(services, { forwardProxy }));
  const proxy = app.urls.forward ?? '';
  const url = new URL(proxy);
  return Object.assign(app, {
    proxy,
    agentProxy: `http://agent:${AGENT_TOKEN}@${url.host}`,
    caFile: forwardProxy.ca.certFile,
  });
}

export function tempDir(prefix: string): { readonly path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}
