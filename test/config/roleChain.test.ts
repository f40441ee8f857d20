import { describe, expect, it } from 'vitest';
import { parseServiceFile } from '../../src/config/parseServiceFile.js';
import { ConfigError, formatConfigIssue } from '../../src/errors.js';
import { FILE, linesOf, parse, ROLE_ARN, TOKEN, validConfig } from './configText.js';

const HUB = 'arn:aws:iam::111111111111:role/Hub';
const SPOKE = 'arn:aws:iam::222222222222:role/Spoke';
const WEB = 'arn:aws:iam::123456789012:role/FromToken';
const webIdentity = { token_file: 'tokens/sa-token', role_arn: WEB };

describe('source_credentials.web_identity', () => {
  it("becomes a web-identity source with the token file resolved against the config's directory, and its role the first chain link", () => {
    const loaded = parse(
      validConfig({ service: { source_credentials: { web_identity: webIdentity } } }),
    );

    const service = loaded.config.services[0];
    expect(service?.source).toEqual({
      kind: 'webIdentity',
      region: 'us-east-1',
      tokenFile: '/etc/credproxy/tokens/sa-token',
    });
    expect(service?.role).toEqual({
      roleArn: ROLE_ARN,
      roleSessionName: 'credproxy',
      durationSeconds: 3600,
      chain: [{ roleArn: WEB, roleSessionName: 'credproxy', durationSeconds: 3600 }],
    });
  });

  it('applies from aws_defaults, resolved against the main config even for a dynamic file', () => {
    const loaded = parse(
      validConfig({
        root: {
          aws_defaults: {
            region: 'eu-west-1',
            web_identity: { ...webIdentity, role_session_name: 'pod' },
          },
        },
      }),
    );

    expect(loaded.config.services[0]?.source).toMatchObject({
      kind: 'webIdentity',
      tokenFile: '/etc/credproxy/tokens/sa-token',
    });
    expect(loaded.config.services[0]?.role?.chain?.[0]?.roleSessionName).toBe('pod');
  });

  it('refuses a DurationSeconds above 3600 on the role assumed after it, naming the key', () => {
    const lines = linesOf(
      validConfig({
        service: { source_credentials: { web_identity: webIdentity } },
        role: { DurationSeconds: 7200 },
      }),
    );

    expect(lines).toEqual([
      `${FILE}: services.app1.assumed_role.DurationSeconds: is 7200, but this role is assumed with role credentials (a chained session, after a chain link or a web_identity source), which STS caps at 3600 seconds`,
    ]);
  });

  it('refuses a second kind next to it', () => {
    const lines = linesOf(
      validConfig({
        service: {
          source_credentials: {
            web_identity: webIdentity,
            iam_profile: { profile_name: 'x' },
          },
        },
      }),
    );

    expect(lines).toEqual([
      `${FILE}: services.app1.source_credentials: sets both iam_profile and web_identity: keep one of them`,
    ]);
  });
});

describe('assumed_role.web_identity_token_file', () => {
  it('assumes the role itself with AssumeRoleWithWebIdentity: no chain, up to 12 hours', () => {
    const loaded = parse(
      validConfig({ role: { web_identity_token_file: '/var/run/token', DurationSeconds: 43200 } }),
    );

    const service = loaded.config.services[0];
    expect(service?.source).toEqual({
      kind: 'webIdentity',
      region: 'us-east-1',
      tokenFile: '/var/run/token',
    });
    expect(service?.role).toEqual({
      roleArn: ROLE_ARN,
      roleSessionName: 'credproxy',
      durationSeconds: 43200,
    });
  });

  it.each([
    ['ExternalId', 'abc-123'],
    ['SourceIdentity', 'alice'],
    ['Tags', [{ Key: 'a', Value: 'b' }]],
    ['TransitiveTagKeys', ['a']],
  ])('refuses %s, which AssumeRoleWithWebIdentity does not take', (key, value) => {
    const lines = linesOf(
      validConfig({
        role: {
          web_identity_token_file: '/var/run/token',
          ...(key === 'TransitiveTagKeys' ? { Tags: undefined } : {}),
          [key]: value,
        },
      }),
    );

    expect(lines).toContain(
      `${FILE}: services.app1.assumed_role.${key}: is not taken by AssumeRoleWithWebIdentity (web_identity_token_file is set): the token carries the identity`,
    );
  });

  it("refuses a chain or the service's own source kind next to it", () => {
    const lines = linesOf(
      validConfig({
        service: { source_credentials: { iam_profile: { profile_name: 'x' } } },
        role: { web_identity_token_file: '/var/run/token', chain: [{ RoleArn: HUB }] },
      }),
    );

    expect(lines).toEqual([
      `${FILE}: services.app1.assumed_role.web_identity_token_file: cannot be combined with chain (the token would be exchanged for the first link): use source_credentials.web_identity for the role the token is exchanged for`,
      `${FILE}: services.app1.assumed_role.web_identity_token_file: makes the token the source: remove the service's own iam_keys, iam_profile or web_identity`,
    ]);
  });
});

describe('assumed_role.chain', () => {
  it('keeps the links in order with their defaults', () => {
    const loaded = parse(
      validConfig({
        role: {
          chain: [
            { RoleArn: HUB, ExternalId: 'hub-ext', DurationSeconds: 7200 },
            { RoleArn: SPOKE, RoleSessionName: 'spoke' },
          ],
        },
      }),
    );

    expect(loaded.config.services[0]?.role?.chain).toEqual([
      { roleArn: HUB, roleSessionName: 'credproxy', durationSeconds: 7200, externalId: 'hub-ext' },
      { roleArn: SPOKE, roleSessionName: 'spoke', durationSeconds: 3600 },
    ]);
    expect(loaded.config.services[0]?.source?.kind).toBe('default');
  });

  it.each([
    [
      'a link after the first',
      { chain: [{ RoleArn: HUB }, { RoleArn: SPOKE, DurationSeconds: 3601 }] },
      'services.app1.assumed_role.chain[1].DurationSeconds: is 3601',
    ],
    [
      "the service's own role after a chain",
      { chain: [{ RoleArn: HUB, DurationSeconds: 43200 }], DurationSeconds: 5400 },
      'services.app1.assumed_role.DurationSeconds: is 5400',
    ],
  ])('refuses a DurationSeconds above 3600 on %s, naming the key', (_, role, start) => {
    const lines = linesOf(validConfig({ role }));

    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(
        `^${FILE}: ${start.replace(/[[\].]/g, '\\$&')}, but this role is assumed with role credentials`,
      ),
    );
  });

  it('refuses the first link above 3600 after a web_identity source', () => {
    const lines = linesOf(
      validConfig({
        service: { source_credentials: { web_identity: webIdentity } },
        role: { chain: [{ RoleArn: HUB, DurationSeconds: 7200 }] },
      }),
    );

    expect(lines).toEqual([
      `${FILE}: services.app1.assumed_role.chain[0].DurationSeconds: is 7200, but this role is assumed with role credentials (a chained session, after a chain link or a web_identity source), which STS caps at 3600 seconds`,
    ]);
  });

  it.each([
    [{ RoleArn: 'arn:aws:iam::1:role/x' }, 'services.app1.assumed_role.chain[0].RoleArn'],
    [{ RoleArn: HUB, RoleSessionName: 'a' }, 'services.app1.assumed_role.chain[0].RoleSessionName'],
    [{ RoleArn: HUB, ExternalId: 'x' }, 'services.app1.assumed_role.chain[0].ExternalId'],
    [{ RoleArn: HUB, DurationSeconds: 899 }, 'services.app1.assumed_role.chain[0].DurationSeconds'],
    [{ RoleArn: HUB, Policy: '{}' }, 'services.app1.assumed_role.chain[0].Policy'],
  ])('validates a link like AssumeRole parameters: %j', (link, path) => {
    const lines = linesOf(validConfig({ role: { chain: [link] } }));

    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`${FILE}: ${path}: `);
  });
});

describe('web identity in a dynamic service file', () => {
  const policy = { secretDirectories: [], allowedEnv: [] };
  const dynamicLines = (service: Record<string, unknown>) => {
    try {
      parseServiceFile(JSON.stringify({ auth_token: TOKEN, ...service }), {
        file: '/dyn/app.yaml',
        env: {},
        awsDefaults: { region: 'us-east-1', raw: { region: 'us-east-1' } },
        policy,
      });
    } catch (error) {
      if (error instanceof ConfigError) return error.issues.map(formatConfigIssue);
      throw error;
    }
    return [];
  };

  it.each([
    [
      { source_credentials: { web_identity: webIdentity }, assumed_role: { RoleArn: ROLE_ARN } },
      'source_credentials.web_identity',
    ],
    [
      { assumed_role: { RoleArn: ROLE_ARN, web_identity_token_file: '/etc/shadow' } },
      'assumed_role.web_identity_token_file',
    ],
  ])('refuses a token file of its own: %j', (service, key) => {
    expect(dynamicLines(service)).toEqual([
      `/dyn/app.yaml: ${key}: is not allowed in a dynamic service file: set aws_defaults.web_identity in the main config`,
    ]);
  });

  it("inherits the main config's aws_defaults.web_identity", () => {
    const loaded = parseServiceFile(
      JSON.stringify({ auth_token: TOKEN, assumed_role: { RoleArn: ROLE_ARN } }),
      {
        file: '/dyn/app.yaml',
        env: {},
        awsDefaults: {
          region: 'us-east-1',
          raw: {
            region: 'us-east-1',
            web_identity: { ...webIdentity, token_file: '/var/run/token' },
          },
        },
        policy,
      },
    );

    expect(loaded.services[0]?.source).toEqual({
      kind: 'webIdentity',
      region: 'us-east-1',
      tokenFile: '/var/run/token',
    });
  });
});
