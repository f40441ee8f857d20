import { afterEach, describe, expect, it } from 'vitest';
import { CredentialsUnavailableError } from '../../src/errors.js';
import { startUpstream, type Upstream } from '../egress/upstream.js';
import { AGENT_TOKEN, makeAws, makeGatewayService, signFor, startGateway } from './gatewaySetup.js';

function keyIdOf(recorded: Upstream['requests'][number]): string | undefined {
  for (let i = 0; i < recorded.rawHeaders.length; i += 2) {
    if (recorded.rawHeaders[i]?.toLowerCase() === 'authorization') {
      return /Credential=([^/]+)\//.exec(recorded.rawHeaders[i + 1] ?? '')?.[1];
    }
  }
  return undefined;
}

const stsDown = () =>
  new CredentialsUnavailableError('STS_UNAVAILABLE', 'STS could not be reached', true);

describe('AWS gateway: which credentials sign', () => {
  let upstream: Upstream;
  let t: Awaited<ReturnType<typeof startGateway>>;

  afterEach(async () => {
    await t?.sidecar.stop();
    await upstream?.close();
  });

  async function call(secret = AGENT_TOKEN) {
    const { url, init } = await signFor(t.gateway, {
      service: 'sts',
      accessKeyId: 'agent',
      secret,
      signingDate: new Date(t.clock.now()),
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body: 'Action=GetCallerIdentity&Version=2011-06-15',
    });
    return fetch(url, init);
  }

  it('signs with the refreshed set once the cache replaced it, without waiting on the refresh', async () => {
    upstream = await startUpstream();
    t = await startGateway([makeGatewayService('agent', AGENT_TOKEN)], makeAws(upstream.url));
    await t.sidecar.context.credentials.prime();
    await call();
    const first = keyIdOf(upstream.requests[0]!);

    await t.clock.advance(45 * 60_000);
    await call();

    const second = keyIdOf(upstream.requests[1]!);
    expect(first).toMatch(/^ASIAFAKE/);
    expect(second).toMatch(/^ASIAFAKE/);
    expect(second).not.toBe(first);
    expect(t.sidecar.context.credentials.table().get('agent')?.current()?.accessKeyId).toBe(second);
  });

  it('keeps signing with the primed set while STS is down', async () => {
    upstream = await startUpstream();
    t = await startGateway([makeGatewayService('agent', AGENT_TOKEN)], makeAws(upstream.url));
    await t.sidecar.context.credentials.prime();
    t.assumer.script.push(stsDown(), stsDown(), stsDown(), stsDown());

    await t.clock.advance(41 * 60_000);
    const response = await call();

    expect(response.status).toBe(200);
    expect(keyIdOf(upstream.requests[0]!)).toBe('ASIAFAKE000000000001');
  });

  it('answers 503 ServiceUnavailable in the query shape when a cold service cannot get credentials', async () => {
    upstream = await startUpstream();
    t = await startGateway([makeGatewayService('agent', AGENT_TOKEN)], makeAws(upstream.url), {
      script: [stsDown(), stsDown(), stsDown(), stsDown()],
    });
    await t.sidecar.context.credentials.prime();

    const response = await call();

    expect(response.status).toBe(503);
    expect(response.headers.get('x-credproxy-error')).toBe('STS_UNAVAILABLE');
    expect(await response.text()).toContain('<Code>ServiceUnavailable</Code>');
    expect(upstream.requests).toHaveLength(0);
  });

  it('counts failed signatures in the failed-attempt limiter (429 past the burst), never a valid one', async () => {
    upstream = await startUpstream();
    t = await startGateway([makeGatewayService('agent', AGENT_TOKEN)], makeAws(upstream.url));
    await t.sidecar.context.credentials.prime();
    const statuses: number[] = [];

    for (let i = 0; i < 101; i++)
      statuses.push((await call('wrong-token-0123456789abcdef01234567')).status);
    const limited = await call('wrong-token-0123456789abcdef01234567');
    const valid = await call();

    expect(statuses.slice(0, 100).every((s) => s === 403)).toBe(true);
    expect(limited.status).toBe(429);
    expect(await limited.text()).toContain('<Code>Throttling</Code>');
    expect(valid.status).toBe(200);
  });

  it('takes a rotated token at once (SIGHUP)', async () => {
    upstream = await startUpstream();
    t = await startGateway([makeGatewayService('agent', AGENT_TOKEN)], makeAws(upstream.url));
    await t.sidecar.context.credentials.prime();
    const rotated = 'rotated-token-gw-11112222333344445555666677778888';
    const { makeConfig } = await import('../helpers/configs.js');
    t.setNextConfig(
      makeConfig([makeGatewayService('agent', rotated)], {
        proxy: { host: '127.0.0.1', port: 0, routes: [], aws: makeAws(upstream.url) },
      }),
    );

    await t.sidecar.reload();

    expect((await call()).status).toBe(403);
    expect((await call(rotated)).status).toBe(200);
  });
});
