import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../src/errors.js';

describe('the error catalogue', () => {
  it('documents exactly the codes the code defines, once each', () => {
    const doc = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');
    const documented = [...doc.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]);

    expect([...documented].sort()).toEqual(Object.keys(ERROR_CODES).sort());
    expect(new Set(documented).size).toBe(documented.length);
  });
});
