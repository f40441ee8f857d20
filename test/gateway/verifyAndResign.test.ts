import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readSignature } from '../../src/gateway/readSignature.js';
import { verifySignature } from '../../src/gateway/verifySignature.js';
import { startUpstream, type Upstream } from '../egress/upstream.js';
import { AGENT_TOKEN, makeAws, makeGatewayService, signFor, startGateway } from './gatewaySetup.js';

const OTHER_TOKEN = 'other-token-gw-0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e';

/** Checks the recorded upstream request's signature with the role's secret (`secret-<n>`). */
function upstreamSignatureValid(
  recorded: Upstream['requests'][number],
  secret: string,
  nowMs: number,
  payloadHash: string,
): boolean {
  const get = (name: string) => {
    for (let i = 0; i < recorded.rawHeaders.length; i += 2) {
      if (recorded.rawHeaders[i]?.toLowerCase() === name) return recorded.rawHeaders[i + 1];
    }
    return undefined;
  };
  const q = recorded.url.indexOf('?');
  const reading = readSignature(
    get('authorization'),
    q === -1 ? '' : recorded.url.slice(q + 1),
    get('x-amz-date'),
  );
  if (!reading.ok) return false;
  const verdict = verifySignature(
    reading.claim,
    {
      method: recorded.method,
      path: q === -1 ? recorded.url : recorded.url.slice(0, q),
      rawHeaders: recorded.rawHeaders,
    },
    payloadHash,
    [secret],
    nowMs,
  );
  return verdict.ok;
}

function headerOf(recorded: Upstream['requests'][number], name: string): string | undefined {
  for (let i = 0; i < recorded.rawHeaders.length; i += 2) {
    if (recorded.rawHeaders[i]?.toLowerCase() === name) return recorded.rawHeaders[i + 1];
  }
  return undefined;
}

describe('AWS gateway: verify with the token, re-sign with the role', () => {
  let upstream: Upstream;
  let t: Awaited<ReturnType<typeof startGateway>>;

  beforeAll(async () => {
    upstream = await startUpstream();
    t = await startGateway(
      [
        makeGatewayService('agent', AGENT_TOKEN),
        makeGatewayService('other', OTHER_TOKEN, { awsGateway: false }),
      ],
      makeAws(upstream.url, { services: ['s3', 'dynamodb', 'sts'], regions: ['us-east-1'] }),
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

  const dynamo = (
    overrides: {
      secret?: string;
      accessKeyId?: string;
      region?: string;
      skewMs?: number;
      service?: string;
    } = {},
  ) =>
    signFor(t.gateway, {
      service: overrides.service ?? 'dynamodb',
      region: overrides.region ?? 'us-east-1',
      accessKeyId: overrides.accessKeyId ?? 'agent',
      secret: overrides.secret ?? AGENT_TOKEN,
      signingDate: new Date(t.clock.now() + (overrides.skewMs ?? 0)),
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'DynamoDB_20120810.ListTables',
      },
      body: '{}',
    });

  it('forwards a JSON-protocol call re-signed with the role credentials and session token', async () => {
    const { url, init } = await dynamo();

    const response = await fetch(url, init);

    expect(response.status).toBe(200);
    expect(upstream.requests).toHaveLength(1);
    const recorded = upstream.requests[0]!;
    expect(recorded.body.toString()).toBe('{}');
    expect(headerOf(recorded, 'authorization')).toMatch(
      /^AWS4-HMAC-SHA256 Credential=ASIAFAKE0000000000\d\d\/\d{8}\/us-east-1\/dynamodb\/aws4_request, SignedHeaders=[a-z0-9;-]*x-amz-security-token[a-z0-9;-]*, Signature=[0-9a-f]{64}$/,
    );
    expect(headerOf(recorded, 'x-amz-security-token')).toMatch(/^session-\d+$/);
    expect(headerOf(recorded, 'x-amz-target')).toBe('DynamoDB_20120810.ListTables');
    const set = t.sidecar.context.credentials.table().get('agent')?.current();
    const { sha256Hex } = await import('../../src/gateway/sigv4.js');
    expect(
      upstreamSignatureValid(recorded, set?.secretAccessKey ?? '', t.clock.now(), sha256Hex('{}')),
    ).toBe(true);
    expect(JSON.stringify(recorded.rawHeaders)).not.toContain(AGENT_TOKEN);
  });

  it('streams an S3 PUT whose x-amz-content-sha256 is a hash, reusing that hash upstream', async () => {
    const body = Buffer.alloc(200_000, 7);
    const { createHash } = await import('node:crypto');
    const hash = createHash('sha256').update(body).digest('hex');
    const { url, init } = await signFor(t.gateway, {
      service: 's3',
      method: 'PUT',
      path: '/bucket/dir/a%20key.bin',
      accessKeyId: 'agent',
      secret: AGENT_TOKEN,
      signingDate: new Date(t.clock.now()),
      headers: { 'x-amz-content-sha256': hash },
      body,
    });

    const response = await fetch(url, init);

    expect(response.status).toBe(200);
    const recorded = upstream.requests[0]!;
    expect(recorded.url).toBe('/bucket/dir/a%20key.bin');
    expect(recorded.body.equals(body)).toBe(true);
    expect(headerOf(recorded, 'x-amz-content-sha256')).toBe(hash);
    const set = t.sidecar.context.credentials.table().get('agent')?.current();
    expect(upstreamSignatureValid(recorded, set?.secretAccessKey ?? '', t.clock.now(), hash)).toBe(
      true,
    );
  });

  it.each([
    [
      'a wrong token',
      { secret: 'not-the-token-0123456789abcdef0123456789' },
      403,
      'SignatureDoesNotMatch',
      'AWS_SIGNATURE_MISMATCH',
    ],
    [
      "another service's token",
      { secret: OTHER_TOKEN },
      403,
      'SignatureDoesNotMatch',
      'AWS_SIGNATURE_MISMATCH',
    ],
    [
      'an unknown service name',
      { accessKeyId: 'nobody' },
      403,
      'UnrecognizedClientException',
      'AWS_UNKNOWN_SERVICE',
    ],
    [
      'a date 6 minutes behind',
      { skewMs: -6 * 60_000 },
      403,
      'InvalidSignatureException',
      'AWS_CLOCK_SKEWED',
    ],
    [
      'a date 6 minutes ahead',
      { skewMs: 6 * 60_000 },
      403,
      'InvalidSignatureException',
      'AWS_CLOCK_SKEWED',
    ],
    [
      'a service without aws_gateway',
      { accessKeyId: 'other', secret: OTHER_TOKEN },
      403,
      'AccessDeniedException',
      'AWS_NOT_ALLOWED',
    ],
    [
      'a region not allowed',
      { region: 'eu-west-1' },
      403,
      'AccessDeniedException',
      'AWS_NOT_ALLOWED',
    ],
  ])(
    'refuses %s in the JSON shape, forwarding nothing',
    async (_what, overrides, status, awsCode, code) => {
      const { url, init } = await dynamo(overrides);

      const response = await fetch(url, init);

      expect(response.status).toBe(status);
      expect(response.headers.get('x-credproxy-error')).toBe(code);
      expect(response.headers.get('x-amzn-errortype')).toBe(awsCode);
      const body = (await response.json()) as { __type: string; message: string };
      expect(body.__type).toBe(awsCode);
      expect(upstream.requests).toHaveLength(0);
    },
  );

  it('refuses an AWS service not in proxy.aws.services as XML AccessDenied for query protocols', async () => {
    const { url, init } = await signFor(t.gateway, {
      service: 'sqs',
      accessKeyId: 'agent',
      secret: AGENT_TOKEN,
      signingDate: new Date(t.clock.now()),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=ListQueues&Version=2012-11-05',
    });

    const response = await fetch(url, init);

    expect(response.status).toBe(403);
    const text = await response.text();
    expect(text).toContain('<Code>AccessDenied</Code>');
    expect(text).toContain('AWS service sqs is not in proxy.aws.services');
    expect(upstream.requests).toHaveLength(0);
  });

  it('refuses SigV2 with a clear message', async () => {
    const response = await fetch(`${t.gateway}/bucket/key`, {
      headers: { authorization: 'AWS agent:c2lnbmF0dXJl', date: new Date().toUTCString() },
    });

    expect(response.status).toBe(400);
    const text = await response.text();
    expect(text).toContain('<Code>InvalidRequest</Code>');
    expect(text).toContain('Signature Version 2 is not supported');
  });

  it('writes the audit line and metrics under aws:<service>, and never the token, the role secret, the session token or a signature', async () => {
    const { url, init } = await dynamo();
    await fetch(url, init);
    await fetch(
      ...(Object.values(await dynamo({ secret: 'wrong-token-0123456789abcdef012345678' })) as [
        string,
        RequestInit,
      ]),
    );

    const text = t.logs.text();
    const set = t.sidecar.context.credentials.table().get('agent')?.current();
    const metrics = await (await fetch(`${t.metricsUrl}/metrics`)).text();
    expect(metrics).toContain(
      'credproxy_proxy_requests_total{route="aws:dynamodb",service="agent",status_class="2xx"}',
    );
    expect(metrics).toContain(
      'credproxy_proxy_requests_total{route="aws",service="unknown",status_class="4xx"}',
    );
    expect(text).toContain('"route":"aws:dynamodb"');
    expect(text).toContain('"operation":"ListTables"');
    for (const secret of [
      AGENT_TOKEN,
      set?.secretAccessKey ?? 'x',
      set?.sessionToken ?? 'x',
      'Signature=',
    ]) {
      expect(text).not.toContain(secret);
    }
  });
});
