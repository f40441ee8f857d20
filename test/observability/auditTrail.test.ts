import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createAuditTrail } from '../../src/observability/createAuditTrail.js';
import { createLogger } from '../../src/observability/createLogger.js';
import { makeService } from '../helpers/configs.js';
import { LogSink } from '../helpers/startTestApp.js';

const credentials = {
  accessKeyId: 'ASIAAUDITEXAMPLE0001',
  secretAccessKey: 'audit-secret-access-key-never-logged',
  sessionToken: 'audit-session-token-never-logged',
  expiresAtMs: Date.UTC(2026, 10, 25, 13, 0, 0),
  accountId: '123456789012',
  roleArn: 'arn:aws:iam::123456789012:role/app',
};

function setup() {
  const sink = new LogSink();
  const audit = createAuditTrail(
    createLogger({ level: 'info', pretty: false, destination: sink, version: '9.9.9' }),
  );
  return { sink, audit };
}

describe('createAuditTrail', () => {
  it('writes credentials_fetched with the documented fields and no secret', () => {
    const { sink, audit } = setup();

    audit.fetched(makeService('app'), credentials, 'refresh');
    const [line] = sink.lines();

    expect(line).toMatchObject({
      level: 'info',
      component: 'audit',
      event: 'credentials_fetched',
      kind: 'refresh',
      service: 'app',
      roleArn: credentials.roleArn,
      accessKeyId: credentials.accessKeyId,
      expiration: '2026-11-25T13:00:00.000Z',
      origin: 'static',
      originFile: 'config.yaml',
    });
    expect(sink.text()).not.toContain('never-logged');
  });

  it('writes credentials_served once per set and client address', () => {
    const { sink, audit } = setup();
    const service = makeService('app');

    audit.served(service, credentials, '127.0.0.1');
    audit.served(service, credentials, '127.0.0.1');
    audit.served(service, credentials, '127.0.0.2');
    audit.served(service, { ...credentials, accessKeyId: 'ASIAAUDITEXAMPLE0002' }, '127.0.0.1');

    expect(sink.lines().map((l) => [l.event, l.client, l.accessKeyId])).toEqual([
      ['credentials_served', '127.0.0.1', 'ASIAAUDITEXAMPLE0001'],
      ['credentials_served', '127.0.0.2', 'ASIAAUDITEXAMPLE0001'],
      ['credentials_served', '127.0.0.1', 'ASIAAUDITEXAMPLE0002'],
    ]);
    expect(sink.text()).not.toContain('never-logged');
  });

  it('writes proxied with exactly the fields docs/audit.md lists for it', () => {
    const { sink, audit } = setup();
    const doc = readFileSync(new URL('../../docs/audit.md', import.meta.url), 'utf8');
    const documented = [...doc.matchAll(/^\| `([a-zA-Z]+)` \| ([a-z, ]+) \|/gm)]
      .filter(([, , events]) => /\b(all|proxied)\b/.test(events ?? ''))
      .map(([, field]) => field);

    audit.proxied({
      route: 'anthropic',
      service: 'agent',
      client: '127.0.0.1',
      method: 'POST',
      path: '/anthropic/v1/messages',
      status: 200,
      bytesUp: 12,
      bytesDown: 34,
      upstreamMs: 5.5,
      durationMs: 9.25,
      code: null,
      operation: 'PutItem',
    });
    const [line] = sink.lines();

    expect(line).toMatchObject({ component: 'audit', event: 'proxied', level: 'info' });
    const fields = Object.keys(line ?? {}).filter(
      (key) => !['app', 'version', 'msg'].includes(key),
    );
    expect(fields.sort()).toEqual([...documented].sort());
  });
});
