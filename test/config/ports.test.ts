import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { toPortKeyText } from '../../src/config/ports.js';
import { close, listen } from '../../src/http/listen.js';
import { parseText, TOKEN } from './configText.js';

const CONFIG = [
  'server: {port: "${fromEnv:CREDPROXY_PORT:-1338}"}',
  'aws_defaults: {region: us-east-1}',
  'services:',
  `  app1: {auth_token: "${TOKEN}", assumed_role: {RoleArn: "arn:aws:iam::123456789012:role/A"}}`,
].join('\n');

describe('toPortKeyText', () => {
  it.each([
    ['server.port', undefined, 'server.port'],
    ['server.port', 'CREDPROXY_PORT', 'CREDPROXY_PORT or server.port'],
    [
      'metrics.prometheus.port',
      'CREDPROXY_METRICS_PORT',
      'CREDPROXY_METRICS_PORT or metrics.prometheus.port',
    ],
  ] as const)('names %s with source %s as %s', (key, source, expected) => {
    expect(toPortKeyText(key, source)).toBe(expected);
  });
});

describe('a taken port that came from a variable', () => {
  const servers: ReturnType<typeof createServer>[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => close(server, 0)));
  });

  it('is reported as PORT_IN_USE naming the variable and the key', async () => {
    const holder = createServer();
    servers.push(holder);
    await listen(holder, '127.0.0.1', 0, 'server.port');
    const taken = (holder.address() as AddressInfo).port;
    const { config } = parseText(CONFIG, { env: { CREDPROXY_PORT: String(taken) } });
    const second = createServer();
    servers.push(second);

    const attempt = listen(
      second,
      config.server.host,
      config.server.port,
      toPortKeyText('server.port', config.server.portSource),
    );

    await expect(attempt).rejects.toMatchObject({
      code: 'PORT_IN_USE',
      message: `127.0.0.1:${taken} is already in use by another process (change CREDPROXY_PORT or server.port)`,
    });
  });
});
