import { Agent, type IncomingHttpHeaders, request } from 'node:http';
import autocannon from 'autocannon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_FAILURE_LIMITS } from '../../src/identity/createFailureLimiter.js';
import { makeService } from '../helpers/configs.js';
import { hasMoto } from '../helpers/requireTool.js';
import { type AppOnMoto, startOnMoto } from './startOnMoto.js';

const moto = hasMoto();
const app = makeService('app');
const TOKEN = app.authToken;
const { burst: BURST, refillPerSecond: REFILL_PER_SECOND } = DEFAULT_FAILURE_LIMITS;

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** GET /v1/credentials from a chosen loopback source address (each has its own bucket). */
function getFrom(
  baseUrl: string,
  localAddress: string,
  token: string | undefined,
  agent?: Agent,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${baseUrl}/v1/credentials`,
      {
        localAddress,
        agent: agent ?? false,
        headers: token === undefined ? {} : { Authorization: token },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(!moto.available)('failed-token limiting against a flood', () => {
  let a: AppOnMoto;
  let url: string;

  beforeAll(async () => {
    a = await startOnMoto([app]);
    url = a.t.app.credentialsUrl;
  });

  afterAll(async () => {
    await a?.stop();
  });

  it('answers a burst of failures normally, then 429 with Retry-After, counted in metrics', async () => {
    const address = '127.0.0.1';
    const statuses: number[] = [];
    const started = performance.now();
    // At least BURST + 30 failures, and on until 30 of them were refused: the bucket refills
    // while we send, so a slow machine needs more.
    for (let i = 0; i < 20 * BURST; i++) {
      if (i >= BURST + 30 && statuses.filter((s) => s === 429).length >= 30) break;
      statuses.push((await getFrom(url, address, i % 2 === 0 ? undefined : `wrong-${i}`)).status);
    }
    const elapsedS = (performance.now() - started) / 1000;
    const limited = await getFrom(url, address, 'wrong-again');
    const honest = await getFrom(url, address, TOKEN);
    const counted = await a.t.metric('credproxy_requests_total', {
      service: 'unknown',
      result: 'rate_limited',
    });
    const firstLimited = statuses.indexOf(429);
    const normal = statuses.filter((s) => s === 401 || s === 403).length;
    const rateLimited = statuses.filter((s) => s === 429).length;
    const body = JSON.parse(limited.body) as Record<string, string>;
    console.log(
      `limiter: ${normal} of ${statuses.length} failures answered 401/403 and ${rateLimited} 429 in ${elapsedS.toFixed(2)} s (burst ${BURST}, refill ${REFILL_PER_SECOND}/s)`,
    );

    expect(normal + rateLimited).toBe(statuses.length);
    expect(firstLimited).toBeGreaterThanOrEqual(BURST);
    // The burst, plus what refilled while the requests were being sent.
    expect(normal).toBeLessThanOrEqual(BURST + Math.ceil(elapsedS * REFILL_PER_SECOND) + 1);
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBe('1');
    expect(limited.headers['content-type']).toBe('application/json');
    expect(body).toEqual({
      code: 'RATE_LIMITED',
      message: 'too many failed token attempts from this address',
      Code: 'RATE_LIMITED',
      Message: 'too many failed token attempts from this address',
    });
    expect(counted).toBe(rateLimited + 1);
    expect(honest.status).toBe(200);
  });

  it('answers failures normally again once Retry-After has passed, at the refill rate', async () => {
    const address = '127.0.0.6';
    let limited = await getFrom(url, address, 'wrong');
    // The bucket refills while we send, so a slow machine needs more than BURST attempts.
    for (let i = 0; i <= 3 * BURST && limited.status !== 429; i++) {
      limited = await getFrom(url, address, 'wrong');
    }
    await sleep(Number(limited.headers['retry-after']) * 1000 + 100);
    const afterWait = await getFrom(url, address, 'still-wrong');
    const missing = await getFrom(url, address, undefined);
    // Drain what is left, wait one second, count what one second of refill allows.
    for (let i = 0; i <= 3 * BURST; i++) {
      if ((await getFrom(url, address, 'drain')).status === 429) break;
    }
    await sleep(1_000);
    let refilled = 0;
    while ((await getFrom(url, address, 'count')).status === 403 && refilled <= BURST) refilled++;

    expect(limited.status).toBe(429);
    expect(afterWait.status).toBe(403);
    expect(missing.status).toBe(401);
    expect(refilled).toBeGreaterThanOrEqual(REFILL_PER_SECOND - 1);
    expect(refilled).toBeLessThanOrEqual(REFILL_PER_SECOND + 3);
  });

  it('limits each client address on its own', async () => {
    let flooder = await getFrom(url, '127.0.0.2', 'wrong');
    for (let i = 0; i <= 2 * BURST && flooder.status !== 429; i++) {
      flooder = await getFrom(url, '127.0.0.2', 'wrong');
    }

    const neighbour = await getFrom(url, '127.0.0.3', 'wrong');

    expect(flooder.status).toBe(429);
    expect(neighbour.status).toBe(403);
  });

  it('never slows the right token while a flood of failures comes from the same address', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const honest: Array<{ status: number; ms: number }> = [];
    let flooding = true;
    const honestLoop = (async () => {
      // Bounded by the flood's end, and by a count in case the flood never ends.
      for (let i = 0; flooding && i < 5_000; i++) {
        const started = performance.now();
        const answer = await getFrom(url, '127.0.0.1', TOKEN, agent);
        honest.push({ status: answer.status, ms: performance.now() - started });
        await sleep(5);
      }
    })();

    const flood = await autocannon({
      url: `${url}/v1/credentials`,
      connections: 20,
      amount: 6_000,
      headers: { Authorization: 'wrong-token-from-a-flood' },
    });
    flooding = false;
    await honestLoop;
    agent.destroy();
    const latencies = honest.map((h) => h.ms).sort((x, y) => x - y);
    const p = (q: number) =>
      latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
    const byStatus = Object.fromEntries(
      Object.entries(flood.statusCodeStats).map(([status, stat]) => [status, stat?.count ?? 0]),
    );
    console.log(
      `flood: ${flood.requests.total} bad requests in ${flood.duration.toFixed(1)} s ` +
        `(${Math.round(flood.requests.average)} req/s, p99 ${flood.latency.p99} ms) answered ${JSON.stringify(byStatus)}; ` +
        `meanwhile ${honest.length} honest requests: p50 ${p(0.5).toFixed(1)} ms, p99 ${p(0.99).toFixed(1)} ms, max ${p(1).toFixed(1)} ms`,
    );

    expect(flood.errors).toBe(0);
    expect(Object.keys(byStatus).sort()).toEqual(['403', '429']);
    expect(byStatus['429']).toBeGreaterThan(5_000);
    expect(honest.length).toBeGreaterThan(10);
    expect(honest.filter((h) => h.status !== 200)).toEqual([]);
    // Java's read timeout is 1 s (CLIENT-CONTRACT.md): no honest request comes near it.
    expect(p(1)).toBeLessThan(1_000);
  }, 60_000);

  it('rejects tokens sharing a long prefix with a real one exactly like a random token', async () => {
    const address = '127.0.0.4';
    const near = [
      TOKEN.slice(0, -1),
      `${TOKEN}x`,
      `${TOKEN.slice(0, -1)}${TOKEN.endsWith('f') ? 'e' : 'f'}`,
      TOKEN.toUpperCase(),
      `${TOKEN.slice(0, TOKEN.length / 2)}${'z'.repeat(TOKEN.length / 2)}`,
      ` ${TOKEN}x`,
    ];
    const random = 'q7Vt2LrX9mKp4ZsW8nYb3HcJ6dFg1AeR5uTi';

    const baseline = await getFrom(url, address, random);
    const answers = [];
    for (const token of near) answers.push(await getFrom(url, address, token));
    const comparable = ({ status, headers, body }: Answer) => {
      const { date: _date, ...rest } = headers;
      return { status, headers: rest, body };
    };

    expect(baseline.status).toBe(403);
    for (const answer of answers) expect(comparable(answer)).toEqual(comparable(baseline));
  });

  it('logs a flood once per window and kind, not once per request and not never', async () => {
    const before = a.t.logs.lines().length;
    for (let i = 0; i < BURST + 200; i++) await getFrom(url, '127.0.0.5', 'flood');

    const aboutFlood = a.t.logs
      .lines()
      .slice(before)
      .filter((line) => JSON.stringify(line).includes('127.0.0.5'));

    // One line for the first wrong token, one when the limiter starts refusing: 300 requests,
    // two warnings, each kind at most once a minute per address.
    expect(aboutFlood.map((line) => [line.level, line.code])).toEqual([
      ['warn', 'INVALID_TOKEN'],
      ['warn', 'RATE_LIMITED'],
    ]);
  });
});
