import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DRAIN_GRACE_MS } from '../../src/sidecar/createSidecar.js';
import { makeConfig, makeService } from '../helpers/configs.js';
import { type FaultProxy, startFaultProxy } from '../helpers/faultProxy.js';
import { freePort, type Moto, motoEnv, startMoto } from '../helpers/moto.js';
import { checkCommand, hasMoto } from '../helpers/requireTool.js';
import { startTestApp, type TestApp } from '../helpers/startTestApp.js';
import { type LoadOutcome, startKeepAliveLoad } from './keepAliveLoad.js';

const moto = hasMoto();
const MAIN = resolve('dist/main.js');
/** The drain bound the docs promise, plus a second for closing timers and the process exit. */
const STOP_LIMIT_MS = DRAIN_GRACE_MS + 1_000;
const LOAD_CONNECTIONS = 32;
const app = makeService('app');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** GET on a fresh connection, resolving to the status and whether the server announced close. */
function getOnce(url: string, token: string): Promise<{ status: number; close: boolean }> {
  return new Promise((resolvePromise, reject) => {
    const req = request(url, { agent: false, headers: { Authorization: token } }, (res) => {
      res.resume();
      res.on('end', () =>
        resolvePromise({ status: res.statusCode ?? 0, close: res.headers.connection === 'close' }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

function describeLoad(outcome: LoadOutcome): string {
  return JSON.stringify(outcome);
}

describe.skipIf(!moto.available)('stopping under load (in process)', () => {
  let sts: Moto;
  let proxy: FaultProxy;
  let t: TestApp | undefined;

  beforeAll(async () => {
    sts = await startMoto();
    proxy = await startFaultProxy(sts.url);
    Object.assign(process.env, motoEnv(sts), { AWS_ENDPOINT_URL_STS: proxy.url });
  });

  afterEach(async () => {
    proxy.setMode({ kind: 'pass' });
    await t?.app.stop();
    t = undefined;
  });

  afterAll(async () => {
    await proxy?.stop();
    await sts?.stop();
  });

  async function startLoaded(): Promise<TestApp> {
    t = await startTestApp(makeConfig([app]), 'info');
    await t.app.primed;
    return t;
  }

  it('finishes in-flight requests with 200 and Connection: close, then stops', async () => {
    const started = await startLoaded();
    const cold = makeService('cold');
    started.setNextConfig(makeConfig([app, cold]));
    // STS answers the cold service's first call after 400 ms: its requests are in flight.
    proxy.setMode({ kind: 'delay', ms: 400 });
    const reloading = started.app.reload();
    const inFlight = Array.from({ length: 10 }, () =>
      getOnce(`${started.app.credentialsUrl}/v1/credentials`, cold.authToken),
    );
    await sleep(100);

    const stopStarted = performance.now();
    await started.app.stop();
    const stopMs = performance.now() - stopStarted;
    const answers = await Promise.all(inFlight);
    await reloading;
    t = undefined;

    expect(answers.map((a) => a.status)).toEqual(Array.from({ length: 10 }, () => 200));
    expect(answers.every((a) => a.close)).toBe(true);
    expect(stopMs).toBeGreaterThan(200);
    expect(stopMs).toBeLessThan(STOP_LIMIT_MS);
  }, 20_000);

  it('resolves stop() within 5 s under keep-alive load, every answer a 200', async () => {
    const started = await startLoaded();
    const load = startKeepAliveLoad(started.app.credentialsUrl, app.authToken, {
      connections: LOAD_CONNECTIONS,
      maxMs: 15_000,
    });
    await sleep(1_000);
    const answeredBeforeStop = load.answered();

    const stopStarted = performance.now();
    await started.app.stop();
    const drainMs = performance.now() - stopStarted;
    t = undefined;
    const outcome = await load.done;
    console.log(
      `shutdown (in process): stop() resolved in ${drainMs.toFixed(1)} ms after ${answeredBeforeStop} requests on ${LOAD_CONNECTIONS} keep-alive connections; ${describeLoad(outcome)}`,
    );

    expect(drainMs).toBeLessThan(STOP_LIMIT_MS);
    expect(drainMs).toBeLessThan(DRAIN_GRACE_MS + 500);
    expect(answeredBeforeStop).toBeGreaterThan(100);
    expect(Object.keys(outcome.statuses)).toEqual(['200']);
    expect(outcome.otherErrors).toEqual({});
    expect(outcome.refused).toBe(LOAD_CONNECTIONS);
  }, 30_000);

  // http.Server.close() in Node 20 destroys idle keep-alive sockets at once, resetting requests
  // already on the wire; stop() only stops accepting and lets Connection: close end them.
  it('resets no request while draining under keep-alive load', async () => {
    const started = await startLoaded();
    const load = startKeepAliveLoad(started.app.credentialsUrl, app.authToken, {
      connections: LOAD_CONNECTIONS,
      maxMs: 15_000,
    });
    await sleep(1_000);

    await started.app.stop();
    t = undefined;
    const outcome = await load.done;

    expect(outcome.resets).toBe(0);
    expect(outcome.refused).toBe(LOAD_CONNECTIONS);
  }, 30_000);
});

const cli = checkCommand('node', [MAIN, '--version'], 'the built CLI (npm run build)');

describe.skipIf(!moto.available || !cli.available)('SIGTERM under load (node dist/main.js)', () => {
  let sts: Moto;
  let dir: string;
  let child: ChildProcess | undefined;
  let sigtermOutcome: LoadOutcome | undefined;

  beforeAll(async () => {
    sts = await startMoto();
    dir = await mkdtemp(join(tmpdir(), 'credproxy-sigterm-'));
  });

  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await sts?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('drains and exits 0 within 5 s of SIGTERM, every answer a 200', async () => {
    const port = await freePort();
    const configFile = join(dir, 'config.yaml');
    await writeFile(
      configFile,
      [
        'server:',
        '  host: 127.0.0.1',
        `  port: ${port}`,
        'metrics:',
        '  prometheus:',
        '    enabled: false',
        'aws_defaults:',
        '  region: us-east-1',
        'services:',
        '  app:',
        `    auth_token: ${app.authToken}`,
        '    assumed_role:',
        '      RoleArn: arn:aws:iam::123456789012:role/app',
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    const running = spawn(process.execPath, [MAIN, '--config', configFile], {
      env: { ...process.env, ...motoEnv(sts) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = running;
    let output = '';
    running.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    running.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    const exited = new Promise<{ code: number | null; signal: string | null; at: number }>((r) =>
      running.once('exit', (code, signal) => r({ code, signal, at: performance.now() })),
    );
    const readyBy = Date.now() + 20_000;
    while (
      !/"msg":"ready: every service has credentials"/.test(output) &&
      Date.now() < readyBy &&
      running.exitCode === null
    ) {
      await sleep(50);
    }
    expect(output).toMatch(/"msg":"ready: every service has credentials"/);
    const baseUrl = `http://127.0.0.1:${port}`;

    const load = startKeepAliveLoad(baseUrl, app.authToken, {
      connections: LOAD_CONNECTIONS,
      maxMs: 15_000,
    });
    await sleep(1_000);
    const answeredBeforeStop = load.answered();
    const signalled = performance.now();
    running.kill('SIGTERM');
    const exit = await Promise.race([exited, sleep(STOP_LIMIT_MS + 3_000).then(() => undefined)]);
    const outcome = await load.done;
    sigtermOutcome = outcome;
    console.log(
      `shutdown (SIGTERM): exit ${exit?.code} after ${exit ? (exit.at - signalled).toFixed(1) : 'never'} ms, ${answeredBeforeStop} requests before the signal; ${describeLoad(outcome)}`,
    );

    expect(exit?.code).toBe(0);
    expect((exit?.at ?? Number.POSITIVE_INFINITY) - signalled).toBeLessThan(STOP_LIMIT_MS);
    expect(answeredBeforeStop).toBeGreaterThan(100);
    expect(Object.keys(outcome.statuses)).toEqual(['200']);
    expect(outcome.otherErrors).toEqual({});
    expect(output).toMatch(/"msg":"stopped"/);
  }, 40_000);

  // The same guarantee for the real process and SIGTERM.
  it('resets no request between SIGTERM and exit', () => {
    expect(sigtermOutcome).toBeDefined();
    expect(sigtermOutcome?.resets).toBe(0);
  });
});
