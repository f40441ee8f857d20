import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AGENT_TOKEN,
  makeAgent,
  makeRoute,
  OTHER_TOKEN,
  ROUTE_KEY,
  startEgress,
} from './egressSetup.js';
import { send } from './send.js';
import { startUpstream, type Upstream } from './upstream.js';

describe('egress refusals: nothing is forwarded', () => {
  let upstream: Upstream;
  let t: Awaited<ReturnType<typeof startEgress>>;
  const key = { 'x-api-key': AGENT_TOKEN };

  beforeAll(async () => {
    upstream = await startUpstream();
    t = await startEgress(
      [
        makeRoute('anthropic', upstream.url, {
          allow: [
            { methods: ['POST'], paths: ['/v1/messages', '/v1/messages/count_tokens'] },
            { methods: ['GET'], paths: ['/v1/files/*'] },
          ],
        }),
        makeRoute('private', upstream.url),
        makeRoute('open', upstream.url, { clientAuth: 'none' }),
      ],
      [
        makeAgent('agent', AGENT_TOKEN, ['anthropic']),
        makeAgent('other', OTHER_TOKEN, ['private']),
      ],
    );
  });

  afterAll(async () => {
    await t?.sidecar.stop();
    await upstream?.close();
  });

  it.each([
    '/anthropic/../private/v1',
    '/anthropic/v1/..',
    '/anthropic/./v1/messages',
    '/anthropic/%2e%2e/private',
    '/anthropic/%2E%2e/private',
    '/anthropic/.%2e/private',
    '/anthropic/%252e%252e/private',
    '/anthropic/v1%2fmessages',
    '/anthropic/v1%2Fmessages',
    '/anthropic/v1%5cmessages',
    '/anthropic/v1%255cmessages',
    '/anthropic/v1\\messages',
    '/anthropic/v1/%00',
    '/anthropic/v1/%E0%A4%A',
    'http://127.0.0.1/anthropic/v1/messages',
  ])('refuses %s with 400 PATH_REFUSED before matching', async (path) => {
    upstream.requests.length = 0;

    const answer = await send(t.egress, path, { method: 'POST', headers: key, body: '{}' });

    expect(answer.status).toBe(400);
    expect(answer.json?.code).toBe('PATH_REFUSED');
    expect(answer.headers['x-credproxy-error']).toBe('PATH_REFUSED');
    expect(upstream.requests).toEqual([]);
  });

  it('answers 401 MISSING_TOKEN without a token', async () => {
    upstream.requests.length = 0;

    const answer = await send(t.egress, '/anthropic/v1/messages', { method: 'POST', body: '{}' });

    expect(answer.status).toBe(401);
    expect(answer.json).toEqual({ code: 'MISSING_TOKEN', message: expect.any(String) });
    expect(upstream.requests).toEqual([]);
  });

  it('answers 401 INVALID_TOKEN for a wrong token, in any accepted place', async () => {
    upstream.requests.length = 0;
    const wrong = 'wrong-token-00000000000000000000000000000000';

    const answers = await Promise.all([
      send(t.egress, '/anthropic/v1/messages', { method: 'POST', headers: { 'x-api-key': wrong } }),
      send(t.egress, '/anthropic/v1/messages', {
        method: 'POST',
        headers: { authorization: `Bearer ${wrong}` },
      }),
      send(t.egress, '/anthropic/v1/messages', {
        method: 'POST',
        headers: {
          'proxy-authorization': `Basic ${Buffer.from(`other:${AGENT_TOKEN}`).toString('base64')}`,
        },
      }),
    ]);

    expect(answers.map((a) => [a.status, a.json?.code])).toEqual([
      [401, 'INVALID_TOKEN'],
      [401, 'INVALID_TOKEN'],
      [401, 'INVALID_TOKEN'],
    ]);
    expect(upstream.requests).toEqual([]);
  });

  it('answers 400 when a credential header appears twice', async () => {
    const answer = await send(t.egress, '/anthropic/v1/messages', {
      method: 'POST',
      headers: { 'x-api-key': [AGENT_TOKEN, OTHER_TOKEN] },
    });

    expect(answer.status).toBe(400);
    expect(answer.json?.code).toBe('BAD_REQUEST');
  });

  it('answers 403 ROUTE_NOT_ALLOWED for a route the service does not list', async () => {
    upstream.requests.length = 0;

    const answer = await send(t.egress, '/private/x', { headers: key });

    expect(answer.status).toBe(403);
    expect(answer.json?.code).toBe('ROUTE_NOT_ALLOWED');
    expect(answer.json?.message).toBe(
      "service agent may not use route private (add it to the service's routes)",
    );
    expect(upstream.requests).toEqual([]);
  });

  it.each([
    ['GET', '/anthropic/v1/messages', 403],
    ['POST', '/anthropic/v1/messages/batches', 403],
    ['POST', '/anthropic/v1/messages', 200],
    ['POST', '/anthropic/v1/messages?beta=true', 200],
    ['POST', '/anthropic/v1/messages/count_tokens', 200],
    ['GET', '/anthropic/v1/files/abc/content', 200],
    ['GET', '/anthropic/v1/files', 403],
    ['DELETE', '/anthropic/v1/files/abc', 403],
  ])('allow list: %s %s → %i', async (method, path, status) => {
    upstream.requests.length = 0;

    const answer = await send(t.egress, path, { method, headers: key });

    expect(answer.status).toBe(status);
    if (status === 403) {
      expect(answer.json?.code).toBe('REQUEST_NOT_ALLOWED');
      expect(upstream.requests).toEqual([]);
    }
  });

  it('lets anyone use a client_auth: none route, with the route value injected', async () => {
    upstream.requests.length = 0;

    const answer = await send(t.egress, '/open/status', {
      headers: { authorization: 'Bearer whatever' },
    });

    expect(answer.status).toBe(200);
    expect(upstream.requests[0]?.rawHeaders).toContain(ROUTE_KEY);
    expect(upstream.requests[0]?.rawHeaders).not.toContain('Bearer whatever');
  });

  it('answers 429 RATE_LIMITED with Retry-After once an address fails too often, valid tokens still pass', async () => {
    let answer = await send(t.egress, '/anthropic/v1/messages', {
      method: 'POST',
      headers: { 'x-api-key': 'nope' },
    });
    for (let i = 0; i < 200 && answer.status !== 429; i += 1) {
      answer = await send(t.egress, '/anthropic/v1/messages', {
        method: 'POST',
        headers: { 'x-api-key': 'nope' },
      });
    }

    const valid = await send(t.egress, '/anthropic/v1/messages', { method: 'POST', headers: key });

    expect(answer.status).toBe(429);
    expect(answer.json?.code).toBe('RATE_LIMITED');
    expect(Number(answer.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(valid.status).toBe(200);
  });

  it('keeps every token and injected value out of the logs and the metrics', async () => {
    const metrics = await (await fetch(`${t.metricsUrl}/metrics`)).text();
    const logs = t.logs.text();

    for (const secret of [AGENT_TOKEN, OTHER_TOKEN, ROUTE_KEY]) {
      expect(logs).not.toContain(secret);
      expect(metrics).not.toContain(secret);
    }
    expect(logs).toContain('egress request refused');
  });
});
