import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeService } from '../helpers/configs.js';
import { hasMoto } from '../helpers/requireTool.js';
import { rawGet, sendRaw } from './sendRaw.js';
import { type AppOnMoto, startOnMoto } from './startOnMoto.js';

const moto = hasMoto();
const app = makeService('app');
const TOKEN = app.authToken;

/**
 * One case: bytes to send and the exact statuses expected back on that connection. `[]` means
 * the server closes without an answer. A few cases accept either an answer or a close: the
 * server may stop reading an oversized header block before the client has finished writing it.
 */
interface Case {
  readonly name: string;
  readonly payload: string | Uint8Array;
  readonly expected: number[] | 'oversized';
}

const bytes = (...parts: Array<string | number[]>): Buffer =>
  Buffer.concat(
    parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))),
  );

const CASES: Case[] = [
  // Not HTTP at all.
  {
    name: 'binary garbage',
    payload: bytes(Array.from({ length: 512 }, (_, i) => (i * 7919) % 256)),
    expected: [400],
  },
  {
    name: 'a TLS ClientHello on the plain port',
    payload: bytes([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03]),
    expected: [400],
  },
  {
    name: 'an HTTP/2 connection preface',
    payload: 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n',
    expected: [400],
  },
  { name: 'a request line cut short', payload: 'GET /health HT', expected: [400] },
  {
    name: 'a tab instead of a space in the request line',
    payload: 'GET\t/health HTTP/1.1\r\nHost: x\r\n\r\n',
    expected: [400],
  },
  {
    name: 'HTTP/3.0 as the version',
    payload: 'GET /health HTTP/3.0\r\nHost: x\r\n\r\n',
    expected: [400],
  },
  { name: 'HTTP/1.1 without Host', payload: 'GET /health HTTP/1.1\r\n\r\n', expected: [400] },
  // Oversized.
  {
    name: 'a 64 KB header',
    payload: rawGet('/health', { 'X-Big': 'a'.repeat(64 * 1024) }),
    expected: 'oversized',
  },
  {
    name: 'a 64 KB Authorization header',
    payload: rawGet('/v1/credentials', { Authorization: 'a'.repeat(64 * 1024) }),
    expected: 'oversized',
  },
  { name: 'a 60 KB path', payload: rawGet(`/${'a'.repeat(60_000)}`), expected: 'oversized' },
  {
    name: '6,000 small headers (70 KB)',
    payload: rawGet(
      '/health',
      Object.fromEntries(Array.from({ length: 6000 }, (_, i) => [`X-H${i}`, 'v'])),
    ),
    expected: 'oversized',
  },
  // Header injection through the token.
  {
    name: 'CR LF in the token (a second header line)',
    payload:
      'GET /v1/credentials HTTP/1.1\r\nHost: x\r\nAuthorization: bad\r\nX-Injected: yes\r\n\r\n',
    expected: [403],
  },
  {
    name: 'a bare LF in the token',
    payload: 'GET /v1/credentials HTTP/1.1\r\nHost: x\r\nAuthorization: ab\ncd\r\n\r\n',
    expected: [400],
  },
  {
    name: 'a bare CR in the token',
    payload: 'GET /v1/credentials HTTP/1.1\r\nHost: x\r\nAuthorization: ab\rcd\r\n\r\n',
    expected: [400],
  },
  {
    name: 'NUL in the token',
    payload: 'GET /v1/credentials HTTP/1.1\r\nHost: x\r\nAuthorization: ab\0cd\r\n\r\n',
    expected: [400],
  },
  {
    name: 'a valid token followed by NUL',
    payload: `GET /v1/credentials HTTP/1.1\r\nHost: x\r\nAuthorization: ${TOKEN}\0\r\n\r\n`,
    expected: [400],
  },
  {
    name: 'non-ASCII bytes in the token',
    payload: bytes(
      'GET /v1/credentials HTTP/1.1\r\nHost: x\r\nAuthorization: ',
      [0xc3, 0xa9, 0xff, 0x80],
      '\r\n\r\n',
    ),
    expected: [403],
  },
  {
    name: 'a valid token followed by non-ASCII bytes',
    payload: bytes(
      `GET /v1/credentials HTTP/1.1\r\nHost: x\r\nAuthorization: ${TOKEN}`,
      [0xc3, 0xa9],
      '\r\n\r\n',
    ),
    expected: [403],
  },
  {
    name: 'a token folded onto a continuation line',
    payload: 'GET /v1/credentials HTTP/1.1\r\nHost: x\r\nAuthorization: ab\r\n cd\r\n\r\n',
    expected: [400],
  },
  {
    name: 'NUL in a header name',
    payload: 'GET /health HTTP/1.1\r\nHost: x\r\nX\0Y: 1\r\n\r\n',
    expected: [400],
  },
  {
    name: 'a wrong token before the right one (two are refused, never first-wins)',
    payload: `GET /v1/credentials HTTP/1.1\r\nHost: x\r\nAuthorization: wrong\r\nAuthorization: ${TOKEN}\r\n\r\n`,
    expected: [400],
  },
  {
    name: 'the right token twice, in different cases',
    payload: `GET /v1/credentials HTTP/1.1\r\nHost: x\r\nauthorization: ${TOKEN}\r\nAUTHORIZATION: ${TOKEN}\r\n\r\n`,
    expected: [400],
  },
  // Absurd paths.
  { name: 'an 8 KB path', payload: rawGet(`/${'a'.repeat(8 * 1024)}`), expected: [404] },
  { name: '%00 after the credential path', payload: rawGet('/v1/credentials%00'), expected: [404] },
  {
    name: 'dot segments to the credential path',
    payload: rawGet('/v1/../v1/credentials'),
    expected: [404],
  },
  { name: 'dot segments above the root', payload: rawGet('/../../../etc/passwd'), expected: [404] },
  { name: 'a double slash', payload: rawGet('//v1/credentials'), expected: [404] },
  {
    name: 'raw UTF-8 in the path',
    payload: bytes('GET /h', [0xc3, 0xa9, 0xe2, 0x82, 0xac], ' HTTP/1.1\r\nHost: x\r\n\r\n'),
    expected: [400],
  },
  { name: 'percent-encoded unicode', payload: rawGet('/%E2%82%AC/%F0%9F%92%A9'), expected: [404] },
  { name: 'an invalid percent escape', payload: rawGet('/%ff%zz'), expected: [404] },
  {
    name: 'a space inside the path',
    payload: 'GET /v1/cred entials HTTP/1.1\r\nHost: x\r\n\r\n',
    expected: [400],
  },
  {
    name: 'a hostile query on the credential path, no token',
    payload: rawGet('/v1/credentials?%00%ff&&==&a[b]=1'),
    expected: [401],
  },
  { name: 'an asterisk target', payload: 'OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n', expected: [404] },
  // Bodies and framing (request smuggling shapes).
  {
    name: 'Content-Length and Transfer-Encoding together',
    payload:
      'POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    expected: [400],
  },
  {
    name: 'two different Content-Length headers',
    payload: 'POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab',
    expected: [400],
  },
  {
    name: 'a body shorter than its Content-Length',
    payload: 'POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc',
    expected: [405, 400],
  },
  {
    name: 'a terabyte Content-Length',
    payload: 'POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000000\r\n\r\nabc',
    expected: [405, 400],
  },
  {
    name: 'a malformed chunk',
    payload: 'POST /health HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
    expected: [405, 400],
  },
  {
    name: 'an unknown Expect',
    payload: rawGet('/health', { Expect: 'something' }),
    expected: [417],
  },
  // HTTP/1.0 and pipelining.
  { name: 'HTTP/1.0 /health', payload: 'GET /health HTTP/1.0\r\n\r\n', expected: [200] },
  {
    name: 'HTTP/1.0 with a valid token',
    payload: `GET /v1/credentials HTTP/1.0\r\nAuthorization: ${TOKEN}\r\n\r\n`,
    expected: [200],
  },
  { name: 'an HTTP/0.9 request line', payload: 'GET /\r\n\r\n', expected: [404] },
  {
    name: 'three pipelined requests',
    payload: `${rawGet('/health')}${rawGet('/v1/credentials', { Authorization: TOKEN })}${rawGet('/nope')}`,
    expected: [200, 200, 404],
  },
  {
    name: 'fifty pipelined requests',
    payload: rawGet('/health').repeat(50),
    expected: Array.from({ length: 50 }, () => 200),
  },
  {
    name: 'garbage after a pipelined request',
    payload: bytes(rawGet('/health'), [0, 1, 2], 'garbage\r\n\r\n', rawGet('/health')),
    expected: [200, 400],
  },
  {
    name: 'a WebSocket upgrade (no upgrade handler: answered as a plain GET)',
    payload: rawGet('/health', { Connection: 'Upgrade', Upgrade: 'websocket' }),
    expected: [200],
  },
];

/** Every method node parses, plus tokens it does not. Credentials only ever answer GET/HEAD. */
const METHODS: Array<[string, number[]]> = [
  ['GET', [401]],
  ['HEAD', [401]],
  ['POST', [405]],
  ['PUT', [405]],
  ['DELETE', [405]],
  ['PATCH', [405]],
  ['OPTIONS', [405]],
  ['TRACE', [405]],
  ['PROPFIND', [405]],
  ['M-SEARCH', [405]],
  ['PURGE', [405]],
  // CONNECT has no handler: node closes the socket without an answer.
  ['CONNECT', []],
  ['BREW', [400]],
  ['get', [400]],
  ['G\u00c9T', [400]],
  ['X'.repeat(100), [400]],
];

describe.skipIf(!moto.available)('the credential listener under malformed HTTP', () => {
  let a: AppOnMoto;
  // Each case comes from its own loopback address, so failed-token limiting never mixes in.
  let nextAddress = 1;
  const fromNewAddress = () => `127.0.1.${nextAddress++}`;

  beforeAll(async () => {
    a = await startOnMoto([app]);
  });

  afterAll(async () => {
    await a?.stop();
  });

  async function expectHealthy(): Promise<void> {
    const health = await a.t.get('/health');
    expect(health.status).toBe(200);
  }

  it.each(CASES)(
    'answers $name with 4xx or a close, never a 5xx',
    async ({ payload, expected }) => {
      const exchange = await sendRaw(payload, { port: a.port, localAddress: fromNewAddress() });

      expect(exchange.ending).not.toBe('timeout');
      expect(exchange.statuses.filter((status) => status >= 500)).toEqual([]);
      if (expected === 'oversized') {
        // 431 when the client stops writing in time; a reset when it is still writing.
        expect([[431], []]).toContainEqual(exchange.statuses);
      } else {
        expect(exchange.statuses).toEqual(expected);
      }
      await expectHealthy();
    },
  );

  it.each(METHODS)(
    'answers %s /v1/credentials without a token with %j',
    async (method, expected) => {
      const payload = bytes(`${method} /v1/credentials HTTP/1.1\r\nHost: x\r\n\r\n`);

      const exchange = await sendRaw(payload, { port: a.port, localAddress: fromNewAddress() });

      expect(exchange.statuses).toEqual(expected);
      expect(exchange.ending).toBe('closed');
      await expectHealthy();
    },
  );

  it.each(['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE'])(
    'never hands credentials to %s, even with a valid token',
    async (method) => {
      const payload = `${method} /v1/credentials HTTP/1.1\r\nHost: x\r\nAuthorization: ${TOKEN}\r\nContent-Length: 0\r\n\r\n`;

      const exchange = await sendRaw(payload, { port: a.port, localAddress: fromNewAddress() });

      expect(exchange.statuses).toEqual([405]);
      expect(exchange.text).not.toContain('SecretAccessKey');
      expect(exchange.text).toContain('Allow: GET, HEAD');
    },
  );

  it('answers every malformed request with a JSON error body when it answers at all', async () => {
    const exchange = await sendRaw(bytes([0xde, 0xad, 0xbe, 0xef, 0x0d, 0x0a]), {
      port: a.port,
      localAddress: fromNewAddress(),
    });

    expect(exchange.text).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(exchange.text).toContain('Content-Type: application/json\r\n');
    expect(exchange.text).toContain('Connection: close\r\n');
    expect(exchange.text).toMatch(/\{"code":"BAD_REQUEST",.*\}$/);
  });

  it('still serves a valid token after all of the above', async () => {
    const response = await a.t.get('/v1/credentials', TOKEN);

    expect(response.status).toBe(200);
    expect(((await response.json()) as { AccessKeyId: string }).AccessKeyId).toMatch(/^ASIA/);
  });
});
