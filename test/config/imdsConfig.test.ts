import { describe, expect, it } from 'vitest';
import { FILE, linesOf, parse, validConfig } from './configText.js';

describe('imds in the config', () => {
  it('defaults each entry to 127.0.0.1:1341 with IMDSv1 refused', () => {
    const { config } = parse(validConfig({ root: { imds: [{ service: 'app1' }] } }));

    expect(config.imds).toEqual([
      { host: '127.0.0.1', port: 1341, service: 'app1', allowV1: false },
    ]);
  });

  it('keeps an explicit host, port and allow_v1', () => {
    const entry = { host: '127.0.0.2', port: 0, service: 'app1', allow_v1: true };

    const { config } = parse(validConfig({ root: { imds: [entry] } }));

    expect(config.imds).toEqual([{ host: '127.0.0.2', port: 0, service: 'app1', allowV1: true }]);
  });

  it.each([
    [[{ service: 'nope' }], 'imds[0].service: names no service of this config'],
    [
      [{ service: 'app1' }, { service: 'app1', port: 1342 }],
      'imds[1].service: is also served by imds[0]: one listener per service is enough',
    ],
    [
      [{ service: 'app1', port: 1338 }],
      'imds[0].port: must differ from server.port (both are 1338); use another port or 0 for a free one',
    ],
    [
      [{ service: 'app1', port: 9090 }],
      'imds[0].port: must differ from metrics.prometheus.port (both are 9090); use another port or 0 for a free one',
    ],
    [
      [{ service: 'bad name' }],
      'imds[0].service: is not a valid service name: use letters, digits, _ and -',
    ],
    [[{ port: 1341 }], 'imds[0].service: is required'],
    [
      [{ service: 'app1', allow_v2: true }],
      'imds[0].allow_v2: is not a known key: did you mean allow_v1?',
    ],
  ])('rejects %j in one exact line', (imds, line) => {
    expect(linesOf(validConfig({ root: { imds } }))).toEqual([`${FILE}: ${line}`]);
  });

  it('refuses a second listener on the same port', () => {
    const services = {
      app1: {
        auth_token: 'k7Qw9Zr2Lp5Xv8Nc3Bt6Hy1Jm4Df0GsT5uW2eR8',
        assumed_role: { RoleArn: 'arn:aws:iam::123456789012:role/A' },
      },
      app2: {
        auth_token: 'Lm3Nx7Pq1Rs5Tv9Wx2Yz6Ab0Cd4Ef8Gh3Ij7Kl',
        assumed_role: { RoleArn: 'arn:aws:iam::123456789012:role/B' },
      },
    };
    const document = {
      aws_defaults: { region: 'us-east-1' },
      services,
      imds: [{ service: 'app1' }, { service: 'app2' }],
    };

    expect(linesOf(document)).toEqual([
      `${FILE}: imds[1].port: must differ from imds[0].port (both are 1341); use another port or 0 for a free one`,
    ]);
  });

  it('only warns about a service no static service has when dynamic files may define it', () => {
    const root = { imds: [{ service: 'later' }], dynamic_services: { enabled: true } };

    const { config, warnings } = parse(validConfig({ root }));

    expect(config.imds[0]?.service).toBe('later');
    expect(warnings).toEqual([
      {
        file: FILE,
        path: 'imds[0].service',
        message:
          'names no static service; the listener answers 404 until a dynamic file defines it',
        code: 'IMDS_SERVICE_UNKNOWN',
      },
    ]);
  });
});
