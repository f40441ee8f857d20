import type { FailureLimiter } from './createFailureLimiter.js';
import type { TokenIndex } from './createTokenIndex.js';

/** Why a caller was not identified; the door turns it into its own status (401/403/407/429). */
export type AuthFailure = 'missing_token' | 'invalid_token' | 'rate_limited';

export type Authentication =
  | { readonly ok: true; readonly service: string }
  | {
      readonly ok: false;
      readonly reason: AuthFailure;
      /** With `rate_limited`: seconds until the address may fail again. */
      readonly retryAfterSeconds: number;
    };

/**
 * Every door identifies its caller here (DESIGN-NOTES, "One identity, many doors"): one token
 * index, one failed-attempt limiter. A valid token is never limited; a failure draws from the
 * caller's address bucket, and past it the answer is `rate_limited` whatever the token was.
 */
export interface Authenticator {
  authenticate(token: string | undefined, clientAddress: string): Authentication;
  /**
   * A door whose callers prove themselves with a credential of its own (an IMDS session token)
   * reports a failed attempt here, so the same limiter decides: `reason`, or `rate_limited`.
   */
  refuse(reason: 'missing_token' | 'invalid_token', clientAddress: string): AuthenticationFailure;
}

export type AuthenticationFailure = Extract<Authentication, { readonly ok: false }>;

export function createAuthenticator(deps: {
  readonly index: () => TokenIndex;
  readonly limiter: FailureLimiter;
}): Authenticator {
  function refuse(
    reason: 'missing_token' | 'invalid_token',
    clientAddress: string,
  ): AuthenticationFailure {
    if (!deps.limiter.allow(clientAddress)) {
      return {
        ok: false,
        reason: 'rate_limited',
        retryAfterSeconds: deps.limiter.retryAfterSeconds(clientAddress),
      };
    }
    return { ok: false, reason, retryAfterSeconds: 0 };
  }

  return {
    authenticate(token, clientAddress) {
      const service = token === undefined || token === '' ? undefined : deps.index().lookup(token);
      if (service !== undefined) return { ok: true, service };
      return refuse(
        token === undefined || token === '' ? 'missing_token' : 'invalid_token',
        clientAddress,
      );
    },
    refuse,
  };
}
