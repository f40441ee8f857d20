import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createStatusRoutes } from '../../src/endpoint/createStatusRoutes.js';
import { createFailureLog } from '../../src/observability/createFailureLog.js';
import { createLogger } from '../../src/observability/createLogger.js';
import { makeConfig, makeService } from '../helpers/configs.js';
import { freePort } from '../helpers/moto.js';
import { LogSink, startTestApp, type TestApp } from '../helpers/startTestApp.js';

describe('health-check logging', () => {
  let t: TestApp | undefined;

  beforeAll(async () => {
    // No STS here: a closed loopback port, so nothing ever leaves the machine.
    process.env.AWS_ENDPOINT_URL_STS = `http://127.0.0.1:${await freePort()}`;
  });

  afterEach(async () => {
    await t?.app.stop();
    t = undefined;
  });

  const healthLines = (app: TestApp) => app.logs.lines().filter((line) => line.path === '/health');

  it('logs nothing for a passing health check by default', async () => {
    t = await startTestApp(makeConfig([makeService('a')]), 'info');

    const response = await t.get('/health');

    expect(response.status).toBe(200);
    expect(healthLines(t)).toEqual([]);
  });

  it('logs each health check when server.log_health_checks is on', async () => {
    const config = makeConfig([makeService('a')]);
    t = await startTestApp(
      { ...config, server: { ...config.server, logHealthChecks: true } },
      'info',
    );

    await t.get('/health');
    await t.get('/health');

    expect(healthLines(t).map((l) => [l.level, l.status])).toEqual([
      ['info', 200],
      ['info', 200],
    ]);
  });

  it('always logs a failing health check, at warn, even with health logging off', async () => {
    const logs = new LogSink();
    const logger = createLogger({
      level: 'info',
      pretty: false,
      destination: logs,
      version: 'test',
    });
    const routes = createStatusRoutes({
      serviceCount: () => 0,
      notReady: () => [],
      logger,
      failures: createFailureLog({ logger, now: Date.now }),
      logHealthChecks: () => false,
      draining: () => true,
      version: 'test',
    });
    const server = createServer((req, res) => routes(req, res, req.url ?? ''));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;

    const response = await fetch(`http://127.0.0.1:${port}/health`);
    server.close();

    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ status: 'stopping' });
    expect(logs.lines().map((l) => [l.level, l.path, l.status])).toEqual([
      ['warn', '/health', 503],
    ]);
  });
});
