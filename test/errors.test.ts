import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, WARNING_CODES } from '../src/errorCodes.js';

const WARNINGS_HEADING = '## Configuration warnings';

describe('the error catalogue', () => {
  const doc = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');
  const codesIn = (text: string) => [...text.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]);
  const start = doc.indexOf(WARNINGS_HEADING);
  const end = doc.indexOf('\n## ', start + 1);
  const warningSection = doc.slice(start, end);

  it('documents exactly the error codes the code defines, once each', () => {
    const documented = codesIn(doc.slice(0, start) + doc.slice(end));

    expect([...documented].sort()).toEqual(Object.keys(ERROR_CODES).sort());
    expect(new Set(documented).size).toBe(documented.length);
  });

  it('documents exactly the warning codes in their own section', () => {
    const documented = codesIn(warningSection);

    expect(start).toBeGreaterThan(0);
    expect([...documented].sort()).toEqual(Object.keys(WARNING_CODES).sort());
  });
});
