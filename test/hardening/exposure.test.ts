import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/parseConfig.js';
import type { Config } from '../../src/config/types.js';
import { makeConfig, makeService } from '../helpers/configs.js';
import { freePort } from '../helpers/moto.js';
import { startTestApp, type TestApp } from '../helpers/startTestApp.js';
import { rawGet, sendRaw } from './sendRaw.js';

const app = makeService('app');
const SECRET_LOOKING_TOKEN = 'never-echo-this-token-0123456789abcdef';

/** Lines that warn about a listener bound beyond loopback. */
function exposureWarnings(t: TestApp): Array<Record<string, unknown>> {
  return t.logs
    .lines()
    .filter((line) => line.level === 'warn' && String(line.msg).includes('non-loopback'));
}

/**
 * Nothing a client or an operator sees may carry a stack trace, a source or dependency path,
 * or a secret. `at ` followed by a frame shape is how V8 writes a stack.
 */
function expectNothingInternal(text: string): void {
  expect(text).not.toMatch(/\bat [\w$.<>]+ \(|\bat (file:\/\/|\/)/);
  expect(text).not.toContain('/work/');
  expect(text).not.toContain('node_modules');
  expect(text).not.toContain(process.cwd());
  expect(text).not.toContain(SECRET_LOOKING_TOKEN);
  expect(text).not.toContain(app.authToken);
  expect(text).not.toContain('wJalrXUtnFEMI');
}

describe('what a listener exposes', () => {
  let stsPort: number;
  let running: TestApp | undefined;

  beforeAll(async () => {
    // STS is a closed loopback port: services never prime, which these tests do not need.
    stsPort = await freePort();
    process.env.AWS_ENDPOINT_URL_STS = `http://127.0.0.1:${stsPort}`;
  });

  afterEach(async () => {
    await running?.app.stop();
    running = undefined;
  });

  async function start(config: Config): Promise<TestApp> {
    running = await startTestApp(config, 'info');
    await running.app.primed;
    return running;
  }

  it('binds credentials and metrics to 127.0.0.1 by default', () => {
    const { config } = parseConfig(
      [
        'aws_defaults:',
        '  region: us-east-1',
        'services:',
        '  app:',
        `    auth_token: ${app.authToken}`,
        '    assumed_role:',
        '      RoleArn: arn:aws:iam::123456789012:role/app',
      ].join('\n'),
      { file: '/etc/credproxy/config.yaml', env: {} },
    );

    expect(config.server.host).toBe('127.0.0.1');
    expect(config.metrics.host).toBe('127.0.0.1');
  });

  it.each([
    ['127.0.0.1', '127.0.0.1'],
    ['::1', '127.0.0.1'],
    ['localhost', '127.0.0.1'],
  ])('logs no exposure warning for server %s and metrics %s', async (server, metrics) => {
    const t = await start(
      makeConfig([app], {
        server: { host: server, port: 0, debug: false, logHealthChecks: false },
        metrics: { enabled: true, host: metrics, port: 0 },
      }),
    );

    expect(exposureWarnings(t)).toEqual([]);
  });

  it('warns once, naming the address and what is exposed, when credentials bind 0.0.0.0', async () => {
    const t = await start(
      makeConfig([app], {
        server: { host: '0.0.0.0', port: 0, debug: false, logHealthChecks: false },
      }),
    );

    const warnings = exposureWarnings(t);

    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.host).toBe('0.0.0.0');
    expect(warnings[0]?.msg).toBe(
      'listening on non-loopback address 0.0.0.0: this exposes the credential endpoint (anyone who can reach it may try tokens)',
    );
  });

  it('warns about the metrics listener on its own when only it binds beyond loopback', async () => {
    const t = await start(
      makeConfig([app], { metrics: { enabled: true, host: '0.0.0.0', port: 0 } }),
    );

    const warnings = exposureWarnings(t);

    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.msg).toBe(
      'listening on non-loopback address 0.0.0.0: this exposes the metrics (service names and request counts)',
    );
  });
});

describe('what error answers and logs reveal', () => {
  let t: TestApp;
  let port: number;

  beforeAll(async () => {
    process.env.AWS_ENDPOINT_URL_STS = `http://127.0.0.1:${await freePort()}`;
    // Trace level: the most a deployment can ever log.
    t = await startTestApp(makeConfig([app]), 'trace');
    await t.app.primed;
    port = Number(new URL(t.app.credentialsUrl).port);
  });

  afterAll(async () => {
    await t?.app.stop();
  });

  it('answers every kind of error with a short JSON message and nothing internal', async () => {
    const bodies: Record<string, string> = {};
    const viaFetch = async (name: string, path: string, token?: string, method = 'GET') => {
      const response = await t.get(path, token, { method });
      bodies[name] = `${response.status} ${await response.text()}`;
    };
    await viaFetch('401', '/v1/credentials');
    await viaFetch('403', '/v1/credentials', SECRET_LOOKING_TOKEN);
    await viaFetch('404', '/no/such/path');
    await viaFetch('405', '/v1/credentials', app.authToken, 'POST');
    await viaFetch('503 credentials', '/v1/credentials', app.authToken);
    await viaFetch('503 ready', '/ready');
    for (const [name, payload] of [
      ['400 garbage', '\u0000\u0001\u0002 not http\r\n\r\n'],
      ['400 malformed URI', rawGet('/%E0%A4%A')],
      ['431', rawGet('/v1/credentials', { Authorization: 'x'.repeat(40_000) })],
    ] as const) {
      const exchange = await sendRaw(payload, { port, localAddress: '127.0.7.1' });
      bodies[name] = exchange.text;
    }
    // Until the limiter answers 429: the bucket refills while we send, so a slow machine
    // needs more than the burst of 100.
    for (let i = 0; i < 1_000 && !bodies['429']?.startsWith('HTTP/1.1 429 '); i++) {
      const exchange = await sendRaw(
        rawGet('/v1/credentials', { Authorization: SECRET_LOOKING_TOKEN }),
        {
          port,
          localAddress: '127.0.7.2',
        },
      );
      bodies['429'] = exchange.text;
    }

    expect(Object.keys(bodies)).toHaveLength(10);
    expect(bodies['429']).toMatch(/^HTTP\/1\.1 429 /);
    expect(bodies['503 credentials']).toMatch(/^503 \{"code":"STS_UNAVAILABLE"/);
    for (const text of Object.values(bodies)) expectNothingInternal(text);
  });

  it('logs nothing internal or secret at trace level, even for failures', () => {
    const text = t.logs.text();

    expect(text).toContain('AssumeRole failed for service app');
    expectNothingInternal(text);
  });
});
