import type { IdentityConfig } from '../../config/identityTypes.js';
import type { ServiceConfig } from '../../config/types.js';
import type { Clock, DomainLogger } from '../../credentials/types.js';
import { toTokenDigest } from '../tokenDigest.js';
import { createExpiringLru } from './createExpiringLru.js';
import {
  createJwtVerifier,
  type JwtRejection,
  type JwtVerifier,
  type Verification,
} from './createJwtVerifier.js';
import type { KeySourceObserver } from './createKeySource.js';
import { createServiceSelector, type ServiceSelector } from './createServiceSelector.js';
import { type JwtOutcome, toJwtOutcome } from './toJwtOutcome.js';

export type { JwtOutcome } from './toJwtOutcome.js';

export interface JwtIdentity {
  /**
   * Undefined when the token is not a compact JWT or no issuer is configured (the caller
   * treats it as an unknown static token). A token seen before answers synchronously from the
   * cache until its `exp`; a new one is verified asynchronously, once however many requests
   * bring it at the same time. `digest` is `toTokenDigest(token)` when the caller has it.
   */
  authenticate(token: string, digest?: string): JwtOutcome | Promise<JwtOutcome> | undefined;
  /** New `identity` from a (re)load: issuers and keys are rebuilt when it changed. */
  configure(identity: IdentityConfig): void;
  /** New services in force: selection is rebuilt and every cached decision dropped. */
  setServices(services: readonly ServiceConfig[]): void;
  close(): void;
}

export interface JwtIdentityDeps {
  readonly clock: Clock;
  readonly logger: DomainLogger;
  readonly keys: KeySourceObserver;
  /** One fresh verification ended (cache hits are not counted): its outcome, as a fixed word. */
  readonly verified?: (result: JwtVerificationResult) => void;
  readonly fetch?: typeof fetch;
}

/** The outcome of one verification, as a metric label. */
export type JwtVerificationResult = 'accepted' | 'forbidden' | 'keys_unavailable' | JwtRejection;

/** Tokens remembered at most (each a digest and a small decision). */
export const MAX_CACHED_TOKENS = 10_000;
/** A token refused for a reason time cannot change is remembered this long. */
export const REJECTION_CACHE_MS = 60_000;
/** Reasons that depend on time or on keys that may change soon: never cached. */
const UNCACHED: ReadonlySet<string> = new Set([
  'expired',
  'not_yet_valid',
  'unknown_kid',
  'unknown_issuer',
]);
const COMPACT_JWS = /^[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*$/;

/**
 * JWT identity for every door: verification (jose), the service a token selects, the STS
 * session its claims map to, and a cache of those decisions by token digest, so the warm path
 * stays a synchronous lookup. The cache is dropped whenever services, issuers or keys change:
 * a removed key or service stops matching at once, not at the token's expiry.
 */
export function createJwtIdentity(
  identity: IdentityConfig,
  services: readonly ServiceConfig[],
  deps: JwtIdentityDeps,
): JwtIdentity {
  const cache = createExpiringLru<JwtOutcome>(MAX_CACHED_TOKENS);
  const pending = new Map<string, Promise<JwtOutcome>>();
  const keys: KeySourceObserver = {
    loaded(issuer, count, atMs, changed) {
      if (changed) cache.clear();
      deps.keys.loaded(issuer, count, atMs, changed);
    },
    failed: (issuer) => deps.keys.failed(issuer),
  };
  let configText = '';
  let verifier: JwtVerifier | undefined;
  let selector: ServiceSelector = createServiceSelector(services);
  let generation = 0;

  function configure(next: IdentityConfig): void {
    const text = JSON.stringify(next.jwt ?? null);
    if (text === configText) return;
    configText = text;
    verifier?.close();
    verifier =
      next.jwt === undefined || next.jwt.issuers.length === 0
        ? undefined
        : createJwtVerifier(next.jwt, { ...deps, keys });
    invalidate();
  }

  function invalidate(): void {
    generation += 1;
    cache.clear();
    pending.clear();
  }

  async function verifyAndRemember(
    active: JwtVerifier,
    token: string,
    digest: string,
  ): Promise<JwtOutcome> {
    const started = generation;
    const verification = await active.verify(token);
    const outcome = toJwtOutcome(verification, selector);
    deps.verified?.(
      outcome.kind === 'rejected'
        ? outcome.reason
        : outcome.kind === 'unavailable'
          ? 'keys_unavailable'
          : outcome.kind,
    );
    // A reload or key change while verifying: decide again next time, with the new state.
    if (started === generation) remember(digest, outcome, verification);
    return outcome;
  }

  function remember(digest: string, outcome: JwtOutcome, verification: Verification): void {
    const now = deps.clock.now();
    if (verification.ok) cache.set(digest, outcome, verification.expiresAtMs);
    else if (outcome.kind === 'rejected' && !UNCACHED.has(outcome.reason)) {
      cache.set(digest, outcome, now + REJECTION_CACHE_MS);
    }
  }

  configure(identity);

  return {
    authenticate(raw, rawDigest) {
      const active = verifier;
      if (active === undefined) return undefined;
      const bearer = hasBearerPrefix(raw);
      const token = bearer ? raw.slice(7).trim() : raw;
      const digest = bearer || rawDigest === undefined ? toTokenDigest(token) : rawDigest;
      // The warm path: only JWT-shaped tokens are ever cached, so look before checking the shape.
      const known = cache.get(digest, deps.clock.now());
      if (known !== undefined) return known;
      if (!COMPACT_JWS.test(token)) return undefined;
      const inFlight = pending.get(digest);
      if (inFlight !== undefined) return inFlight;
      const verifying = verifyAndRemember(active, token, digest).finally(() => {
        if (pending.get(digest) === verifying) pending.delete(digest);
      });
      pending.set(digest, verifying);
      return verifying;
    },
    configure,
    setServices(next) {
      selector = createServiceSelector(next);
      invalidate();
    },
    close() {
      verifier?.close();
      verifier = undefined;
      invalidate();
    },
  };
}

/** `Bearer ` in any case, as proxies and some clients send a token. */
function hasBearerPrefix(value: string): boolean {
  return (
    value.length > 7 &&
    (value.charCodeAt(0) | 0x20) === 0x62 &&
    value.slice(0, 7).toLowerCase() === 'bearer '
  );
}
