import { describe, expect, it } from 'vitest';
import { closestName } from '../../src/config/schema/closestName.js';

const SERVICE_KEYS = ['auth_token', 'source_credentials', 'assumed_role'];
const ROOT_KEYS = [
  'server',
  'credentials',
  'aws_defaults',
  'services',
  'dynamic_services',
  'metrics',
];

describe('closestName', () => {
  it.each([
    ['asumed_role', SERVICE_KEYS, 'assumed_role'],
    ['assmued_role', SERVICE_KEYS, 'assumed_role'],
    ['Assumed_Role', SERVICE_KEYS, 'assumed_role'],
    ['authtoken', SERVICE_KEYS, 'auth_token'],
    ['source_credential', SERVICE_KEYS, 'source_credentials'],
    ['sevices', ROOT_KEYS, 'services'],
    ['metric', ROOT_KEYS, 'metrics'],
    ['aws_default', ROOT_KEYS, 'aws_defaults'],
  ])('suggests for %s the key %s', (key, allowed, expected) => {
    expect(closestName(key, allowed)).toBe(expected);
  });

  it.each([
    ['a key nowhere near', 'surprise', ROOT_KEYS],
    ['a short key that two edits would turn into anything', 'ab', ['an', 'ax']],
    ['a tie between two names', 'servicex', ['servicea', 'serviceb']],
    ['three edits away', 'asmedrole', SERVICE_KEYS],
  ])('suggests nothing for %s', (_case, key, allowed) => {
    expect(closestName(key, allowed)).toBeUndefined();
  });
});
