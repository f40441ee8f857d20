import type { CredentialTarget, RoleAssumer } from '../../src/credentials/ports.js';
import type { Clock, Credentials } from '../../src/credentials/types.js';

/** A role assumer that counts calls and answers from a script: credentials or an error. */
export interface FakeAssumer extends RoleAssumer {
  calls: number;
  /** Every target asked for, in order (a per-session set carries its session). */
  targets: CredentialTarget[];
  /** Next answers, in order; when empty, a fresh set valid for the service's duration. */
  script: Array<Error | { lifetimeMs: number }>;
  /** When set, calls wait for `release()` before answering. */
  hold: boolean;
  release(): void;
}

export function createFakeAssumer(clock: Clock): FakeAssumer {
  let waiting: Array<() => void> = [];
  const assumer: FakeAssumer = {
    calls: 0,
    targets: [],
    script: [],
    hold: false,
    release() {
      const released = waiting;
      waiting = [];
      for (const go of released) go();
    },
    async assumeRole(service: CredentialTarget): Promise<Credentials> {
      assumer.calls += 1;
      assumer.targets.push(service);
      const n = assumer.calls;
      const step = assumer.script.shift();
      if (assumer.hold) await new Promise<void>((resolve) => waiting.push(resolve));
      if (step instanceof Error) throw step;
      const lifetimeMs = step?.lifetimeMs ?? service.role.durationSeconds * 1000;
      return {
        accessKeyId: `ASIAFAKE${String(n).padStart(12, '0')}`,
        secretAccessKey: `secret-${n}`,
        sessionToken: `session-${n}`,
        expiresAtMs: clock.now() + lifetimeMs,
        accountId: '123456789012',
        roleArn: service.role.roleArn,
      };
    },
  };
  return assumer;
}
