import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { headerValues, startUpstream, type Upstream } from '../egress/upstream.js';
import { checkCommand } from '../helpers/requireTool.js';
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

const curl = checkCommand('curl', ['--version'], 'curl');

interface CurlResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function runCurl(args: string[]): Promise<CurlResult> {
  return new Promise((resolve) => {
    const child = spawn('curl', ['--silent', '--show-error', '--noproxy', '', ...args], {
      env: { PATH: process.env.PATH ?? '' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe.runIf(curl.available)('forward proxy with curl', () => {
  let pki: HostPki;
  let upstream: Upstream;
  let app: ForwardApp;
  const caDir = tempDir('credproxy-fwd-ca-');

  beforeAll(async () => {
    pki = makeHostPki([API_HOST]);
    upstream = await startUpstream({ tls: { key: pki.key, cert: pki.cert } });
    app = await startForward(
      makeForwardConfig(caDir.path, { [`${API_HOST}:443`]: upstream.port }, { upstreamCa: pki.ca }),
    );
  });
  afterAll(async () => {
    await app?.sidecar.stop();
    await upstream?.close();
    pki?.remove();
    caDir.remove();
  });

  it('injects the rule header and drops the client own Authorization and proxy credentials', async () => {
    const result = await runCurl([
      '--proxy',
      app.agentProxy,
      '--cacert',
      app.caFile,
      '-H',
      'Authorization: Bearer client-own-value',
      `https://${API_HOST}/repos/x?page=2`,
    ]);

    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({ method: 'GET', url: '/repos/x?page=2' });
    const seen = upstream.requests.at(-1);
    expect(headerValues(seen?.rawHeaders ?? [], 'authorization')).toEqual([`Bearer ${GITHUB_KEY}`]);
    expect(headerValues(seen?.rawHeaders ?? [], 'proxy-authorization')).toEqual([]);
    expect(headerValues(seen?.rawHeaders ?? [], 'host')).toEqual([API_HOST]);
    expect(JSON.stringify(seen?.rawHeaders)).not.toContain(AGENT_TOKEN);
  });

  it('answers 407 with Proxy-Authenticate: Basic for a wrong token', async () => {
    const proxy = new URL(app.proxy);
    const result = await runCurl([
      '--proxy',
      `http://agent:wrong-token@${proxy.host}`,
      '--cacert',
      app.caFile,
      '--write-out',
      '%{http_connect}',
      '--output',
      '/dev/null',
      `https://${API_HOST}/`,
    ]);

    expect(result.stdout).toBe('407');
  });
});
