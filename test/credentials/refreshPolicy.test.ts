import { describe, expect, it } from 'vitest';
import {
  backoffDelayMs,
  isServable,
  MAX_FINAL_BACKOFF_MS,
  MAX_TRANSIENT_BACKOFF_MS,
  MIN_ATTEMPT_INTERVAL_MS,
  MIN_FINAL_BACKOFF_MS,
  nextRefreshAt,
  resolveRefreshPolicy,
  SERVE_FLOOR_MS,
} from '../../src/credentials/refreshPolicy.js';

const MINUTE = 60_000;
const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);

describe('resolveRefreshPolicy', () => {
  it.each([
    // refresh_buffer_seconds, DurationSeconds, expected lead (minutes)
    [1200, 3600, 20],
    [1200, 900, 7.5],
    [1200, 2400, 20],
    [1200, 2000, 1000 / 60],
    [600, 43200, 10],
    [3600, 43200, 60],
  ])('takes min(buffer %i s, duration %i s / 2) as the lead', (buffer, duration, leadMinutes) => {
    const policy = resolveRefreshPolicy(buffer, duration, 60);

    expect(policy.leadMs).toBeCloseTo(leadMinutes * MINUTE, 6);
    expect(policy.retryDelayMs).toBe(60_000);
  });
});

describe('nextRefreshAt', () => {
  const policy = resolveRefreshPolicy(1200, 3600, 60);
  const credentials = { expiresAtMs: NOW + 60 * MINUTE };

  it('swaps an hour-long set with 20 minutes left when the jitter draw is 0', () => {
    expect(nextRefreshAt(credentials, policy, 0, NOW)).toBe(NOW + 40 * MINUTE);
  });

  it('moves the swap at most 10 % of the lead earlier, never later', () => {
    const earliest = nextRefreshAt(credentials, policy, 0.999_999, NOW);
    const latest = nextRefreshAt(credentials, policy, 0, NOW);

    expect(earliest).toBeGreaterThanOrEqual(NOW + 38 * MINUTE);
    expect(earliest).toBeLessThan(latest);
    expect(latest).toBe(NOW + 40 * MINUTE);
  });

  it.each([-1, Number.NaN, 5])('clamps a jitter draw of %s into [0, 1]', (jitter) => {
    const at = nextRefreshAt(credentials, policy, jitter, NOW);

    expect(at).toBeGreaterThanOrEqual(NOW + 38 * MINUTE);
    expect(at).toBeLessThanOrEqual(NOW + 40 * MINUTE);
  });

  it('replaces at once a set that arrives already inside its window', () => {
    const short = { expiresAtMs: NOW + 15 * MINUTE };

    expect(nextRefreshAt(short, policy, 0.5, NOW)).toBe(NOW);
  });

  it('leaves every client at least 20 minutes on an hour-long set, for every jitter draw', () => {
    for (let i = 0; i <= 100; i++) {
      const at = nextRefreshAt(credentials, policy, i / 100, NOW);

      expect(credentials.expiresAtMs - at).toBeGreaterThanOrEqual(20 * MINUTE);
    }
  });
});

describe('isServable', () => {
  it.each([
    [SERVE_FLOOR_MS + 1, true],
    [SERVE_FLOOR_MS, true],
    [SERVE_FLOOR_MS - 1, false],
    [0, false],
    [-1, false],
  ])('with %i ms left says %s', (leftMs, expected) => {
    expect(isServable({ expiresAtMs: NOW + leftMs }, NOW)).toBe(expected);
  });
});

describe('backoffDelayMs', () => {
  const policy = resolveRefreshPolicy(1200, 3600, 60);

  it('starts at retry_delay and doubles per failure for transient errors', () => {
    expect([1, 2, 3, 4].map((n) => backoffDelayMs(n, policy, 'transient', 0))).toEqual([
      60_000, 120_000, 240_000, 300_000,
    ]);
  });

  it('adds at most 20 % jitter and stays within the cap plus jitter', () => {
    expect(backoffDelayMs(1, policy, 'transient', 1)).toBe(72_000);
    expect(backoffDelayMs(30, policy, 'transient', 1)).toBe(MAX_TRANSIENT_BACKOFF_MS * 1.2);
  });

  it('backs off final errors from 5 minutes up to 30', () => {
    expect(backoffDelayMs(1, policy, 'final', 0)).toBe(MIN_FINAL_BACKOFF_MS);
    expect(backoffDelayMs(10, policy, 'final', 0)).toBe(MAX_FINAL_BACKOFF_MS);
  });

  it('retries a cold service from a few seconds, doubling, capped by retry_delay', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelayMs(n, policy, 'cold', 0));

    // 2, 4, 8 s are raised to the 15 s minimum interval; then 16, 32, and 60 s (retry_delay).
    expect(delays).toEqual([15_000, 15_000, 15_000, 16_000, 32_000, 60_000, 60_000]);
  });

  it('never lets a cold service wait longer than retry_delay (plus jitter), even on final errors', () => {
    expect(backoffDelayMs(30, policy, 'cold', 1)).toBe(72_000);
  });

  it('never retries sooner than the minimum attempt interval', () => {
    const fast = resolveRefreshPolicy(1200, 3600, 1);

    expect(backoffDelayMs(1, fast, 'transient', 0)).toBe(MIN_ATTEMPT_INTERVAL_MS);
  });
});
