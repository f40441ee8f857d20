import { describe, expect, it } from 'vitest';
import { nodeSupportWarning } from '../src/version.js';

describe('nodeSupportWarning', () => {
  it.each([
    [
      'v20.19.5',
      'Node.js v20.19.5 is past end of life; credproxy supports it, but run the current LTS (24)',
    ],
    [
      'v21.7.3',
      'Node.js v21.7.3 is past end of life; credproxy supports it, but run the current LTS (24)',
    ],
    ['v22.12.0', undefined],
    ['v24.11.1', undefined],
    ['v26.0.0', undefined],
    ['not a version', undefined],
  ])('for %s says %j', (version, expected) => {
    expect(nodeSupportWarning(version)).toBe(expected);
  });
});
