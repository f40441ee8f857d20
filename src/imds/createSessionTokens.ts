import { randomBytes } from 'node:crypto';
import type { Clock } from '../credentials/types.js';
import { toTokenDigest } from '../identity/tokenDigest.js';

/** EC2's range for X-aws-ec2-metadata-token-ttl-seconds. */
export const MIN_SESSION_TTL_SECONDS = 1;
export const MAX_SESSION_TTL_SECONDS = 21_600;
/** Session tokens held at most per listener; the oldest goes first (about 1 MB at the cap). */
export const MAX_SESSION_TOKENS = 10_000;

/** IMDSv2 session tokens of one listener: random, expiring, bounded in number. */
export interface SessionTokens {
  /** A new token valid for `ttlSeconds`. */
  issue(ttlSeconds: number): string;
  /** Whether `token` was issued here and has not expired. */
  isValid(token: string): boolean;
  readonly size: number;
}

export interface SessionTokensOptions {
  readonly clock: Clock;
  readonly maxTokens?: number;
  readonly newToken?: () => string;
}

/**
 * Kept as digests (tokenDigest.ts) with their expiry, in issue order. Anyone who can reach the
 * listener may ask for tokens, so the store is capped: past the cap the oldest is forgotten,
 * which costs its holder one new PUT (every SDK fetches another token after a 401).
 */
export function createSessionTokens(options: SessionTokensOptions): SessionTokens {
  const { clock } = options;
  const maxTokens = options.maxTokens ?? MAX_SESSION_TOKENS;
  const newToken = options.newToken ?? (() => randomBytes(32).toString('base64url'));
  const expiries = new Map<string, number>();

  function forgetExpired(now: number): void {
    for (const [digest, expiresAtMs] of expiries) if (expiresAtMs <= now) expiries.delete(digest);
  }

  return {
    issue(ttlSeconds) {
      const now = clock.now();
      if (expiries.size >= maxTokens) forgetExpired(now);
      while (expiries.size >= maxTokens) {
        const oldest = expiries.keys().next().value;
        if (oldest === undefined) break;
        expiries.delete(oldest);
      }
      const token = newToken();
      expiries.set(toTokenDigest(token), now + ttlSeconds * 1000);
      return token;
    },
    isValid(token) {
      const digest = toTokenDigest(token);
      const expiresAtMs = expiries.get(digest);
      if (expiresAtMs === undefined) return false;
      if (expiresAtMs > clock.now()) return true;
      expiries.delete(digest);
      return false;
    },
    get size() {
      return expiries.size;
    },
  };
}
