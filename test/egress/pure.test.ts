import { describe, expect, it } from 'vitest';
import { classifyUpstreamError } from '../../src/egress/classifyUpstreamError.js';
import { isAllowed, matchRoute, toUpstreamPath } from '../../src/egress/matchRoute.js';
import { readClientToken } from '../../src/egress/readClientToken.js';
import { toRequestTarget } from '../../src/egress/toRequestTarget.js';
import { toClientHeaders, toUpstreamHeaders } from '../../src/egress/toUpstreamHeaders.js';

describe('toRequestTarget', () => {
  it.each([
    ['/a/v1/messages', '/a/v1/messages', ''],
    ['/a/v1?x=%2F..&y', '/a/v1', '?x=%2F..&y'],
    ['/a/v1/file.name/..x/%41', '/a/v1/file.name/..x/%41', ''],
    ['/a//b', '/a//b', ''],
    ['/a/100%25', '/a/100%25', ''],
    ['/a/%25zz', '/a/%25zz', ''],
  ])('accepts %s', (url, path, query) => {
    expect(toRequestTarget(url)).toEqual({ ok: true, path, query });
  });

  it.each([
    '/a/..',
    '/a/./b',
    '/a/%2e',
    '/a/%2E%2E/b',
    '/a/%252e%252E/b',
    '/a/b%2fc',
    '/a/b%255Cc',
    '/a/b\\c',
    '/a/b%00',
    '/a/%ZZ',
    '/a/%25252525252e',
    '*',
    'http://host/a',
  ])('refuses %s', (url) => {
    expect(toRequestTarget(url).ok).toBe(false);
  });
});

describe('matchRoute', () => {
  const routes = [{ path: '/a/b' }, { path: '/a' }, { path: '/' }];

  it.each([
    ['/a/b/c', '/a/b', '/c'],
    ['/a/b', '/a/b', ''],
    ['/a/bc', '/a', '/bc'],
    ['/ab', '/', '/ab'],
  ])('%s goes to %s with rest %s', (path, prefix, rest) => {
    expect(matchRoute(routes, path)).toEqual({ route: { path: prefix }, rest });
  });

  it('matches nothing without a catch-all', () => {
    expect(matchRoute([{ path: '/a' }], '/ax')).toBeUndefined();
  });

  it.each([
    ['', '', '', '/'],
    ['/v2', '', '?q=1', '/v2?q=1'],
    ['/v2', '/x/y', '', '/v2/x/y'],
  ])('joins base %s and rest %s', (base, rest, query, expected) => {
    expect(toUpstreamPath(base, rest, query)).toBe(expected);
  });
});

describe('isAllowed', () => {
  const allow = [
    { methods: ['POST'], paths: ['/v1/messages', '/v1/files/*'] },
    { methods: ['GET'] },
  ];

  it.each([
    ['POST', '/v1/messages', true],
    ['POST', '/v1/files/a/b', true],
    ['POST', '/v1/files', false],
    ['POST', '/v1/messages/x', false],
    ['GET', '/anything', true],
    ['GET', '', true],
    ['DELETE', '/v1/messages', false],
  ])('%s %s → %s', (method, rest, expected) => {
    expect(isAllowed(allow, method, rest)).toBe(expected);
  });

  it('lets everything through without a list', () => {
    expect(isAllowed(undefined, 'PATCH', '/x')).toBe(true);
  });
});

describe('readClientToken', () => {
  const apiKey = { header: 'x-api-key' };
  const basic = (user: string, token: string) =>
    `Basic ${Buffer.from(`${user}:${token}`).toString('base64')}`;

  it.each([
    ['the route header', ['X-Api-Key', 'tok'], apiKey, { token: 'tok' }],
    ['Authorization: Bearer', ['Authorization', 'Bearer tok'], apiKey, { token: 'tok' }],
    ['a lower-case bearer', ['authorization', 'bearer tok'], apiKey, { token: 'tok' }],
    [
      'Proxy-Authorization: Bearer',
      ['Proxy-Authorization', 'Bearer tok'],
      apiKey,
      { token: 'tok' },
    ],
    [
      'Basic service:token',
      ['Proxy-Authorization', basic('svc', 'tok')],
      apiKey,
      { token: 'tok', claimedService: 'svc' },
    ],
    [
      'the route scheme',
      ['Authorization', 'token tok'],
      { header: 'authorization', scheme: 'token' },
      { token: 'tok' },
    ],
    ['nothing', ['Accept', '*/*'], apiKey, { token: undefined }],
    [
      'proxy-authorization first',
      ['X-Api-Key', 'a', 'Proxy-Authorization', 'Bearer b'],
      apiKey,
      { token: 'b' },
    ],
  ])('reads %s', (_what, raw, slot, expected) => {
    expect(readClientToken(raw, slot)).toEqual(expected);
  });

  it('refuses a credential header sent twice', () => {
    expect(
      readClientToken(['authorization', 'Bearer a', 'Authorization', 'Bearer b'], apiKey),
    ).toBeNull();
  });
});

describe('header rules', () => {
  it('forwards the rest in order and appends the injected header', () => {
    const raw = [
      'Host',
      'h',
      'Accept',
      'a',
      'Connection',
      'x-hop',
      'X-Hop',
      '1',
      'X-Api-Key',
      'tok',
      'X-Other',
      'has tok in it',
    ];

    expect(toUpstreamHeaders(raw, { header: 'x-api-key' }, 'KEY', 'tok')).toEqual([
      'Accept',
      'a',
      'x-api-key',
      'KEY',
    ]);
    expect(
      toUpstreamHeaders(
        ['Accept', 'a'],
        { header: 'authorization', scheme: 'Bearer' },
        'KEY',
        undefined,
      ),
    ).toEqual(['Accept', 'a', 'authorization', 'Bearer KEY']);
  });

  it('withholds response headers holding a secret, and hop-by-hop ones', () => {
    const { headers, withheld } = toClientHeaders(
      {
        'content-type': 'text/plain',
        'set-cookie': ['a=1', 'b=KEY'],
        'x-debug': 'sent KEY',
        connection: 'x-hop',
        'x-hop': '1',
        'transfer-encoding': 'chunked',
      },
      ['KEY'],
    );

    expect(headers).toEqual({ 'content-type': 'text/plain' });
    expect(withheld).toEqual(['set-cookie', 'x-debug']);
  });
});

describe('classifyUpstreamError', () => {
  const coded = (code: string, message = 'x') => Object.assign(new Error(message), { code });

  it.each([
    [coded('ECONNREFUSED'), 'UPSTREAM_UNREACHABLE'],
    [coded('ENOTFOUND'), 'UPSTREAM_UNREACHABLE'],
    [coded('UND_ERR_CONNECT_TIMEOUT'), 'UPSTREAM_TIMEOUT'],
    [coded('UND_ERR_HEADERS_TIMEOUT'), 'UPSTREAM_TIMEOUT'],
    [coded('UND_ERR_BODY_TIMEOUT'), 'UPSTREAM_TIMEOUT'],
    [coded('UNABLE_TO_VERIFY_LEAF_SIGNATURE'), 'UPSTREAM_TLS_FAILED'],
    [coded('ERR_TLS_CERT_ALTNAME_INVALID'), 'UPSTREAM_TLS_FAILED'],
    [coded('CERT_HAS_EXPIRED'), 'UPSTREAM_TLS_FAILED'],
    [coded('UND_ERR_SOCKET'), 'UPSTREAM_BROKEN'],
    [coded('HPE_INVALID_CONSTANT'), 'UPSTREAM_BROKEN'],
    [new Error('Proxy response (407) !== 200 when HTTP Tunneling'), 'UPSTREAM_UNREACHABLE'],
    [new Error('wrapped', { cause: coded('ECONNREFUSED') }), 'UPSTREAM_UNREACHABLE'],
  ])('%s → %s', (error, code) => {
    expect(classifyUpstreamError(error)).toBe(code);
  });
});
