import type { CredentialSession } from '../../credentials/ports.js';
import type { JwtRejection, Verification } from './createJwtVerifier.js';
import type { SelectionFailure, ServiceSelector } from './createServiceSelector.js';
import { toSession } from './toSession.js';

/** What a JWT may do: act as a service (with a session), or why not. */
export type JwtOutcome =
  | {
      readonly kind: 'accepted';
      readonly service: string;
      readonly session: CredentialSession | undefined;
    }
  /** Not a valid token (401). */
  | { readonly kind: 'rejected'; readonly reason: JwtRejection }
  /** A valid token that may not act as any service (403); `message` is safe to show. */
  | {
      readonly kind: 'forbidden';
      readonly reason: SelectionFailure | 'session_claims';
      readonly message: string;
    }
  /** The issuer's keys have never loaded: retry later (503). */
  | { readonly kind: 'unavailable' };

const FORBIDDEN_MESSAGE = 'the token is valid but no service accepts it';

/**
 * What a verification means for the caller: refused (401), unavailable (503), or, for a valid
 * token, the service its claims select and the STS session they map to, or why it may not act
 * (403). Which service is never named unless the token selected it.
 */
export function toJwtOutcome(verification: Verification, selector: ServiceSelector): JwtOutcome {
  if (!verification.ok) {
    return verification.reason === 'keys_unavailable'
      ? { kind: 'unavailable' }
      : { kind: 'rejected', reason: verification.reason };
  }
  const selection = selector.select(verification.issuer, verification.claims);
  if (!selection.ok) {
    return { kind: 'forbidden', reason: selection.reason, message: FORBIDDEN_MESSAGE };
  }
  const session = toSession(verification.claims, verification.issuer);
  if (!session.ok) {
    return {
      kind: 'forbidden',
      reason: 'session_claims',
      message: `the token may not act as service ${selection.service}: ${session.message}`,
    };
  }
  return { kind: 'accepted', service: selection.service, session: session.session };
}
