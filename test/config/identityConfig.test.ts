import { describe, expect, it } from 'vitest';
import { parseServiceFile } from '../../src/config/parseServiceFile.js';
import { toIssuerMap } from '../../src/config/toConfig.js';
import { ConfigError } from '../../src/errors.js';
import { FILE, linesOf, parse, ROLE_ARN } from './configText.js';

const SECRET = 'hmac-secret-0123456789abcdef0123456789abcdef';

function sandboxIssuer(patch: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    issuer: 'https://sandbox-manager.internal',
    audiences: ['credproxy'],
    jwks_file: '/run/credproxy/jwks.json',
    service_claim: '/svc',
    session_tags: { Tenant: '/tenant', Team: '/team' },
    source_identity: '/sub',
    ...patch,
  };
}

/** A config with issuers `sandbox` (and whatever `issuers` adds) and JWT services. */
function jwtConfig(
  services: Record<string, unknown>,
  issuers: Record<string, unknown> = { sandbox: sandboxIssuer() },
): Record<string, unknown> {
  return {
    aws_defaults: { region: 'us-east-1' },
    identity: { jwt: { issuers } },
    services,
  };
}

const agent = { assumed_role: { RoleArn: ROLE_ARN }, jwt: { issuer: 'sandbox' } };

describe('parseConfig: identity.jwt', () => {
  it('normalizes an issuer with its defaults and a JWT-only service without auth_token', () => {
    const { config, warnings } = parse(jwtConfig({ agent }));

    expect(config.identity.jwt).toEqual({
      clockSkewSeconds: 30,
      issuers: [
        {
          name: 'sandbox',
          issuer: 'https://sandbox-manager.internal',
          audiences: ['credproxy'],
          keys: { kind: 'jwks_file', path: '/run/credproxy/jwks.json' },
          serviceClaim: '/svc',
          sessionTags: [
            { key: 'Tenant', pointer: '/tenant' },
            { key: 'Team', pointer: '/team' },
          ],
          transitive: false,
          sourceIdentity: '/sub',
          maxLifetimeSeconds: 86400,
          algorithms: ['ES256', 'RS256', 'PS256', 'EdDSA'],
        },
      ],
    });
    expect(config.services[0]?.authToken).toBeUndefined();
    expect(config.services[0]?.jwt).toEqual({ issuer: 'sandbox', requireClaims: [] });
    expect(warnings).toEqual([]);
  });

  it('keeps require_claims as pointer and exact value, and resolves a relative jwks_file', () => {
    const document = jwtConfig(
      {
        orders: {
          assumed_role: { RoleArn: ROLE_ARN },
          jwt: {
            issuer: 'cluster',
            require_claims: {
              '/kubernetes.io/namespace': 'shop',
              '/kubernetes.io/serviceaccount/name': 'orders',
              '/level': 3,
            },
          },
        },
      },
      {
        cluster: {
          issuer: 'https://oidc.example/id/1',
          audiences: ['credproxy'],
          jwks_file: 'cluster-jwks.json',
        },
      },
    );

    const { config } = parse(document);

    expect(config.services[0]?.jwt?.requireClaims).toEqual([
      { pointer: '/kubernetes.io/namespace', value: 'shop' },
      { pointer: '/kubernetes.io/serviceaccount/name', value: 'orders' },
      { pointer: '/level', value: 3 },
    ]);
    expect(config.identity.jwt?.issuers[0]?.keys).toEqual({
      kind: 'jwks_file',
      path: '/etc/credproxy/cluster-jwks.json',
    });
  });

  it('accepts HS256 only with an explicit shared_secret, and warns about it', () => {
    const document = jwtConfig(
      { agent },
      { sandbox: sandboxIssuer({ jwks_file: undefined, shared_secret: SECRET }) },
    );

    const { config, warnings } = parse(document);

    expect(config.identity.jwt?.issuers[0]?.algorithms).toEqual(['HS256']);
    expect(warnings.map((w) => `${w.path}: ${w.message}`)).toEqual([
      'identity.jwt.issuers.sandbox.shared_secret: accepts HMAC-signed tokens: anyone who holds the secret can mint tokens for every service of this issuer; prefer jwks_file, jwks_url or public_key_file',
    ]);
    expect(JSON.stringify(warnings)).not.toContain(SECRET);
  });

  it.each([
    [
      'no key source',
      { sandbox: sandboxIssuer({ jwks_file: undefined }) },
      'identity.jwt.issuers.sandbox: needs one key source: jwks_file, jwks_url, public_key_file or shared_secret',
    ],
    [
      'two key sources',
      { sandbox: sandboxIssuer({ public_key_file: '/k.pem' }) },
      'identity.jwt.issuers.sandbox: has jwks_file and public_key_file: give exactly one key source',
    ],
    [
      'a jwks_url over plain http to another host',
      { sandbox: sandboxIssuer({ jwks_file: undefined, jwks_url: 'http://keys.example/jwks' }) },
      'identity.jwt.issuers.sandbox.jwks_url: must be an https URL (plain http only for a loopback address such as 127.0.0.1)',
    ],
    [
      'a jwks_url with a password',
      {
        sandbox: sandboxIssuer({ jwks_file: undefined, jwks_url: 'https://u:p@keys.example/j' }),
      },
      'identity.jwt.issuers.sandbox.jwks_url: must not carry a user name or password',
    ],
    [
      'HS256 with a public key',
      { sandbox: sandboxIssuer({ algorithms: ['RS256', 'HS256'] }) },
      'identity.jwt.issuers.sandbox.algorithms: lists HS256, which needs shared_secret: a public key is never used as an HMAC secret',
    ],
    [
      'RS256 with a shared secret',
      {
        sandbox: sandboxIssuer({
          jwks_file: undefined,
          shared_secret: SECRET,
          algorithms: ['HS256', 'RS256'],
        }),
      },
      'identity.jwt.issuers.sandbox.algorithms: may list only HS256, HS384 or HS512 with shared_secret (a shared secret cannot verify a signature made with a private key)',
    ],
    [
      'alg none',
      { sandbox: sandboxIssuer({ algorithms: ['none'] }) },
      'identity.jwt.issuers.sandbox.algorithms[0]: is invalid',
    ],
    [
      'a short shared secret',
      { sandbox: sandboxIssuer({ jwks_file: undefined, shared_secret: 'short' }) },
      'identity.jwt.issuers.sandbox.shared_secret: must be at least 32 characters long',
    ],
    [
      'a service_claim that is not a JSON Pointer',
      { sandbox: sandboxIssuer({ service_claim: 'svc' }) },
      'identity.jwt.issuers.sandbox.service_claim: must be a JSON Pointer such as /tenant or /kubernetes.io/namespace (starts with /; ~ only as ~0 or ~1)',
    ],
    [
      'a session tag pointer with a bad escape',
      { sandbox: sandboxIssuer({ session_tags: { Tenant: '/a~2b' } }) },
      'identity.jwt.issuers.sandbox.session_tags.Tenant: must be a JSON Pointer such as /tenant or /kubernetes.io/namespace (starts with /; ~ only as ~0 or ~1)',
    ],
    [
      'a session tag key STS would refuse',
      { sandbox: sandboxIssuer({ session_tags: { 'Ten#ant': '/tenant' } }) },
      'identity.jwt.issuers.sandbox.session_tags.Ten#ant: must be 1 to 128 characters of letters, digits, spaces and _.:/=+-@',
    ],
    [
      'two tag keys equal but for case',
      { sandbox: sandboxIssuer({ session_tags: { Tenant: '/tenant', tenant: '/t2' } }) },
      'identity.jwt.issuers.sandbox.session_tags.tenant: repeats the tag key Tenant (session tag keys are case-insensitive)',
    ],
    [
      'two issuers with one iss',
      { sandbox: sandboxIssuer(), again: sandboxIssuer({ service_claim: '/other' }) },
      'identity.jwt.issuers.again.issuer: is also the issuer of sandbox: tokens are matched to an issuer by iss, so each needs its own',
    ],
    [
      'an audience list that is empty',
      { sandbox: sandboxIssuer({ audiences: [] }) },
      'identity.jwt.issuers.sandbox.audiences: must list at least 1 item',
    ],
  ])('rejects %s', (_case, issuers, line) => {
    expect(linesOf(jwtConfig({ agent }, issuers))).toEqual([`${FILE}: ${line}`]);
  });

  it('accepts http for a loopback jwks_url', () => {
    const issuers = {
      sandbox: sandboxIssuer({ jwks_file: undefined, jwks_url: 'http://127.0.0.1:8080/jwks' }),
    };

    const { config } = parse(jwtConfig({ agent }, issuers));

    expect(config.identity.jwt?.issuers[0]?.keys).toEqual({
      kind: 'jwks_url',
      url: 'http://127.0.0.1:8080/jwks',
    });
  });
});

describe('parseConfig: services.X.jwt', () => {
  it.each([
    [
      'neither auth_token nor jwt',
      { assumed_role: { RoleArn: ROLE_ARN } },
      'services.agent: needs auth_token, token_file or jwt (a service needs at least one way in)',
    ],
    [
      'an unknown issuer',
      { assumed_role: { RoleArn: ROLE_ARN }, jwt: { issuer: 'nobody' } },
      'services.agent.jwt.issuer: names no issuer under identity.jwt.issuers (defined: sandbox)',
    ],
    [
      'a claim tag the role already sets',
      {
        assumed_role: { RoleArn: ROLE_ARN, Tags: [{ Key: 'tenant', Value: 'x' }] },
        jwt: { issuer: 'sandbox' },
      },
      'services.agent.jwt.issuer: issuer sandbox maps a claim to session tag Tenant, which assumed_role.Tags already sets (tenant): keep one',
    ],
    [
      'SourceIdentity from both the role and a claim',
      { assumed_role: { RoleArn: ROLE_ARN, SourceIdentity: 'fixed' }, jwt: { issuer: 'sandbox' } },
      'services.agent.jwt.issuer: issuer sandbox takes SourceIdentity from a claim, and assumed_role.SourceIdentity sets it too: keep one',
    ],
    [
      'a require_claims key that is not a JSON Pointer',
      {
        assumed_role: { RoleArn: ROLE_ARN },
        jwt: { issuer: 'sandbox', require_claims: { namespace: 'shop' } },
      },
      'services.agent.jwt.require_claims.namespace: must be a JSON Pointer such as /tenant or /kubernetes.io/namespace (starts with /; ~ only as ~0 or ~1)',
    ],
    [
      'a require_claims value that is a list',
      {
        assumed_role: { RoleArn: ROLE_ARN },
        jwt: { issuer: 'sandbox', require_claims: { '/groups': ['a'] } },
      },
      'services.agent.jwt.require_claims./groups: must be a string or a number or true or false',
    ],
  ])('rejects %s', (_case, service, line) => {
    expect(linesOf(jwtConfig({ agent: service }))).toEqual([`${FILE}: ${line}`]);
  });

  it('warns when a service takes every token of an issuer without service_claim', () => {
    const issuers = { cluster: sandboxIssuer({ service_claim: undefined }) };
    const service = { assumed_role: { RoleArn: ROLE_ARN }, jwt: { issuer: 'cluster' } };

    const { warnings } = parse(jwtConfig({ agent: service }, issuers));

    expect(warnings.map((w) => `${w.path}: ${w.message}`)).toEqual([
      'services.agent.jwt.require_claims: is empty and issuer cluster has no service_claim: every token of that issuer may act as this service',
    ]);
  });

  it('checks a dynamic service against the main config issuers', () => {
    const { config } = parse(jwtConfig({ agent }));
    const options = {
      file: '/dyn/worker.yaml',
      env: {},
      awsDefaults: config.awsDefaults,
      jwtIssuers: toIssuerMap(config.identity),
    };

    const parsed = parseServiceFile(
      JSON.stringify({ assumed_role: { RoleArn: ROLE_ARN }, jwt: { issuer: 'sandbox' } }),
      options,
    );
    const rejected = (() => {
      try {
        parseServiceFile(
          JSON.stringify({ assumed_role: { RoleArn: ROLE_ARN }, jwt: { issuer: 'other' } }),
          options,
        );
      } catch (error) {
        return error instanceof ConfigError ? error.message : String(error);
      }
      return 'parsed';
    })();

    expect(parsed.services[0]?.jwt).toEqual({ issuer: 'sandbox', requireClaims: [] });
    expect(rejected).toBe(
      '/dyn/worker.yaml: jwt.issuer: names no issuer under identity.jwt.issuers (defined: sandbox)',
    );
  });
});
