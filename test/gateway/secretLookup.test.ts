import { describe, expect, it } from 'vitest';
import { createSecretLookup } from '../../src/identity/createSecretLookup.js';
import { createTokenFiles } from '../../src/identity/createTokenFiles.js';
import type { TokenFileWriter } from '../../src/identity/writeTokenFile.js';
import { createFakeClock, flushMicrotasks } from '../helpers/fakeClock.js';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const SPEC = { path: '/t/agent', rotateSeconds: 60, graceSeconds: 10, mode: 0o600 };

describe('secretsOf: the tokens a service may sign with', () => {
  it('gives the static token, then the generated ones: the new and, through its grace, the previous', async () => {
    const clock = createFakeClock();
    const writer: TokenFileWriter = { write: async () => {}, remove: async () => {} };
    let n = 0;
    const files = createTokenFiles({
      clock,
      logger: quiet,
      writer,
      newToken: () => `generated-${++n}`,
    });
    const agent = {
      name: 'agent',
      authToken: 'static-token',
      tokenFile: SPEC,
      origin: { kind: 'static' as const, file: 'c' },
    };
    files.apply([agent]);
    await files.written();
    const lookup = createSecretLookup(() => new Map([['agent', agent]]), files);

    const first = lookup.secretsOf('agent');
    await clock.advance(60_000);
    await flushMicrotasks();
    const rotated = lookup.secretsOf('agent');
    await clock.advance(11_000);
    const afterGrace = lookup.secretsOf('agent');

    expect(first).toEqual(['static-token', 'generated-1']);
    expect([...rotated].sort()).toEqual(['generated-1', 'generated-2', 'static-token']);
    expect(afterGrace).toEqual(['static-token', 'generated-2']);
    expect(lookup.secretsOf('nobody')).toEqual([]);
    files.stop();
  });
});
