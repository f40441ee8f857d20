import { decodeJwt, type JWTPayload, jwtVerify } from 'jose';
import type { JwtConfig, JwtIssuerConfig } from '../../config/identityTypes.js';
import type { Clock, DomainLogger } from '../../credentials/types.js';
import {
  createKeySource,
  type KeySource,
  type KeySourceObserver,
  KeysUnavailableError,
} from './createKeySource.js';

/**
 * Why a token is not valid: one fixed word per reason, for logs and a metric label. The client
 * always gets the same 401, whatever the reason.
 */
export const JWT_REJECTIONS = [
  'malformed',
  'unknown_issuer',
  'alg_not_allowed',
  'unknown_kid',
  'bad_signature',
  'key_mismatch',
  'expired',
  'not_yet_valid',
  'wrong_audience',
  'missing_claim',
  'lifetime_too_long',
] as const;
export type JwtRejection = (typeof JWT_REJECTIONS)[number];

export type Verification =
  | {
      readonly ok: true;
      readonly issuer: JwtIssuerConfig;
      readonly claims: JWTPayload;
      /** `exp`, in epoch milliseconds: a verified token is trusted until then. */
      readonly expiresAtMs: number;
    }
  | { readonly ok: false; readonly reason: JwtRejection | 'keys_unavailable' };

export interface JwtVerifier {
  /** Verifies signature, iss, aud, exp, nbf, iat and the lifetime cap. Never rejects. */
  verify(token: string): Promise<Verification>;
  close(): void;
}

export interface JwtVerifierDeps {
  readonly clock: Clock;
  readonly logger: DomainLogger;
  readonly keys: KeySourceObserver;
  readonly fetch?: typeof fetch;
}

/**
 * The issuers of `identity.jwt` with their keys. The issuer is picked by the token's `iss`
 * (read before verification only to choose the keys; everything is then verified by jose with
 * that issuer's audiences, algorithms and key). `exp` and `aud` are required; `alg: none` is
 * never in an allow list, and a public key never verifies an HMAC (config rules and jose both
 * refuse it).
 */
export function createJwtVerifier(config: JwtConfig, deps: JwtVerifierDeps): JwtVerifier {
  const byIss = new Map<string, { config: JwtIssuerConfig; keys: KeySource }>();
  for (const issuer of config.issuers) {
    if (byIss.has(issuer.issuer)) continue;
    const keys = createKeySource(issuer, {
      clock: deps.clock,
      logger: deps.logger,
      observer: deps.keys,
      ...(deps.fetch === undefined ? {} : { fetch: deps.fetch }),
    });
    byIss.set(issuer.issuer, { config: issuer, keys });
  }
  const skew = config.clockSkewSeconds;

  return {
    async verify(token) {
      let iss: unknown;
      try {
        iss = decodeJwt(token).iss;
      } catch {
        return { ok: false, reason: 'malformed' };
      }
      const issuer = typeof iss === 'string' ? byIss.get(iss) : undefined;
      if (issuer === undefined) return { ok: false, reason: 'unknown_issuer' };
      const nowMs = deps.clock.now();
      let claims: JWTPayload;
      try {
        ({ payload: claims } = await jwtVerify(token, issuer.keys.getKey, {
          issuer: issuer.config.issuer,
          audience: [...issuer.config.audiences],
          algorithms: [...issuer.config.algorithms],
          clockTolerance: skew,
          currentDate: new Date(nowMs),
          requiredClaims: ['exp', 'aud'],
        }));
      } catch (error) {
        return { ok: false, reason: toRejection(error) };
      }
      return checkLifetime(claims, issuer.config, nowMs / 1000, skew);
    },
    close() {
      for (const issuer of byIss.values()) issuer.keys.close();
    },
  };
}

/**
 * The lifetime cap (`exp - iat`, or `exp - now` without `iat`), and an `iat` in the future
 * beyond the skew, which jose checks only with maxTokenAge.
 */
function checkLifetime(
  claims: JWTPayload,
  issuer: JwtIssuerConfig,
  nowSeconds: number,
  skew: number,
): Verification {
  const exp = Number(claims.exp);
  const iat = typeof claims.iat === 'number' ? claims.iat : undefined;
  if (iat !== undefined && iat > nowSeconds + skew) return { ok: false, reason: 'not_yet_valid' };
  if (exp - (iat ?? nowSeconds) > issuer.maxLifetimeSeconds) {
    return { ok: false, reason: 'lifetime_too_long' };
  }
  return { ok: true, issuer, claims, expiresAtMs: exp * 1000 };
}

/** jose's error codes (stable API) to our reasons; anything unexpected is `malformed`. */
function toRejection(error: unknown): JwtRejection | 'keys_unavailable' {
  if (error instanceof KeysUnavailableError) return 'keys_unavailable';
  if (error instanceof TypeError) return 'key_mismatch';
  const { code, claim, reason } = error as { code?: unknown; claim?: unknown; reason?: unknown };
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return 'expired';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      if (reason === 'missing') return 'missing_claim';
      if (claim === 'nbf' || claim === 'iat') return 'not_yet_valid';
      if (claim === 'aud') return 'wrong_audience';
      if (claim === 'iss') return 'unknown_issuer';
      return 'malformed';
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
    case 'ERR_JOSE_NOT_SUPPORTED':
      return 'alg_not_allowed';
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return 'bad_signature';
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return 'unknown_kid';
    default:
      return 'malformed';
  }
}
