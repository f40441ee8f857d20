import type { ServerResponse } from 'node:http';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_TOKEN, makeAgent, makeRoute, ROUTE_KEY, startEgress } from './egressSetup.js';
import { send } from './send.js';
import { startUpstream, type Upstream } from './upstream.js';

const key = { 'x-api-key': AGENT_TOKEN };

describe('egress streaming', () => {
  let upstream: Upstream;
  let t: Awaited<ReturnType<typeof startEgress>>;

  beforeAll(async () => {
    upstream = await startUpstream();
    t = await startEgress(
      [makeRoute('llm', upstream.url)],
      [makeAgent('agent', AGENT_TOKEN, ['llm'])],
    );
  });

  afterAll(async () => {
    await t?.sidecar.stop();
    await upstream?.close();
  });

  it('delivers each server-sent event before the upstream writes the next one', async () => {
    let stream: ServerResponse | undefined;
    const opened = new Promise<void>((resolve) => {
      upstream.handler = (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        res.flushHeaders();
        stream = res;
        resolve();
      };
    });
    const response = await fetch(`${t.egress}/llm/v1/messages`, {
      method: 'POST',
      headers: key,
      body: '{}',
    });
    await opened;
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    const received: string[] = [];

    // Lock-step: event n+1 is written only once event n has reached the client.
    for (let n = 1; n <= 5; n += 1) {
      stream?.write(`event: delta\ndata: {"n":${n}}\n\n`);
      const { value } = await reader.read();
      received.push(decoder.decode(value));
    }
    stream?.end();
    const last = await reader.read();

    expect(response.headers.get('content-type')).toBe('text/event-stream');
    expect(received).toEqual([1, 2, 3, 4, 5].map((n) => `event: delta\ndata: {"n":${n}}\n\n`));
    expect(last.done).toBe(true);
  });

  it('aborts the upstream request when the client goes away', async () => {
    const upstreamClosed = new Promise<string>((resolve) => {
      upstream.handler = (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: first\n\n');
        res.on('close', () => resolve(res.writableFinished ? 'finished' : 'aborted'));
      };
    });
    const url = new URL(`${t.egress}/llm/v1/messages`);

    await new Promise<void>((resolve) => {
      const req = request(
        { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: key },
        (res) => {
          res.once('data', () => {
            req.destroy();
            resolve();
          });
        },
      );
      req.end('{}');
    });

    expect(await upstreamClosed).toBe('aborted');
    await expect
      .poll(() => auditLines(t).find((l) => l.code === 'CLIENT_CLOSED'))
      .toMatchObject({
        route: 'llm',
        status: 200,
      });
  });

  it('writes one audit line per proxied request with the documented fields, never the key', async () => {
    upstream.handler = (_req, res) => {
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end('{"id":"msg_1"}');
    };

    await send(t.egress, '/llm/v1/messages?secret_query=1', {
      method: 'POST',
      headers: key,
      body: '{"x":1}',
    });
    const line = auditLines(t).find((l) => l.status === 201);

    expect(line).toEqual({
      level: 'info',
      time: expect.any(String),
      app: 'credproxy',
      version: 'test',
      component: 'audit',
      event: 'proxied',
      route: 'llm',
      service: 'agent',
      client: '127.0.0.1',
      method: 'POST',
      path: '/llm/v1/messages',
      status: 201,
      bytesUp: 7,
      bytesDown: 14,
      upstreamMs: expect.any(Number),
      durationMs: expect.any(Number),
      code: null,
      msg: 'request proxied',
    });
    expect(t.logs.text()).not.toContain(ROUTE_KEY);
    expect(t.logs.text()).not.toContain(AGENT_TOKEN);
  });

  it('counts requests, bytes, upstream errors and in-flight requests per route', async () => {
    upstream.handler = (_req, res) => res.end('0123456789');
    await send(t.egress, '/llm/x', { method: 'POST', headers: key, body: 'abc' });
    await send(t.egress, '/nothing', { headers: key });

    const text = await (await fetch(`${t.metricsUrl}/metrics`)).text();

    expect(text).toMatch(
      /credproxy_proxy_requests_total\{route="llm",service="agent",status_class="2xx"\} \d+/,
    );
    expect(text).toContain(
      'credproxy_proxy_requests_total{route="unknown",service="unknown",status_class="4xx"} 1',
    );
    expect(text).toMatch(/credproxy_proxy_bytes_total\{route="llm",direction="upstream"\} \d+/);
    expect(text).toMatch(/credproxy_proxy_bytes_total\{route="llm",direction="downstream"\} \d+/);
    expect(text).toContain('credproxy_proxy_in_flight_requests{route="llm"} 0');
    expect(text).toMatch(/credproxy_proxy_request_duration_seconds_count\{route="llm"\} \d+/);
    expect(text).not.toContain(ROUTE_KEY);
  });
});

function auditLines(t: { logs: { lines(): Array<Record<string, unknown>> } }) {
  return t.logs.lines().filter((line) => line.event === 'proxied');
}
