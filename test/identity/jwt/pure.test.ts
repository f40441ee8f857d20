import { describe, expect, it } from 'vitest';
import { parseKeySet } from '../../../src/identity/jwt/parseKeySet.js';
import { readJsonPointer } from '../../../src/identity/jwt/readJsonPointer.js';
import { toSession } from '../../../src/identity/jwt/toSession.js';
import { sandboxIssuer } from '../../helpers/jwtIssuer.js';

const claims = {
  tenant: 'acme',
  'kubernetes.io': { namespace: 'shop', serviceaccount: { name: 'orders' } },
  'a/b': 1,
  'm~n': true,
  groups: ['x', 'y'],
  empty: '',
};

describe('readJsonPointer', () => {
  it.each<[string, unknown]>([
    ['/tenant', 'acme'],
    ['/kubernetes.io/namespace', 'shop'],
    ['/kubernetes.io/serviceaccount/name', 'orders'],
    ['/a~1b', 1],
    ['/m~0n', true],
    ['/groups/1', 'y'],
    ['/empty', ''],
    ['/groups/01', undefined],
    ['/groups/-', undefined],
    ['/missing', undefined],
    ['/tenant/deeper', undefined],
    ['/__proto__', undefined],
    ['/constructor', undefined],
    ['/toString', undefined],
  ])('reads %s as %j', (pointer, value) => {
    expect(readJsonPointer(claims, pointer)).toEqual(value);
  });
});

describe('toSession', () => {
  it('maps claims to tags in config order, numbers and booleans as text, all transitive when asked', () => {
    const issuer = sandboxIssuer({
      sessionTags: [
        { key: 'Tenant', pointer: '/tenant' },
        { key: 'Level', pointer: '/level' },
        { key: 'Admin', pointer: '/admin' },
      ],
      transitive: true,
      sourceIdentity: '/sub',
    });

    const outcome = toSession({ tenant: 'acme', level: 3, admin: false, sub: 'sbx-1' }, issuer);

    expect(outcome).toMatchObject({
      ok: true,
      session: {
        tags: [
          { key: 'Tenant', value: 'acme' },
          { key: 'Level', value: '3' },
          { key: 'Admin', value: 'false' },
        ],
        transitiveTagKeys: ['Tenant', 'Level', 'Admin'],
        sourceIdentity: 'sbx-1',
      },
    });
  });

  it('gives no session when the issuer maps nothing: the service set is used', () => {
    expect(toSession({ tenant: 'a' }, sandboxIssuer({ sessionTags: [] }))).toEqual({
      ok: true,
      session: undefined,
    });
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['a missing source identity', {}, 'source identity: claim /sub is missing'],
    [
      'a source identity that is too short',
      { sub: 'x' },
      'source identity: claim /sub is not a valid SourceIdentity (2 to 64 letters, digits and +=,.@_-)',
    ],
    [
      'a source identity in the reserved aws: space',
      { sub: 'aws:me' },
      'source identity: claim /sub is not a valid SourceIdentity (2 to 64 letters, digits and +=,.@_-)',
    ],
    [
      'a tag value longer than 256 characters',
      { sub: 'ok-id', tenant: 'a'.repeat(257) },
      'session tag Tenant: claim /tenant is not a valid session tag value (a string of at most 256 letters, digits, spaces and _.:/=+-@)',
    ],
  ])('refuses %s, naming the claim and never its value', (_case, given, message) => {
    const issuer = sandboxIssuer({
      sessionTags: [{ key: 'Tenant', pointer: '/tenant' }],
      sourceIdentity: '/sub',
    });

    const outcome = toSession({ tenant: 'acme', ...given }, issuer);

    expect(outcome).toEqual({ ok: false, message });
  });
});

describe('parseKeySet', () => {
  it.each<['jwks' | 'pem', string, string]>([
    ['jwks', '{"not": "a set", "secret": "SEKRET-1"}', 'not a JSON Web Key Set'],
    ['jwks', 'SEKRET-2 is not json', 'not JSON'],
    [
      'pem',
      '-----BEGIN PUBLIC KEY-----\nSEKRET-3\n-----END PUBLIC KEY-----',
      'not a PEM public key',
    ],
  ])('refuses bad %s material with its own message, never quoting it', (kind, text, message) => {
    expect(() => parseKeySet(kind, text)).toThrow(message);
    try {
      parseKeySet(kind, text);
    } catch (error) {
      expect(String((error as Error).message)).not.toContain('SEKRET');
    }
  });
});
