import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkCommand, REQUIRE_ALL } from '../helpers/requireTool.js';

const DIR = resolve(import.meta.dirname, '../../tooling/ecs-metadata-ip');
const SCRIPT = join(DIR, 'entrypoint.sh');

describe('tooling/ecs-metadata-ip', () => {
  it('passes shellcheck', ({ skip }) => {
    const shellcheck = checkCommand('shellcheck', ['--version'], 'shellcheck');
    if (!shellcheck.available) skip(shellcheck.reason);

    const result = spawnSync('shellcheck', ['--shell=sh', SCRIPT], { encoding: 'utf8' });

    expect(result.status, result.stdout).toBe(0);
  });

  it('installs iproute2 and socat when the image is built, never at start', () => {
    const dockerfile = readFileSync(join(DIR, 'Dockerfile'), 'utf8');
    const script = readFileSync(SCRIPT, 'utf8');

    expect(dockerfile).toMatch(/^RUN apk add --no-cache iproute2 socat$/m);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["\/usr\/local\/bin\/ecs-metadata-ip"\]$/m);
    expect(script).not.toMatch(/apk|apt-get|curl|wget/);
  });

  it('refuses to listen on credproxy’s port', () => {
    const result = spawnSync('sh', [SCRIPT], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, ECS_METADATA_PORT: '1338' },
    });

    expect(result.status).toBe(2);
    expect(result.stderr).toContain('must differ');
  });
});

/**
 * The forwarding itself, in a network namespace made for the test (loopback only, gone when
 * its processes end): the sidecar, a stand-in for credproxy on 127.0.0.1:1338, and a client
 * that only knows 169.254.170.2, all in that namespace, as with network_mode: service:credproxy.
 */
describe('tooling/ecs-metadata-ip in a network namespace', () => {
  const started: ChildProcess[] = [];

  afterEach(async () => {
    for (const child of started.splice(0).reverse()) await stop(child, 'SIGKILL');
  });

  async function stop(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((done) => child.once('exit', done));
    child.kill(signal);
    await exited;
  }

  function namespaceTools(): string | undefined {
    const missing = ['unshare', 'nsenter', 'ip', 'socat', 'ps'].filter(
      (tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0,
    );
    if (missing.length > 0) return `${missing.join(', ')} not installed`;
    const probe = spawnSync('unshare', ['--net', 'ip', 'link', 'set', 'lo', 'up']);
    if (probe.status !== 0) return 'cannot create a network namespace (needs root)';
    return undefined;
  }

  function start(command: string, args: readonly string[]) {
    const child = spawn(command, [...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    started.push(child);
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const exited = new Promise<number | null>((done) => child.once('exit', done));
    return { child, output: () => output, exited };
  }

  async function until(check: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((done) => setTimeout(done, 50));
    }
  }

  /** Users of the socat children relaying connections for the listener `pid`. */
  function relayUsers(pid: number | undefined): string[] {
    const ps = spawnSync('ps', ['-o', 'user=', '--ppid', String(pid)], { encoding: 'utf8' });
    return ps.stdout
      .split('\n')
      .map((user) => user.trim())
      .filter((user) => user !== '');
  }

  it('forwards 169.254.170.2:80 to 127.0.0.1:1338 with the token, as nobody, and survives a restart', async ({
    skip,
  }) => {
    const reason = namespaceTools();
    if (reason !== undefined) {
      if (REQUIRE_ALL) throw new Error(`CREDPROXY_REQUIRE_ALL_TESTS is set but ${reason}`);
      console.warn(`SKIPPED: ${reason}`);
      skip(reason);
    }
    const holder = start('unshare', ['--net', 'sh', '-c', 'ip link set lo up && exec sleep 120']);
    const netns = `--net=/proc/${holder.child.pid}/ns/net`;
    await until(
      () => spawnSync('nsenter', [netns, 'ip', '-o', 'link', 'show', 'lo']).stdout?.includes('UP'),
      'the namespace',
    );
    const inNamespace = (...command: string[]) => start('nsenter', [netns, ...command]);
    const client = [
      process.execPath,
      '-e',
      `fetch('http://169.254.170.2/v1/credentials', { headers: { Authorization: 'token-123' } })
         .then((r) => r.text())
         .then((t) => console.log(t), (e) => { console.error(e.cause ?? e); process.exit(1); });`,
    ];

    const sidecar = inNamespace('sh', SCRIPT);
    await until(() => sidecar.output().includes('->'), 'the sidecar');
    // credproxy starts after the sidecar here, so 1338 must still be free.
    const credproxy = inNamespace(
      process.execPath,
      '-e',
      `require('node:http').createServer((req, res) => {
         // Slow enough for the test to see the relaying socat child.
         setTimeout(() => {
           res.setHeader('Content-Type', 'application/json');
           res.end(JSON.stringify({ path: req.url, authorization: req.headers.authorization }));
         }, 500);
       }).listen(1338, '127.0.0.1', () => console.log('listening'));`,
    );
    await until(() => credproxy.output().includes('listening'), 'the stand-in for credproxy');
    const first = inNamespace(...client);
    let users: string[] = [];
    await until(() => {
      users = relayUsers(sidecar.child.pid);
      return users.length > 0;
    }, 'a relaying socat child');
    const firstStatus = await first.exited;
    await stop(sidecar.child, 'SIGTERM');
    const restarted = inNamespace('sh', SCRIPT);
    await until(() => restarted.output().includes('->'), 'the restarted sidecar');
    const second = inNamespace(...client);
    const secondStatus = await second.exited;

    expect(firstStatus, `${first.output()}${sidecar.output()}`).toBe(0);
    expect(JSON.parse(first.output())).toEqual({
      path: '/v1/credentials',
      authorization: 'token-123',
    });
    expect(users).toEqual(['nobody']);
    expect(secondStatus, `${second.output()}${restarted.output()}`).toBe(0);
    expect(JSON.parse(second.output()).authorization).toBe('token-123');
  }, 60_000);
});
