import { describe, expect, it } from 'vitest';
import { isAwsSigned, readSignature } from '../../src/gateway/readSignature.js';
import { resolveEndpoint } from '../../src/gateway/resolveEndpoint.js';
import { parseQuery, toCanonicalQuery, toCanonicalUri } from '../../src/gateway/sigv4.js';
import { toOperation } from '../../src/gateway/toOperation.js';
import { toPayloadMode } from '../../src/gateway/toPayloadMode.js';

const SIG = 'a'.repeat(64);

describe('isAwsSigned', () => {
  it.each([
    [`AWS4-HMAC-SHA256 Credential=a/20260101/us-east-1/s3/aws4_request`, '/', true],
    ['AWS agent:sig', '/', true],
    [undefined, `/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=${SIG}`, true],
    [undefined, '/b/k?AWSAccessKeyId=a&Signature=x&Expires=1', true],
    ['Bearer token', '/anthropic/v1/messages', false],
    [undefined, '/route?q=1', false],
  ])('%s %s → %s', (authorization, url, expected) => {
    expect(isAwsSigned(authorization, url)).toBe(expected);
  });
});

describe('readSignature', () => {
  it('reads the header form', () => {
    const reading = readSignature(
      `AWS4-HMAC-SHA256 Credential=agent/20260101/eu-west-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=${SIG}`,
      '',
      '20260101T000000Z',
    );

    expect(reading).toEqual({
      ok: true,
      claim: {
        form: 'header',
        service: 'agent',
        scope: { date: '20260101', region: 'eu-west-1', service: 'dynamodb' },
        amzDate: '20260101T000000Z',
        signedHeaders: ['host', 'x-amz-date'],
        signature: SIG,
        query: [],
      },
    });
  });

  it.each([
    ['AWS agent:c2ln', '', 'sigv2'],
    [
      `AWS4-ECDSA-P256-SHA256 Credential=a/20260101/s3/aws4_request, SignedHeaders=host, Signature=${SIG}`,
      '',
      'unsupported',
    ],
    [
      `AWS4-HMAC-SHA256 Credential=agent/20260101/us-east-1/s3, SignedHeaders=host, Signature=${SIG}`,
      '',
      'malformed',
    ],
    [
      'AWS4-HMAC-SHA256 Credential=agent/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=zz',
      '',
      'malformed',
    ],
    [undefined, 'AWSAccessKeyId=a&Signature=x&Expires=1', 'sigv2'],
    [
      undefined,
      `X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=a%2F20260101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20260101T000000Z&X-Amz-Expires=604801&X-Amz-SignedHeaders=host&X-Amz-Signature=${SIG}`,
      'malformed',
    ],
    [undefined, 'X-Amz-Signature=%zz', 'malformed'],
  ])('refuses %s %s as %s', (authorization, query, reason) => {
    expect(readSignature(authorization, query, '20260101T000000Z')).toEqual({ ok: false, reason });
  });
});

describe('canonical forms', () => {
  it('sorts and strictly encodes the query, keeping empty values', () => {
    expect(toCanonicalQuery(parseQuery('prefix=a%20b&list-type=2&delimiter=%2F&uploads&x=*'))).toBe(
      'delimiter=%2F&list-type=2&prefix=a%20b&uploads=&x=%2A',
    );
  });

  it.each([
    ['/bucket/a%20key', 's3', '/bucket/a%20key'],
    ['/bucket/a/../b', 's3', '/bucket/a/../b'],
    ['/', 'sts', '/'],
    [
      '/2015-03-31/functions/my%3Afn/invocations',
      'lambda',
      '/2015-03-31/functions/my%253Afn/invocations',
    ],
    ['/a/./b/../c', 'execute-api', '/a/c'],
  ])('uri %s for %s is %s', (path, service, expected) => {
    expect(toCanonicalUri(path, service)).toBe(expected);
  });
});

describe('toPayloadMode', () => {
  it.each([
    ['e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 'header', 's3', 'stream'],
    ['UNSIGNED-PAYLOAD', 'header', 's3', 'stream'],
    ['STREAMING-UNSIGNED-PAYLOAD-TRAILER', 'header', 's3', 'stream'],
    ['STREAMING-AWS4-HMAC-SHA256-PAYLOAD', 'header', 's3', 'chunked'],
    ['STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER', 'header', 's3', 'unsupported'],
    ['STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD', 'header', 's3', 'unsupported'],
    [undefined, 'header', 'dynamodb', 'buffer'],
    [undefined, 'query', 's3', 'stream'],
  ] as const)('%s (%s, %s) → %s', (value, form, service, kind) => {
    expect(toPayloadMode(value, form, service).kind).toBe(kind);
  });
});

describe('resolveEndpoint', () => {
  it.each([
    [{ s3: 'http://127.0.0.1:5000' }, {}, 'http://127.0.0.1:5000'],
    [
      {},
      { AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:6000/x', AWS_ENDPOINT_URL: 'http://127.0.0.1:7000' },
      'http://127.0.0.1:6000',
    ],
    [{}, { AWS_ENDPOINT_URL: 'http://127.0.0.1:7000' }, 'http://127.0.0.1:7000'],
    [{}, {}, 'https://s3.eu-west-1.amazonaws.com'],
  ])('endpoints %j, env %j → %s', (endpoints, env, expected) => {
    expect(resolveEndpoint('s3', 'eu-west-1', endpoints, env)).toBe(expected);
  });
});

describe('toOperation', () => {
  it.each([
    ['DynamoDB_20120810.PutItem', '', undefined, 'PutItem'],
    [undefined, 'Action=ListQueues', undefined, 'ListQueues'],
    [
      undefined,
      '',
      Buffer.from('Action=GetCallerIdentity&Version=2011-06-15'),
      'GetCallerIdentity',
    ],
    [undefined, '', undefined, undefined],
    ['Evil.<script>', '', undefined, undefined],
  ])('%s %s → %s', (target, query, body, expected) => {
    expect(toOperation(target, parseQuery(query), body)).toBe(expected);
  });
});
