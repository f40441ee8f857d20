import type { Clock, Timer } from '../../src/credentials/types.js';

/** A clock that moves only when the test says so; timers fire in time order as it advances. */
export interface FakeClock extends Clock {
  /** Move time forward by `ms`, firing due timers (and timers they schedule) in order. */
  advance(ms: number): Promise<void>;
  /** Timers not yet fired or cancelled, soonest first (fire times, epoch ms). */
  pending(): number[];
}

export function createFakeClock(startMs = Date.UTC(2026, 10, 25, 12, 0, 0)): FakeClock {
  let now = startMs;
  let nextId = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();

  return {
    now: () => now,
    setTimer(delayMs, fn): Timer {
      const id = nextId++;
      timers.set(id, { at: now + Math.max(0, delayMs), fn });
      return { cancel: () => timers.delete(id) };
    },
    async advance(ms) {
      const target = now + ms;
      for (;;) {
        await flushMicrotasks();
        const due = [...timers.entries()]
          .filter(([, t]) => t.at <= target)
          .sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0];
        if (!due) break;
        timers.delete(due[0]);
        now = Math.max(now, due[1].at);
        due[1].fn();
      }
      now = target;
      await flushMicrotasks();
    },
    pending: () => [...timers.values()].map((t) => t.at).sort((a, b) => a - b),
  };
}

export async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
  await new Promise((resolve) => setImmediate(resolve));
}
