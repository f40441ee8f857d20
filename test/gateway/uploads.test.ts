import { createHash } from 'node:crypto';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startUpstream, type Upstream } from '../egress/upstream.js';
import { decodeSignedChunks, encodeSignedChunks, signingKey } from './chunks.js';
import { AGENT_TOKEN, makeAws, makeGatewayService, signFor, startGateway } from './gatewaySetup.js';

function headerOf(recorded: Upstream['requests'][number], name: string): string | undefined {
  for (let i = 0; i < recorded.rawHeaders.length; i += 2) {
    if (recorded.rawHeaders[i]?.toLowerCase() === name) return recorded.rawHeaders[i + 1];
  }
  return undefined;
}

describe('AWS gateway uploads and presigned URLs', () => {
  let upstream: Upstream;
  let t: Awaited<ReturnType<typeof startGateway>>;

  beforeAll(async () => {
    upstream = await startUpstream();
    t = await startGateway(
      [makeGatewayService('agent', AGENT_TOKEN)],
      makeAws(upstream.url, { maxBufferedBodyBytes: 1024 }),
    );
    await t.sidecar.context.credentials.prime();
  });

  beforeEach(() => {
    upstream.requests.length = 0;
  });

  afterAll(async () => {
    await t?.sidecar.stop();
    await upstream?.close();
  });

  async function chunkSigned(data: Buffer, tamperAt?: number) {
    const now = new Date(t.clock.now());
    const encodedLength = encodeSignedChunks(data, 65_536, {
      key: Buffer.alloc(32),
      amzDate: 'x',
      scope: 'x',
      seed: 'x',
    }).length;
    const { url, init, headers } = await signFor(t.gateway, {
      service: 's3',
      method: 'PUT',
      path: '/bucket/chunked.bin',
      accessKeyId: 'agent',
      secret: AGENT_TOKEN,
      signingDate: now,
      headers: {
        'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
        'content-encoding': 'aws-chunked',
        'x-amz-decoded-content-length': String(data.length),
        'content-length': String(encodedLength),
      },
    });
    const seed = /Signature=([0-9a-f]{64})/.exec(headers.authorization ?? '')?.[1] ?? '';
    const amzDate = headers['x-amz-date'] ?? '';
    const date = amzDate.slice(0, 8);
    const body = encodeSignedChunks(data, 65_536, {
      key: signingKey(AGENT_TOKEN, date, 'us-east-1', 's3'),
      amzDate,
      scope: `${date}/us-east-1/s3/aws4_request`,
      seed,
    });
    if (tamperAt !== undefined) body[tamperAt] = (body[tamperAt] ?? 0) ^ 1;
    const { 'content-length': _length, ...rest } = init.headers as Record<string, string>;
    return {
      url,
      init: { ...init, headers: rest, body, duplex: 'half' } as RequestInit,
      encodedLength,
    };
  }

  it('re-signs a chunk-signed upload chunk by chunk: same length, the role signing every chunk', async () => {
    const data = Buffer.alloc(300_000);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7) & 0xff;
    const { url, init, encodedLength } = await chunkSigned(data);

    const response = await fetch(url, init);

    expect(response.status).toBe(200);
    const recorded = upstream.requests[0]!;
    expect(recorded.body.length).toBe(encodedLength);
    expect(headerOf(recorded, 'x-amz-content-sha256')).toBe('STREAMING-AWS4-HMAC-SHA256-PAYLOAD');
    const set = t.sidecar.context.credentials.table().get('agent')?.current();
    const amzDate = headerOf(recorded, 'x-amz-date') ?? '';
    const date = amzDate.slice(0, 8);
    const seed =
      /Signature=([0-9a-f]{64})/.exec(headerOf(recorded, 'authorization') ?? '')?.[1] ?? '';
    const decoded = decodeSignedChunks(recorded.body, {
      key: signingKey(set?.secretAccessKey ?? '', date, 'us-east-1', 's3'),
      amzDate,
      scope: `${date}/us-east-1/s3/aws4_request`,
      seed,
    });
    expect(decoded.equals(data)).toBe(true);
  });

  it('breaks the upstream body when a chunk was tampered with, so nothing is stored', async () => {
    const data = Buffer.alloc(200_000, 3);
    const { url, init } = await chunkSigned(data, 70_000);

    const outcome = await fetch(url, init).then(
      async (r) => ({ status: r.status, text: await r.text() }),
      () => ({ status: 0, text: '' }),
    );

    expect(outcome.status === 0 || outcome.status >= 400).toBe(true);
    if (outcome.status !== 0) expect(outcome.text).toContain('SignatureDoesNotMatch');
    expect(upstream.requests).toHaveLength(0);
  });

  it('passes an unsigned-trailer aws-chunked body through byte for byte', async () => {
    const body = Buffer.from('d\r\nhello gateway\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n');
    const { url, init } = await signFor(t.gateway, {
      service: 's3',
      method: 'PUT',
      path: '/bucket/trailer.txt',
      accessKeyId: 'agent',
      secret: AGENT_TOKEN,
      signingDate: new Date(t.clock.now()),
      headers: {
        'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
        'content-encoding': 'aws-chunked',
        'x-amz-trailer': 'x-amz-checksum-crc32',
        'x-amz-decoded-content-length': '13',
      },
      body,
    });

    const response = await fetch(url, init);

    expect(response.status).toBe(200);
    expect(upstream.requests[0]?.body.equals(body)).toBe(true);
    expect(headerOf(upstream.requests[0]!, 'x-amz-content-sha256')).toBe(
      'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
    );
  });

  it('refuses a signed-trailer upload with 501 NotImplemented', async () => {
    const { url, init } = await signFor(t.gateway, {
      service: 's3',
      method: 'PUT',
      path: '/bucket/x',
      accessKeyId: 'agent',
      secret: AGENT_TOKEN,
      signingDate: new Date(t.clock.now()),
      headers: { 'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER' },
      body: 'x',
    });

    const response = await fetch(url, init);

    expect(response.status).toBe(501);
    expect(await response.text()).toContain('<Code>NotImplemented</Code>');
    expect(upstream.requests).toHaveLength(0);
  });

  it('refuses a body to hash larger than max_buffered_body_bytes with 413', async () => {
    const { url, init } = await signFor(t.gateway, {
      service: 'dynamodb',
      accessKeyId: 'agent',
      secret: AGENT_TOKEN,
      signingDate: new Date(t.clock.now()),
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'DynamoDB_20120810.PutItem',
      },
      body: JSON.stringify({ pad: 'x'.repeat(2000) }),
    });

    const response = await fetch(url, init);

    expect(response.status).toBe(413);
    expect(((await response.json()) as { __type: string }).__type).toBe('RequestEntityTooLarge');
    expect(upstream.requests).toHaveLength(0);
  });

  describe('presigned URLs (SigV4 query)', () => {
    async function presign(expiresIn: number) {
      const gateway = new URL(t.gateway);
      const signer = new SignatureV4({
        service: 's3',
        region: 'us-east-1',
        credentials: { accessKeyId: 'agent', secretAccessKey: AGENT_TOKEN },
        sha256: Sha256,
        uriEscapePath: false,
      });
      const signed = await signer.presign(
        {
          method: 'GET',
          protocol: 'http:',
          hostname: gateway.hostname,
          port: Number(gateway.port),
          path: '/bucket/my%20file.txt',
          query: { 'response-content-type': 'text/plain' },
          // As @aws-sdk/s3-request-presigner does: S3 presigned URLs sign UNSIGNED-PAYLOAD.
          headers: { host: gateway.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
        },
        {
          expiresIn,
          signingDate: new Date(t.clock.now()),
          unsignableHeaders: new Set(['x-amz-content-sha256']),
        },
      );
      const query = Object.entries(signed.query ?? {})
        .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
        .join('&');
      return `${t.gateway}${signed.path}?${query}`;
    }

    it('forwards a valid presigned GET header-signed with the role, without the presign parameters', async () => {
      const url = await presign(300);

      const response = await fetch(url);

      expect(response.status, await response.clone().text()).toBe(200);
      const recorded = upstream.requests[0]!;
      expect(recorded.url).toBe('/bucket/my%20file.txt?response-content-type=text%2Fplain');
      expect(headerOf(recorded, 'authorization')).toMatch(/^AWS4-HMAC-SHA256 Credential=ASIAFAKE/);
      expect(headerOf(recorded, 'x-amz-content-sha256')).toBe('UNSIGNED-PAYLOAD');
    });

    it('refuses a presigned URL past its expiry with AccessDenied', async () => {
      const url = await presign(60);
      await t.clock.advance(61_000);

      const response = await fetch(url);

      expect(response.status).toBe(403);
      const text = await response.text();
      expect(text).toContain('<Code>AccessDenied</Code>');
      expect(text).toContain('Request has expired');
      expect(upstream.requests).toHaveLength(0);
    });
  });

  it('keeps the body hash intact: the upstream sees the bytes whose hash the client signed', async () => {
    const body = Buffer.from('exact bytes');
    const hash = createHash('sha256').update(body).digest('hex');
    const { url, init } = await signFor(t.gateway, {
      service: 's3',
      method: 'PUT',
      path: '/bucket/exact',
      accessKeyId: 'agent',
      secret: AGENT_TOKEN,
      signingDate: new Date(t.clock.now()),
      headers: { 'x-amz-content-sha256': hash },
      body,
    });

    await fetch(url, init);

    expect(
      createHash('sha256')
        .update(upstream.requests[0]?.body ?? Buffer.alloc(0))
        .digest('hex'),
    ).toBe(hash);
  });
});
