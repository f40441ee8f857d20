import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { headerValues, startUpstream, type Upstream } from '../egress/upstream.js';
import { checkCommand } from '../helpers/requireTool.js';
import {
  API_HOST,
  type ForwardApp,
  GITHUB_KEY,
  type HostPki,
  makeForwardConfig,
  makeHostPki,
  startForward,
  tempDir,
} from './forwardSetup.js';
import { gitHttpBackend, makeBareRepository } from './gitBackend.js';

const requests = checkCommand('python3', ['-c', 'import requests'], 'python3 with requests');
const git = checkCommand('git', ['--version'], 'git');

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A client with only what these tests give it: no proxy or CA settings of the machine. */
function run(command: string, args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env: { PATH: process.env.PATH ?? '', ...env } });
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

describe('forward proxy with Python requests and git', () => {
  let pki: HostPki;
  let upstream: Upstream;
  let app: ForwardApp;
  const caDir = tempDir('credproxy-fwd-ca-');
  const repos = tempDir('credproxy-fwd-git-');

  beforeAll(async () => {
    pki = makeHostPki([API_HOST]);
    if (git.available) makeBareRepository(repos.path, 'repo.git', 'README', 'forwarded');
    const backend = gitHttpBackend(repos.path);
    upstream = await startUpstream({
      tls: { key: pki.key, cert: pki.cert },
      record: false,
      handler: (req, res) => {
        // Like GitHub: nothing without the token credproxy injects.
        if (req.headers.authorization !== `Bearer ${GITHUB_KEY}`) {
          res.writeHead(401, { 'www-authenticate': 'Basic realm="git"' }).end();
          return;
        }
        if (req.url?.startsWith('/repo.git')) {
          backend(req, res);
          return;
        }
        const body = JSON.stringify({ url: req.url, headers: req.rawHeaders });
        res.writeHead(200, { 'content-type': 'application/json' }).end(body);
      },
    });
    app = await startForward(
      makeForwardConfig(caDir.path, { [`${API_HOST}:443`]: upstream.port }, { upstreamCa: pki.ca }),
    );
  });
  afterAll(async () => {
    await app?.sidecar.stop();
    await upstream?.close();
    pki?.remove();
    caDir.remove();
    repos.remove();
  });

  it.runIf(requests.available)(
    'Python requests (REQUESTS_CA_BUNDLE) gets the injected header, not its own',
    async () => {
      const script = [
        'import requests',
        `r = requests.get("https://${API_HOST}/user", headers={"Authorization": "token client-own"})`,
        'print(r.status_code)',
        'print(r.text)',
      ].join('\n');

      const result = await run('python3', ['-c', script], {
        HTTPS_PROXY: app.agentProxy,
        REQUESTS_CA_BUNDLE: app.caFile,
      });

      expect(result.stderr).toBe('');
      const [status, body] = result.stdout.split('\n');
      expect(status).toBe('200');
      const seen = JSON.parse(body ?? '{}') as { url: string; headers: string[] };
      expect(seen.url).toBe('/user');
      expect(headerValues(seen.headers, 'authorization')).toEqual([`Bearer ${GITHUB_KEY}`]);
    },
  );

  it.runIf(git.available)(
    'git clones over smart HTTP (GIT_SSL_CAINFO) with the injected token',
    async () => {
      const into = join(repos.path, 'clone');

      const result = await run('git', ['clone', '-q', `https://${API_HOST}/repo.git`, into], {
        HOME: repos.path,
        HTTPS_PROXY: app.agentProxy,
        GIT_SSL_CAINFO: app.caFile,
        GIT_TERMINAL_PROMPT: '0',
      });

      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(readFileSync(join(into, 'README'), 'utf8')).toBe('forwarded');
    },
  );
});
