import { CredentialsUnavailableError, isCredproxyError } from '../errors.js';
import type { CacheObserver, CredentialTarget, RoleAssumer } from './ports.js';
import {
  backoffDelayMs,
  type FailureKind,
  isServable,
  MIN_ATTEMPT_INTERVAL_MS,
  nextRefreshAt,
  type RefreshPolicy,
  SERVE_FLOOR_MS,
} from './refreshPolicy.js';
import type { Clock, Credentials, DomainLogger, Timer } from './types.js';

/** Credentials of one service definition: the set in service, its refresh timer, its failures. */
export interface ServiceCredentials {
  readonly target: CredentialTarget;
  /** The set to serve now, or undefined when none has 5 minutes left. Synchronous: hot path. */
  current(): Credentials | undefined;
  /**
   * Cold path: wait up to `waitMs` for a set, sharing one STS call with every other waiter. A
   * request starts an attempt once the minimum interval since the last one has passed, whatever
   * the backoff says. Rejects with CredentialsUnavailableError (with `retryAfterSeconds`).
   */
  waitForCredentials(waitMs: number): Promise<Credentials>;
  /** Fetch now unless a fetch is running or the minimum attempt interval has not passed. */
  refresh(): Promise<void>;
  /** The last failure, while no servable set exists or a refresh keeps failing. */
  lastError(): CredentialsUnavailableError | undefined;
  /** New timing from a reload: the pending refresh of a healthy set is rescheduled with it. */
  setPolicy(policy: RefreshPolicy): void;
  /** Stop timers; any fetch still running is discarded. Used on removal, change and stop. */
  retire(): void;
}

export interface ServiceCredentialsDeps {
  readonly assumer: RoleAssumer;
  readonly clock: Clock;
  readonly random: () => number;
  readonly logger: DomainLogger;
  readonly observer: CacheObserver;
}

export function createServiceCredentials(
  target: CredentialTarget,
  initialPolicy: RefreshPolicy,
  deps: ServiceCredentialsDeps,
): ServiceCredentials {
  const { clock } = deps;
  let policy = initialPolicy;
  let current: Credentials | undefined;
  /** The swap jitter of the current set, drawn once per set so a reschedule keeps it. */
  let jitter = 0;
  let inFlight: Promise<Credentials> | undefined;
  let failures = 0;
  let lastError: CredentialsUnavailableError | undefined;
  let lastAttemptAt = Number.NEGATIVE_INFINITY;
  let nextAttemptAt = 0;
  let timer: Timer | undefined;
  let retired = false;

  const servable = (): Credentials | undefined =>
    current !== undefined && isServable(current, clock.now()) ? current : undefined;

  function schedule(atMs: number): void {
    timer?.cancel();
    const at = Math.max(atMs, lastAttemptAt + MIN_ATTEMPT_INTERVAL_MS);
    nextAttemptAt = at;
    timer = clock.setTimer(at - clock.now(), () => {
      timer = undefined;
      void fetch().catch(() => undefined);
    });
  }

  function succeeded(credentials: Credentials): Credentials {
    const kind = current === undefined ? 'initial' : 'refresh';
    current = credentials;
    jitter = deps.random();
    failures = 0;
    lastError = undefined;
    deps.observer.issued?.(target, credentials, kind);
    schedule(nextRefreshAt(credentials, policy, jitter, clock.now()));
    return credentials;
  }

  function failed(cause: unknown): never {
    const error = toUnavailable(cause);
    const now = clock.now();
    const warm = servable();
    const kind: FailureKind = !warm ? 'cold' : error.transient ? 'transient' : 'final';
    failures += 1;
    lastError = error;
    const retryAt = now + backoffDelayMs(failures, policy, kind, deps.random());
    // A warm set that falls below the serving floor before the retry turns cold then: retry by then.
    schedule(warm ? Math.min(retryAt, warm.expiresAtMs - SERVE_FLOOR_MS) : retryAt);
    const retryInMs = nextAttemptAt - now;
    deps.observer.failed?.(target, error, retryInMs);
    deps.logger.warn(
      {
        service: target.name,
        // A per-session set: which one (tag values come from claims; never a secret).
        ...(target.session === undefined ? {} : { sessionTags: target.session.tags }),
        code: error.code,
        transient: error.transient,
        failures,
        retryInMs,
        hasServableCredentials: warm !== undefined,
      },
      `AssumeRole failed for service ${target.name}: ${error.message}`,
    );
    throw error;
  }

  function fetch(): Promise<Credentials> {
    if (inFlight) return inFlight;
    if (retired) return Promise.reject(retiredError(target));
    timer?.cancel();
    timer = undefined;
    const started = clock.now();
    lastAttemptAt = started;
    const attempt = deps.assumer.assumeRole(target).then(
      (credentials) => {
        deps.observer.stsCall?.(target, 'success', clock.now() - started);
        if (retired) throw retiredError(target);
        return succeeded(credentials);
      },
      (cause: unknown) => {
        if (retired) throw retiredError(target);
        deps.observer.stsCall?.(target, 'failure', clock.now() - started);
        return failed(cause);
      },
    );
    inFlight = attempt;
    const clear = () => {
      if (inFlight === attempt) inFlight = undefined;
    };
    attempt.then(clear, clear);
    return attempt;
  }

  /** When a client request may start the next attempt: the timer's, or the interval's end. */
  function unavailableNow(): CredentialsUnavailableError {
    const now = clock.now();
    const nextAt = Math.min(nextAttemptAt, lastAttemptAt + MIN_ATTEMPT_INTERVAL_MS);
    const retryAfterSeconds = Math.max(1, Math.ceil((nextAt - now) / 1000));
    if (lastError) return lastError.withRetryAfter(retryAfterSeconds);
    return new CredentialsUnavailableError(
      'CREDENTIALS_PENDING',
      `credentials for service ${target.name} are not available yet`,
      true,
      { retryAfterSeconds },
    );
  }

  return {
    target,
    current: servable,
    waitForCredentials(waitMs) {
      const ready = servable();
      if (ready) return Promise.resolve(ready);
      if (retired) return Promise.reject(retiredError(target));
      // Never faster than the attempt interval: clients cannot cause an STS storm.
      if (!inFlight && clock.now() < lastAttemptAt + MIN_ATTEMPT_INTERVAL_MS) {
        return Promise.reject(unavailableNow());
      }
      return waitFor(fetch(), waitMs, clock, target, unavailableNow);
    },
    async refresh() {
      if (inFlight) {
        await inFlight.catch(() => undefined);
        return;
      }
      if (clock.now() < lastAttemptAt + MIN_ATTEMPT_INTERVAL_MS) return;
      await fetch().catch(() => undefined);
    },
    lastError: () => lastError,
    setPolicy(next) {
      policy = next;
      if (current !== undefined && failures === 0 && timer !== undefined) {
        schedule(nextRefreshAt(current, policy, jitter, clock.now()));
      }
    },
    retire() {
      retired = true;
      timer?.cancel();
      timer = undefined;
      current = undefined;
    },
  };
}

/** Resolve with the shared fetch, or reject after `waitMs` so the client can retry. */
function waitFor(
  pending: Promise<Credentials>,
  waitMs: number,
  clock: Clock,
  target: CredentialTarget,
  unavailableNow: () => CredentialsUnavailableError,
): Promise<Credentials> {
  return new Promise<Credentials>((resolve, reject) => {
    const deadline = clock.setTimer(waitMs, () => {
      reject(
        new CredentialsUnavailableError(
          'CREDENTIALS_PENDING',
          `credentials for service ${target.name} are still being fetched`,
          true,
          { retryAfterSeconds: 1 },
        ),
      );
    });
    pending.then(
      (credentials) => {
        deadline.cancel();
        resolve(credentials);
      },
      () => {
        deadline.cancel();
        reject(unavailableNow());
      },
    );
  });
}

function retiredError(target: CredentialTarget): CredentialsUnavailableError {
  return new CredentialsUnavailableError(
    'CREDENTIALS_PENDING',
    `service ${target.name} was reconfigured; retry`,
    true,
    { retryAfterSeconds: 1 },
  );
}

function toUnavailable(cause: unknown): CredentialsUnavailableError {
  if (cause instanceof CredentialsUnavailableError) return cause;
  const code = isCredproxyError(cause) ? cause.code : 'STS_ERROR';
  return new CredentialsUnavailableError(code, 'AssumeRole failed unexpectedly', true, { cause });
}
