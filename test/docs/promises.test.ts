import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DRAIN_GRACE_MS } from '../../src/sidecar/createSidecar.js';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

describe('what the docs promise matches the code', () => {
  it.each(['README.md', 'docs/deployment.md', 'docs/migrating.md'])(
    '%s states the drain bound DRAIN_GRACE_MS, and no other',
    (path) => {
      const bounds = [...read(path).matchAll(/at most (\d+) s\)/g)].map((match) =>
        Number(match[1]),
      );

      expect(bounds).toEqual([DRAIN_GRACE_MS / 1000]);
    },
  );

  it('README states the rate-limited warning for failed credential requests with every reason', () => {
    const readme = read('README.md').replace(/\s+/g, ' ');

    expect(readme).toContain('rate-limited warning per client address and reason');
    // The reason is the error code the client got (src/observability/createFailureLog.ts).
    for (const reason of [
      'MISSING_TOKEN',
      'INVALID_TOKEN',
      'RATE_LIMITED',
      'METHOD_NOT_ALLOWED',
      'NOT_FOUND',
      'BAD_REQUEST',
      'EXPECTATION_FAILED',
    ]) {
      expect(readme).toContain(`\`${reason}\``);
    }
  });
});
