import type { CredentialSession } from '../credentials/ports.js';
import type { FailureLimiter } from './createFailureLimiter.js';
import type { TokenIndex } from './createTokenIndex.js';
import type { JwtIdentity, JwtOutcome } from './jwt/createJwtIdentity.js';
import { toTokenDigest } from './tokenDigest.js';

/**
 * Why a caller was not identified; the door turns it into its own status. `invalid_token`: no
 * service holds this static token (403); `invalid_jwt`: a JWT that does not verify (401);
 * `forbidden`: a valid JWT that may not act as any service (403); `keys_unavailable`: an
 * issuer's keys never loaded (503); `rate_limited`: too many failures (429).
 */
export type AuthFailure =
  | 'missing_token'
  | 'invalid_token'
  | 'invalid_jwt'
  | 'forbidden'
  | 'keys_unavailable'
  | 'rate_limited';

export type Authentication =
  | {
      readonly ok: true;
      readonly service: string;
      /** For a JWT whose issuer maps claims to session tags or a source identity. */
      readonly session?: CredentialSession;
    }
  | {
      readonly ok: false;
      readonly reason: AuthFailure;
      /** With `rate_limited` and `keys_unavailable`: seconds until a retry may succeed. */
      readonly retryAfterSeconds: number;
      /** A fixed word saying more, for logs only (`expired`, `bad_signature`, ...). */
      readonly detail?: string;
      /** With `forbidden`: why, safe to show the client (names tag keys and claims). */
      readonly message?: string;
    };

/**
 * Every door identifies its caller here (DESIGN-NOTES, "One identity, many doors"): one token
 * index, JWTs, one failed-attempt limiter. A valid token is never limited; a failure draws from
 * the caller's address bucket, and past it the answer is `rate_limited` whatever the token was.
 * The answer is synchronous for static tokens and for JWTs seen before (their decision is
 * cached until `exp`); only a JWT's first verification returns a promise.
 */
export interface Authenticator {
  authenticate(
    token: string | undefined,
    clientAddress: string,
  ): Authentication | Promise<Authentication>;
  /**
   * A door whose callers prove themselves with a credential of its own (an IMDS session token)
   * reports a failed attempt here, so the same limiter decides: `reason`, or `rate_limited`.
   */
  refuse(reason: 'missing_token' | 'invalid_token', clientAddress: string): AuthenticationFailure;
}

export type AuthenticationFailure = Extract<Authentication, { readonly ok: false }>;

/** A JWT issuer's keys are retried by the key source; a client retries after this. */
const KEYS_RETRY_AFTER_SECONDS = 5;

export function createAuthenticator(deps: {
  readonly index: () => TokenIndex;
  readonly limiter: FailureLimiter;
  /** JWT identity; absent or undefined when no issuer is configured. */
  readonly jwt?: () => JwtIdentity | undefined;
}): Authenticator {
  function failed(
    clientAddress: string,
    reason: AuthFailure,
    extra: { detail?: string; message?: string } = {},
  ): AuthenticationFailure {
    if (!deps.limiter.allow(clientAddress)) {
      return {
        ok: false,
        reason: 'rate_limited',
        retryAfterSeconds: deps.limiter.retryAfterSeconds(clientAddress),
      };
    }
    return { ok: false, reason, retryAfterSeconds: 0, ...extra };
  }

  function settle(outcome: JwtOutcome, clientAddress: string): Authentication {
    switch (outcome.kind) {
      case 'accepted':
        return outcome.session === undefined
          ? { ok: true, service: outcome.service }
          : { ok: true, service: outcome.service, session: outcome.session };
      case 'rejected':
        return failed(clientAddress, 'invalid_jwt', { detail: outcome.reason });
      case 'forbidden':
        return failed(clientAddress, 'forbidden', {
          detail: outcome.reason,
          message: outcome.message,
        });
      case 'unavailable':
        // Not the caller's fault: it does not draw from the failure buckets.
        return {
          ok: false,
          reason: 'keys_unavailable',
          retryAfterSeconds: KEYS_RETRY_AFTER_SECONDS,
        };
    }
  }

  return {
    authenticate(token, clientAddress) {
      if (token === undefined || token === '') return failed(clientAddress, 'missing_token');
      // One digest serves both lookups: the static index, then the JWT decision cache.
      const digest = toTokenDigest(token);
      const service = deps.index().lookupDigest(digest);
      if (service !== undefined) return { ok: true, service };
      const outcome = deps.jwt?.()?.authenticate(token, digest);
      if (outcome === undefined) return failed(clientAddress, 'invalid_token');
      if (outcome instanceof Promise) return outcome.then((o) => settle(o, clientAddress));
      return settle(outcome, clientAddress);
    },
    refuse: (reason, clientAddress) => failed(clientAddress, reason),
  };
}
