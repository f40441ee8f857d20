import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeConfig } from '../helpers/configs.js';
import {
  AGENT_TOKEN,
  makeAgent,
  makeRoute,
  OTHER_TOKEN,
  ROUTE_KEY,
  startEgress,
} from './egressSetup.js';
import { send } from './send.js';
import { headerNames, headerValues, startUpstream, type Upstream } from './upstream.js';

describe('egress forwarding', () => {
  let upstream: Upstream;
  let t: Awaited<ReturnType<typeof startEgress>>;
  const TENANT_KEY = 'tenant-b-key-SECRET-9e8d7c6b5a4f3e2d';

  beforeAll(async () => {
    upstream = await startUpstream();
    t = await startEgress(
      [
        makeRoute('anthropic', `${upstream.url}/base`),
        makeRoute('github', upstream.url, {
          inject: { header: 'authorization', scheme: 'Bearer', value: ROUTE_KEY },
        }),
        makeRoute('github-api', `${upstream.url}/longest`, { path: '/github/api' }),
        makeRoute('gitea', upstream.url, {
          inject: { header: 'authorization', scheme: 'token', value: ROUTE_KEY },
        }),
      ],
      [
        makeAgent('agent', AGENT_TOKEN, ['anthropic', 'github', 'github-api', 'gitea']),
        makeAgent('other', OTHER_TOKEN, ['anthropic'], {
          routeValues: { anthropic: TENANT_KEY },
        }),
      ],
    );
  });

  afterAll(async () => {
    await t?.sidecar.stop();
    await upstream?.close();
  });

  it('replaces the prefix by the base path, keeps the query verbatim and injects the key', async () => {
    upstream.requests.length = 0;

    const answer = await send(t.egress, '/anthropic/v1/messages?beta=true&x=%2F', {
      method: 'POST',
      headers: {
        'x-api-key': AGENT_TOKEN,
        'content-type': 'application/json',
        'anthropic-version': '2023-06-01',
      },
      body: '{"hello":"world"}',
    });
    const [seen] = upstream.requests;

    expect(answer.status).toBe(200);
    expect(seen?.method).toBe('POST');
    expect(seen?.url).toBe('/base/v1/messages?beta=true&x=%2F');
    expect(seen?.body.toString()).toBe('{"hello":"world"}');
    expect(headerValues(seen?.rawHeaders ?? [], 'x-api-key')).toEqual([ROUTE_KEY]);
    expect(headerValues(seen?.rawHeaders ?? [], 'host')).toEqual([`127.0.0.1:${upstream.port}`]);
    expect(headerValues(seen?.rawHeaders ?? [], 'anthropic-version')).toEqual(['2023-06-01']);
    expect(JSON.stringify(seen?.rawHeaders)).not.toContain(AGENT_TOKEN);
  });

  it('removes every client auth header, hop-by-hop headers and those Connection names', async () => {
    upstream.requests.length = 0;

    await send(t.egress, '/anthropic/v1/models', {
      headers: {
        'x-api-key': AGENT_TOKEN,
        authorization: `Bearer ${AGENT_TOKEN}`,
        'proxy-authorization': `Bearer ${AGENT_TOKEN}`,
        connection: 'keep-alive, x-private-hop',
        'keep-alive': 'timeout=5',
        'x-private-hop': 'hop',
        te: 'trailers',
        upgrade: 'h2c',
        'x-kept': 'kept',
      },
    });
    const names = headerNames(upstream.requests[0]?.rawHeaders ?? []);

    expect(names).toContain('x-kept');
    for (const gone of [
      'authorization',
      'proxy-authorization',
      'keep-alive',
      'x-private-hop',
      'te',
      'upgrade',
    ]) {
      expect(names).not.toContain(gone);
    }
    expect(headerValues(upstream.requests[0]?.rawHeaders ?? [], 'x-api-key')).toEqual([ROUTE_KEY]);
    expect(JSON.stringify(upstream.requests[0]?.rawHeaders)).not.toContain(AGENT_TOKEN);
  });

  it('never forwards the workload token, whatever other header carries it', async () => {
    upstream.requests.length = 0;

    await send(t.egress, '/github/user', {
      headers: {
        authorization: `Bearer ${AGENT_TOKEN}`,
        'x-api-key': AGENT_TOKEN,
        cookie: `session=${AGENT_TOKEN}`,
        'x-kept': 'kept',
      },
    });
    const seen = upstream.requests[0]?.rawHeaders ?? [];

    expect(headerNames(seen)).toContain('x-kept');
    expect(headerNames(seen)).not.toContain('x-api-key');
    expect(headerNames(seen)).not.toContain('cookie');
    expect(JSON.stringify(seen)).not.toContain(AGENT_TOKEN);
  });

  it.each([
    ['the route header', { 'x-api-key': AGENT_TOKEN }],
    ['Authorization: Bearer', { authorization: `Bearer ${AGENT_TOKEN}` }],
    ['Proxy-Authorization: Bearer', { 'proxy-authorization': `Bearer ${AGENT_TOKEN}` }],
    [
      'Proxy-Authorization: Basic service:token',
      { 'proxy-authorization': `Basic ${Buffer.from(`agent:${AGENT_TOKEN}`).toString('base64')}` },
    ],
  ])('accepts the token in %s', async (_where, headers) => {
    const answer = await send(t.egress, '/anthropic/v1/models', { headers });

    expect(answer.status).toBe(200);
  });

  it('injects with the route scheme and takes the token from the same header', async () => {
    upstream.requests.length = 0;

    const answer = await send(t.egress, '/github/user', {
      headers: { authorization: `Bearer ${AGENT_TOKEN}` },
    });

    expect(answer.status).toBe(200);
    expect(upstream.requests[0]?.url).toBe('/user');
    expect(headerValues(upstream.requests[0]?.rawHeaders ?? [], 'authorization')).toEqual([
      `Bearer ${ROUTE_KEY}`,
    ]);
  });

  it('takes an SDK Bearer token on a route that injects Authorization with another scheme', async () => {
    upstream.requests.length = 0;

    const answer = await send(t.egress, '/gitea/repos', {
      headers: { authorization: `Bearer ${AGENT_TOKEN}` },
    });

    expect(answer.status).toBe(200);
    expect(headerValues(upstream.requests[0]?.rawHeaders ?? [], 'authorization')).toEqual([
      `token ${ROUTE_KEY}`,
    ]);
  });

  it('matches prefixes on a segment boundary, the longest first', async () => {
    upstream.requests.length = 0;
    const headers = { authorization: `Bearer ${AGENT_TOKEN}` };

    const longest = await send(t.egress, '/github/api/repos', { headers });
    const bare = await send(t.egress, '/github', { headers });
    const other = await send(t.egress, '/githubx/repos', { headers });

    expect(longest.status).toBe(200);
    expect(bare.status).toBe(200);
    expect(upstream.requests.map((r) => r.url)).toEqual(['/longest/repos', '/']);
    expect(other.status).toBe(404);
    expect(other.json).toEqual({ code: 'ROUTE_NOT_FOUND', message: 'no route matches this path' });
    expect(other.headers['x-credproxy-error']).toBe('ROUTE_NOT_FOUND');
  });

  it("injects the service's own route value instead of the route's", async () => {
    upstream.requests.length = 0;

    await send(t.egress, '/anthropic/v1/models', { headers: { 'x-api-key': OTHER_TOKEN } });

    expect(headerValues(upstream.requests[0]?.rawHeaders ?? [], 'x-api-key')).toEqual([TENANT_KEY]);
  });

  it('passes redirects back instead of following them', async () => {
    upstream.handler = (_req, res) => {
      res.writeHead(302, { location: 'https://elsewhere.example/next' });
      res.end();
    };
    upstream.requests.length = 0;

    const answer = await send(t.egress, '/anthropic/old', {
      headers: { 'x-api-key': AGENT_TOKEN },
    });

    expect(answer.status).toBe(302);
    expect(answer.headers.location).toBe('https://elsewhere.example/next');
    expect(upstream.requests).toHaveLength(1);
  });

  it('removes response headers that contain an injected value, and hop-by-hop ones', async () => {
    upstream.handler = (req, res) => {
      res.writeHead(200, {
        'x-echo-key': `you sent ${req.headers['x-api-key']}`,
        'x-safe': 'safe',
        'keep-alive': 'timeout=99',
        'content-type': 'text/plain',
      });
      res.end('ok');
    };

    const routeKey = await send(t.egress, '/anthropic/echo', {
      headers: { 'x-api-key': AGENT_TOKEN },
    });
    const tenantKey = await send(t.egress, '/anthropic/echo', {
      headers: { 'x-api-key': OTHER_TOKEN },
    });

    for (const answer of [routeKey, tenantKey]) {
      expect(answer.status).toBe(200);
      expect(answer.headers['x-safe']).toBe('safe');
      expect(answer.headers).not.toHaveProperty('x-echo-key');
      expect(answer.headers['keep-alive']).not.toBe('timeout=99');
    }
    expect(t.logs.text()).toContain('response headers withheld');
    expect(t.logs.text()).not.toContain(ROUTE_KEY);
    expect(t.logs.text()).not.toContain(TENANT_KEY);
  });
});

describe('an egress-only service on the credential endpoint', () => {
  it('gets 404 "has no assumed_role", and the sidecar is ready without STS', async () => {
    const upstream = await startUpstream();
    const t = await startEgress(
      [makeRoute('api', upstream.url)],
      [makeAgent('agent', AGENT_TOKEN, ['api'])],
    );
    try {
      const credentials = await t.get('/v1/credentials', AGENT_TOKEN);
      const ready = await t.get('/ready');

      expect(credentials.status).toBe(404);
      expect(((await credentials.json()) as { message: string }).message).toBe(
        'service agent has no assumed_role',
      );
      expect(ready.status).toBe(200);
      expect(t.assumer.calls).toBe(0);
    } finally {
      await t.sidecar.stop();
      await upstream.close();
    }
  });
});

describe('egress routes on SIGHUP', () => {
  it('injects the new value and drops a removed route for the next request', async () => {
    const upstream = await startUpstream();
    const agent = makeAgent('agent', AGENT_TOKEN, ['api', 'old']);
    const t = await startEgress(
      [makeRoute('api', upstream.url), makeRoute('old', upstream.url)],
      [agent],
    );
    try {
      const rotated = 'sk-rotated-key-SECRET-1a2b3c4d5e6f7a8b';
      t.setNextConfig(
        makeConfig([makeAgent('agent', AGENT_TOKEN, ['api'])], {
          proxy: {
            host: '127.0.0.1',
            port: 0,
            routes: [
              makeRoute('api', upstream.url, { inject: { header: 'x-api-key', value: rotated } }),
            ],
          },
        }),
      );

      await t.sidecar.reload();
      const api = await send(t.egress, '/api/x', { headers: { 'x-api-key': AGENT_TOKEN } });
      const old = await send(t.egress, '/old/x', { headers: { 'x-api-key': AGENT_TOKEN } });

      expect(api.status).toBe(200);
      expect(headerValues(upstream.requests.at(-1)?.rawHeaders ?? [], 'x-api-key')).toEqual([
        rotated,
      ]);
      expect(old.status).toBe(404);
    } finally {
      await t.sidecar.stop();
      await upstream.close();
    }
  });
});
