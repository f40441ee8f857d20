import type { TokenFileConfig } from '../config/types.js';
import type { Clock, DomainLogger, Timer } from '../credentials/types.js';
import { toTokenDigest } from './tokenDigest.js';

/** A failed write is tried again this soon (or at the next rotation, if sooner). */
export const WRITE_RETRY_MS = 10_000;

export interface RotatingTokenDeps {
  readonly service: string;
  readonly spec: TokenFileConfig;
  readonly clock: Clock;
  readonly logger: DomainLogger;
  /** A fresh random token. */
  readonly newToken: () => string;
  /** Writes the token file (the caller serializes writes to one path). */
  readonly write: (token: string) => Promise<void>;
  /** The accepted digests changed: the caller re-reads `accepted()`. */
  readonly changed: () => void;
  /** Digest of a token clients may still hold (a replaced definition's), honoured like a previous one. */
  readonly inherited?: string;
}

/** One service's generated token: rotated on schedule, written to its file. */
export interface RotatingToken {
  /** Digests accepted now: the newest token, the one the file shows, the previous in its grace. */
  accepted(): readonly string[];
  /** The digest the file shows (or last showed), for a replacement to inherit. */
  shown(): string | undefined;
  /**
   * The accepted tokens themselves, for a door that verifies a signature made with one (the
   * AWS gateway's HMAC): every accepted one but an inherited token, whose value is not known.
   */
  secrets(): readonly string[];
  /** Settles with the first write: undefined, or the error it failed with. */
  readonly firstWrite: Promise<unknown>;
  /** Stop rotating; nothing more is written. */
  retire(): void;
}

/**
 * The order that keeps every client working: a new token is accepted before the write starts;
 * once the file shows it, the token it replaced stays accepted for `grace_seconds` (counted
 * from the write, so a slow disk cannot eat the grace); a token that was never written is
 * dropped at the next rotation, as no client can hold it. A failed write keeps the token the
 * file still shows accepted and is retried.
 */
export function createRotatingToken(deps: RotatingTokenDeps): RotatingToken {
  const { clock, spec, logger, service } = deps;
  let current = deps.newToken();
  let currentDigest = toTokenDigest(current);
  /** Digest → token for the tokens this one generated and still accepts. */
  const values = new Map([[currentDigest, current]]);
  let shownDigest: string | undefined;
  let graceDigest = deps.inherited;
  let graceTimer: Timer | undefined;
  let rotateTimer: Timer | undefined;
  let retryTimer: Timer | undefined;
  let retired = false;

  function expireGraceAfterMs(ms: number): void {
    graceTimer?.cancel();
    graceTimer = clock.setTimer(ms, () => {
      graceDigest = undefined;
      graceTimer = undefined;
      deps.changed();
    });
  }

  async function writeCurrent(kind: 'initial' | 'rotation' | 'retry'): Promise<unknown> {
    const token = current;
    const digest = currentDigest;
    try {
      await deps.write(token);
    } catch (error) {
      if (retired) return error;
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      logger.error(
        { service, path: spec.path, code },
        `cannot write the token file of service ${service} (${code}); retrying in ${WRITE_RETRY_MS / 1000} s`,
      );
      retryTimer?.cancel();
      retryTimer = clock.setTimer(WRITE_RETRY_MS, () => {
        retryTimer = undefined;
        void writeCurrent('retry');
      });
      return error;
    }
    if (retired) return undefined;
    if (digest === currentDigest) {
      retryTimer?.cancel();
      retryTimer = undefined;
    }
    // Whatever the file showed before stays accepted for the grace period, counted from now.
    if (shownDigest !== digest) {
      if (shownDigest !== undefined) graceDigest = shownDigest;
      shownDigest = digest;
      if (graceDigest !== undefined) expireGraceAfterMs(spec.graceSeconds * 1000);
      deps.changed();
    }
    logger.debug({ service, path: spec.path, kind }, `token file of service ${service} written`);
    return undefined;
  }

  function rotate(): void {
    if (retired) return;
    current = deps.newToken();
    currentDigest = toTokenDigest(current);
    values.set(currentDigest, current);
    deps.changed();
    scheduleRotation();
    void writeCurrent('rotation');
  }

  function scheduleRotation(): void {
    rotateTimer = clock.setTimer(spec.rotateSeconds * 1000, rotate);
  }

  scheduleRotation();
  const firstWrite = writeCurrent('initial');

  function accepted(): string[] {
    const digests = new Set([currentDigest]);
    if (shownDigest !== undefined) digests.add(shownDigest);
    if (graceDigest !== undefined) digests.add(graceDigest);
    return [...digests];
  }

  return {
    accepted,
    shown: () => shownDigest,
    secrets() {
      const live = accepted();
      for (const digest of values.keys()) if (!live.includes(digest)) values.delete(digest);
      return live.flatMap((digest) => values.get(digest) ?? []);
    },
    firstWrite,
    retire() {
      retired = true;
      for (const timer of [rotateTimer, retryTimer, graceTimer]) timer?.cancel();
    },
  };
}
