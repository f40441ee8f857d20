import { afterEach, describe, expect, it } from 'vitest';
import type { ImdsListenerConfig } from '../../src/config/doorTypes.js';
import type { Config } from '../../src/config/types.js';
import { IMDS_COLD_WAIT_MS } from '../../src/imds/createImdsRoutes.js';
import { diffCounters, readCounters } from '../clients/readCounters.js';
import { makeConfig, makeService } from '../helpers/configs.js';
import { flushMicrotasks } from '../helpers/fakeClock.js';
import { type InProcess, startInProcess } from '../helpers/startInProcess.js';
import { eventually } from '../helpers/startTestApp.js';

const legacy = makeService('legacy', {
  role: {
    roleArn: 'arn:aws:iam::123456789012:role/team/Legacy',
    roleSessionName: 'credproxy',
    durationSeconds: 3600,
  },
});
const other = makeService('other');
const CREDS = '/latest/meta-data/iam/security-credentials/';
const TTL = 'X-aws-ec2-metadata-token-ttl-seconds';
const TOKEN = 'X-aws-ec2-metadata-token';

let t: InProcess | undefined;

afterEach(async () => {
  t?.assumer.release();
  await t?.sidecar.stop();
  t = undefined;
});

function imds(service: string, allowV1 = false): ImdsListenerConfig {
  return { host: '127.0.0.1', port: 0, service, allowV1 };
}

async function start(config: Config = makeConfig([legacy, other], { imds: [imds('legacy')] })) {
  t = await startInProcess(config);
  await flushMicrotasks();
  return t;
}

function base(name = 'legacy'): string {
  const url = t?.urls[`imds:${name}`];
  if (url === undefined) throw new Error(`no IMDS listener for ${name}`);
  return url;
}

function put(headers: Record<string, string>, name = 'legacy'): Promise<Response> {
  return fetch(`${base(name)}/latest/api/token`, { method: 'PUT', headers });
}

async function sessionToken(name = 'legacy', ttl = '21600'): Promise<string> {
  const response = await put({ [TTL]: ttl }, name);
  if (response.status !== 200) throw new Error(`token PUT answered ${response.status}`);
  return response.text();
}

function read(path: string, token?: string, name = 'legacy'): Promise<Response> {
  return fetch(`${base(name)}${path}`, { headers: token === undefined ? {} : { [TOKEN]: token } });
}

async function codeOf(response: Response): Promise<string> {
  return ((await response.json()) as { code: string }).code;
}

describe('IMDS session tokens', () => {
  it('issues a token for a TTL in range and echoes the TTL header (Go needs it)', async () => {
    await start();

    const response = await put({ [TTL]: '21600' });

    expect(response.status).toBe(200);
    expect(response.headers.get(TTL)).toBe('21600');
    expect(response.headers.get('content-type')).toBe('text/plain');
    expect(await response.text()).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it.each([
    ['missing', {}],
    ['0', { [TTL]: '0' }],
    ['21601', { [TTL]: '21601' }],
    ['not a number', { [TTL]: '60s' }],
    ['negative', { [TTL]: '-5' }],
  ])('answers 400 IMDS_TTL_INVALID when the TTL is %s', async (_case, headers) => {
    await start();

    const response = await put(headers);

    expect(response.status).toBe(400);
    expect(await codeOf(response)).toBe('IMDS_TTL_INVALID');
  });

  it('refuses a token request carrying X-Forwarded-For with 403, as EC2 does', async () => {
    await start();

    const response = await put({ [TTL]: '60', 'X-Forwarded-For': '10.0.0.9' });

    expect(response.status).toBe(403);
    expect(await codeOf(response)).toBe('IMDS_FORWARDED');
  });

  it('answers GET on the token path with 405 and Allow: PUT', async () => {
    await start();

    const response = await read('/latest/api/token');

    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('PUT');
  });

  it('refuses reads without a token (IMDSv1) with 401, and a wrong or expired token with 401', async () => {
    const s = await start();
    const shortLived = await sessionToken('legacy', '1');

    const v1 = await read(CREDS);
    const wrong = await read(CREDS, 'not-a-session-token');
    await s.clock.advance(1_000);
    const expired = await read(CREDS, shortLived);

    expect([v1.status, await codeOf(v1)]).toEqual([401, 'IMDS_TOKEN_REQUIRED']);
    expect([wrong.status, await codeOf(wrong)]).toEqual([401, 'IMDS_TOKEN_INVALID']);
    expect([expired.status, await codeOf(expired)]).toEqual([401, 'IMDS_TOKEN_INVALID']);
  });

  it('answers IMDSv1 reads on a listener with allow_v1, but still refuses a bad token there', async () => {
    await start(makeConfig([legacy], { imds: [imds('legacy', true)] }));

    const v1 = await read(CREDS);
    const bad = await read(CREDS, 'not-a-session-token');

    expect([v1.status, await v1.text()]).toEqual([200, 'Legacy']);
    expect(bad.status).toBe(401);
  });

  it("never accepts one listener's token on another's: each listener is its own identity", async () => {
    await start(makeConfig([legacy, other], { imds: [imds('legacy'), imds('other')] }));
    const legacyToken = await sessionToken('legacy');

    const response = await read(CREDS, legacyToken, 'other');

    expect(response.status).toBe(401);
  });

  it('answers 429 with Retry-After once an address has failed too often, through the shared limiter', async () => {
    await start();

    const statuses: number[] = [];
    for (let i = 0; i < 101; i++) statuses.push((await read(CREDS, `bad-${i}`)).status);
    const limited = await read(CREDS, 'bad-again');

    expect(statuses.slice(0, 100).every((status) => status === 401)).toBe(true);
    expect(statuses[100]).toBe(429);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
  });
});

describe('IMDS metadata', () => {
  it("lists the role by the last segment of the service's RoleArn, as plain text without a newline", async () => {
    await start();
    const token = await sessionToken();

    const listed = await Promise.all(
      [CREDS, CREDS.slice(0, -1), '/latest/meta-data/iam/security-credentials-extended/'].map(
        async (path) => (await read(path, token)).text(),
      ),
    );

    expect(listed).toEqual(['Legacy', 'Legacy', 'Legacy']);
  });

  it('serves the same set as the container endpoint, in the shape EC2 uses', async () => {
    const s = await start();
    const token = await sessionToken();

    const response = await read(`${CREDS}Legacy`, token);
    const fromEndpoint = (await (await s.get('/v1/credentials', legacy.authToken)).json()) as {
      AccessKeyId: string;
      Expiration: string;
    };

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      Code: 'Success',
      LastUpdated: '2026-11-25T12:00:00Z',
      Type: 'AWS-HMAC',
      AccessKeyId: fromEndpoint.AccessKeyId,
      SecretAccessKey: 'secret-1',
      Token: 'session-1',
      Expiration: fromEndpoint.Expiration,
    });
    expect(s.assumer.calls).toBe(2);
  });

  it('adds AccountId on the -extended path newer SDKs try first', async () => {
    await start();
    const token = await sessionToken();

    const body = (await (
      await read(`${CREDS.replace('credentials', 'credentials-extended')}Legacy`, token)
    ).json()) as Record<string, string>;

    expect(body.AccountId).toBe('123456789012');
    expect(body.AccessKeyId).toBe('ASIAFAKE000000000001');
  });

  it('answers region, iam/info and the identity document for the service', async () => {
    await start();
    const token = await sessionToken();

    const region = await (await read('/latest/meta-data/placement/region', token)).text();
    const info = await (await read('/latest/meta-data/iam/info', token)).json();
    const document = await (await read('/latest/dynamic/instance-identity/document', token)).json();

    expect(region).toBe('us-east-1');
    expect(info).toEqual({
      Code: 'Success',
      LastUpdated: '2026-11-25T12:00:00Z',
      InstanceProfileArn: 'arn:aws:iam::123456789012:instance-profile/team/Legacy',
    });
    expect(document).toEqual({ accountId: '123456789012', region: 'us-east-1' });
  });

  it.each([
    `${CREDS}SomeOtherRole`,
    `${CREDS}Legacy/`,
    '/latest/meta-data/instance-id',
    '/latest/user-data',
  ])('answers 404 for %s', async (path) => {
    await start();
    const token = await sessionToken();

    const response = await read(path, token);

    expect(response.status).toBe(404);
  });

  it('refuses other methods on metadata with 405', async () => {
    await start();
    const token = await sessionToken();

    const response = await fetch(`${base()}${CREDS}Legacy`, {
      method: 'POST',
      headers: { [TOKEN]: token },
    });

    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD');
  });

  it('answers 503 with Retry-After within the cold wait while STS has not answered', async () => {
    const config = makeConfig([legacy], { imds: [imds('legacy')] });
    t = await startInProcess(config);
    t.assumer.hold = true;
    const s = t;
    s.setNextConfig(
      makeConfig([{ ...legacy, role: { ...legacy.role, durationSeconds: 1800 } }], {
        imds: [imds('legacy')],
      }),
    );
    await s.sidecar.reload();
    const token = await sessionToken();

    const coldWaitEndsAt = s.clock.now() + IMDS_COLD_WAIT_MS;
    let answered = false;
    const pending = read(`${CREDS}Legacy`, token).finally(() => {
      answered = true;
    });
    await eventually(() => s.clock.pending().includes(coldWaitEndsAt));
    await s.clock.advance(IMDS_COLD_WAIT_MS - 1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const answeredEarly = answered;
    await s.clock.advance(1);
    const response = await pending;

    expect(answeredEarly).toBe(false);
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).not.toBeNull();
    expect(await codeOf(response)).toBe('CREDENTIALS_PENDING');
  });

  it('answers 404 while its service is not defined, and serves it once a reload adds it', async () => {
    const s = await start(makeConfig([other], { imds: [imds('legacy')] }));
    const token = await sessionToken();

    const before = await read(CREDS, token);
    s.setNextConfig(makeConfig([other, legacy], { imds: [imds('legacy')] }));
    await s.sidecar.reload();
    await flushMicrotasks();
    const after = await read(`${CREDS}Legacy`, token);

    expect(before.status).toBe(404);
    expect(after.status).toBe(200);
  });

  it('keeps its listeners through a reload that changes imds, and names the key in the restart warning', async () => {
    const s = await start();
    const token = await sessionToken();
    s.setNextConfig(makeConfig([legacy, other], { imds: [imds('other')] }));

    await s.sidecar.reload();
    const stillServed = await read(CREDS, token);
    const warning = s.logs.lines().find((line) => String(line.msg).includes('after a restart'));

    expect(stillServed.status).toBe(200);
    expect(warning?.keys).toEqual(['imds']);
  });

  it('counts reads of a set in credproxy_requests_total, refused or served, and not the role listing', async () => {
    const s = await start();
    const token = await sessionToken();
    const before = await readCounters(s.metricsUrl ?? '');

    await read(CREDS, token);
    await read(`${CREDS}Legacy`, token);
    await read(`${CREDS}Legacy`);
    await read(`${CREDS}Legacy`, 'not-a-session-token');
    const moved = diffCounters(before, await readCounters(s.metricsUrl ?? ''));

    expect(moved).toEqual({
      'credproxy_requests_total{service="legacy",result="success"}': 1,
      'credproxy_requests_total{service="legacy",result="missing_token"}': 1,
      'credproxy_requests_total{service="legacy",result="invalid_token"}': 1,
    });
  });
});
