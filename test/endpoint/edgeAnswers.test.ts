import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendRaw } from '../hardening/sendRaw.js';
import { makeConfig, makeService } from '../helpers/configs.js';
import { flushMicrotasks } from '../helpers/fakeClock.js';
import { type InProcess, startInProcess } from '../helpers/startInProcess.js';

const service = makeService('a');
let t: InProcess;
let port: number;

beforeAll(async () => {
  t = await startInProcess(makeConfig([service]));
  port = Number(new URL(t.url).port);
  await flushMicrotasks();
});
afterAll(() => t.sidecar.stop());

/** The JSON body of the first response on a raw exchange. */
function bodyOf(text: string): unknown {
  return JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4));
}

describe('answers node would give on its own are JSON like every other error', () => {
  it.each([
    ['no Host on HTTP/1.1', 'GET /health HTTP/1.1\r\n\r\n', 400, 'BAD_REQUEST'],
    [
      'an unknown Expect',
      'GET /health HTTP/1.1\r\nHost: x\r\nExpect: something-else\r\n\r\n',
      417,
      'EXPECTATION_FAILED',
    ],
    ['an unparsable request line', 'GARBAGE\r\n\r\n', 400, 'BAD_REQUEST'],
  ])('%s: %i with code %s', async (_name, payload, status, code) => {
    const exchange = await sendRaw(payload, { port });

    expect(exchange.statuses).toEqual([status]);
    expect(exchange.text).toMatch(/\r\nContent-Type: application\/json\r\n/);
    expect(bodyOf(exchange.text)).toMatchObject({ code, Code: code });
  });
});

describe('paths are matched exactly and case-sensitively on every route', () => {
  it.each(['/HEALTH', '/Ready', '/V1/credentials', '/v1/credentials/', '/health/'])(
    '%s is a 404 that names the credential path',
    async (path) => {
      const response = await t.get(path, service.authToken);

      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({
        code: 'NOT_FOUND',
        message:
          'no such path; credentials are served at GET /v1/credentials (AWS_CONTAINER_CREDENTIALS_FULL_URI must end with it)',
      });
    },
  );
});

describe('duplicate Authorization headers', () => {
  it('are refused with 400 whatever their case and order, never first-wins', async () => {
    const raw = (first: string, second: string) =>
      `GET /v1/credentials HTTP/1.1\r\nHost: x\r\n${first}\r\n${second}\r\nConnection: close\r\n\r\n`;

    const answers = await Promise.all([
      sendRaw(raw(`Authorization: ${service.authToken}`, 'authorization: wrong'), { port }),
      sendRaw(raw('AUTHORIZATION: wrong', `Authorization: ${service.authToken}`), { port }),
      sendRaw(raw(`authorization: ${service.authToken}`, `Authorization: ${service.authToken}`), {
        port,
      }),
    ]);

    expect(answers.map((a) => a.statuses)).toEqual([[400], [400], [400]]);
    expect(answers.map((a) => bodyOf(a.text))).toEqual(
      answers.map(() => ({
        code: 'BAD_REQUEST',
        message: 'more than one Authorization header',
        Code: 'BAD_REQUEST',
        Message: 'more than one Authorization header',
      })),
    );
  });
});

describe('failed requests are logged per client address and kind, never per request', () => {
  it('logs 200 PUTs from one address as one warning', async () => {
    const before = t.logs.lines().length;

    for (let i = 0; i < 200; i++) {
      await sendRaw('PUT /v1/credentials HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n', {
        port,
        localAddress: '127.0.0.9',
      });
    }
    const lines = t.logs
      .lines()
      .slice(before)
      .filter((l) => l.client === '127.0.0.9' && l.level !== 'debug');

    expect(lines.map((l) => [l.level, l.code])).toEqual([['warn', 'METHOD_NOT_ALLOWED']]);
  });
});
