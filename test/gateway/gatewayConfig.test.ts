import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { parse, TOKEN } from '../config/configText.js';

const agent = {
  auth_token: TOKEN,
  assumed_role: { RoleArn: 'arn:aws:iam::123456789012:role/agent' },
  source_credentials: { region: 'us-east-1' },
};

describe('proxy.aws and aws_gateway config', () => {
  it('normalizes proxy.aws with its defaults and turns aws_gateway on per service', () => {
    const { config } = parse({
      proxy: {
        aws: {
          enabled: true,
          services: ['s3', 'sts'],
          endpoints: { s3: 'http://127.0.0.1:5000/' },
        },
      },
      services: {
        agent: { ...agent, aws_gateway: true },
        other: { ...agent, auth_token: `${TOKEN}x` },
      },
    });

    expect(config.proxy.aws).toEqual({
      enabled: true,
      services: ['s3', 'sts'],
      endpoints: { s3: 'http://127.0.0.1:5000' },
      maxBufferedBodyBytes: 10_485_760,
    });
    expect(config.services.find((s) => s.name === 'agent')?.awsGateway).toBe(true);
    expect(config.services.find((s) => s.name === 'other')?.awsGateway).toBeUndefined();
  });

  it('leaves proxy.aws out when it is not enabled', () => {
    const { config } = parse({ proxy: { aws: { services: ['s3'] } }, services: { agent } });

    expect(config.proxy.aws).toBeUndefined();
  });

  it.each([
    [{ services: ['S3'] }, 'proxy.aws.services'],
    [{ endpoints: { s3: 'ftp://host' } }, 'proxy.aws.endpoints'],
    [{ endpoints: { s3: 'http://host/path' } }, 'proxy.aws.endpoints'],
    [{ max_buffered_body_bytes: -1 }, 'proxy.aws.max_buffered_body_bytes'],
    [{ unknown: true }, 'proxy.aws'],
  ])('rejects proxy.aws %j at %s', (aws, key) => {
    let error: unknown;
    try {
      parse({ proxy: { aws: { enabled: true, ...aws } }, services: { agent } });
    } catch (caught) {
      error = caught;
    }

    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues.map((i) => i.path).join(' ')).toContain(key);
  });
});
