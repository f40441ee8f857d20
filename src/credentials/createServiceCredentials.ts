import type { ServiceConfig } from '../config/types.js';
import { CredentialsUnavailableError, isCredproxyError } from '../errors.js';
import type { CacheObserver, RoleAssumer } from './ports.js';
import {
  backoffDelayMs,
  isServable,
  MIN_ATTEMPT_INTERVAL_MS,
  nextRefreshAt,
  type RefreshPolicy,
} from './refreshPolicy.js';
import type { Clock, Credentials, DomainLogger, Timer } from './types.js';

/** Credentials of one service definition: the set in service, its refresh timer, its failures. */
export interface ServiceCredentials {
  readonly service: ServiceConfig;
  /** The set to serve now, or undefined when none has 5 minutes left. Synchronous: hot path. */
  current(): Credentials | undefined;
  /**
   * Cold path: wait up to `waitMs` for a set, sharing one STS call with every other waiter.
   * Rejects with CredentialsUnavailableError (with `retryAfterSeconds`) when none comes.
   */
  waitForCredentials(waitMs: number): Promise<Credentials>;
  /** Fetch now unless a fetch is running or the minimum attempt interval has not passed. */
  refresh(): Promise<void>;
  /** The last failure, while no servable set exists or a refresh keeps failing. */
  lastError(): CredentialsUnavailableError | undefined;
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
  service: ServiceConfig,
  policy: RefreshPolicy,
  deps: ServiceCredentialsDeps,
): ServiceCredentials {
  const { assumer, clock, random, logger, observer } = deps;
  let current: Credentials | undefined;
  let inFlight: Promise<Credentials> | undefined;
  let failures = 0;
  let lastError: CredentialsUnavailableError | undefined;
  let lastAttemptAt = Number.NEGATIVE_INFINITY;
  let nextAttemptAt = 0;
  let timer: Timer | undefined;
  let retired = false;

  function schedule(atMs: number): void {
    timer?.cancel();
    const at = Math.max(atMs, lastAttemptAt + MIN_ATTEMPT_INTERVAL_MS);
    nextAttemptAt = at;
    timer = clock.setTimer(at - clock.now(), () => {
      timer = undefined;
      void fetch();
    });
  }

  function fetch(): Promise<Credentials> {
    if (inFlight) return inFlight;
    if (retired) return Promise.reject(retiredError());
    timer?.cancel();
    timer = undefined;
    const started = clock.now();
    lastAttemptAt = started;
    const attempt = assumer.assumeRole(service).then(
      (credentials) => {
        observer.stsCall?.(service, 'success', clock.now() - started);
        if (retired) throw retiredError();
        const kind = current === undefined ? 'initial' : 'refresh';
        current = credentials;
        failures = 0;
        lastError = undefined;
        observer.issued?.(service, credentials, kind);
        schedule(nextRefreshAt(credentials, policy, random(), clock.now()));
        return credentials;
      },
      (cause: unknown) => {
        if (retired) throw retiredError();
        observer.stsCall?.(service, 'failure', clock.now() - started);
        const error = toUnavailable(cause);
        failures += 1;
        lastError = error;
        const delay = backoffDelayMs(failures, policy, !error.transient, random());
        schedule(clock.now() + delay);
        const retryInMs = nextAttemptAt - clock.now();
        observer.failed?.(service, error, retryInMs);
        logger.warn(
          {
            service: service.name,
            code: error.code,
            transient: error.transient,
            failures,
            retryInMs,
            hasServableCredentials: current !== undefined && isServable(current, clock.now()),
          },
          `AssumeRole failed for service ${service.name}: ${error.message}`,
        );
        throw error;
      },
    );
    inFlight = attempt;
    const clear = () => {
      if (inFlight === attempt) inFlight = undefined;
    };
    attempt.then(clear, clear);
    return attempt;
  }

  function unavailableNow(): CredentialsUnavailableError {
    const retryAfterSeconds = Math.max(1, Math.ceil((nextAttemptAt - clock.now()) / 1000));
    if (lastError) return lastError.withRetryAfter(retryAfterSeconds);
    return new CredentialsUnavailableError(
      'CREDENTIALS_PENDING',
      `credentials for service ${service.name} are not available yet`,
      true,
      { retryAfterSeconds },
    );
  }

  return {
    service,
    current() {
      return current !== undefined && isServable(current, clock.now()) ? current : undefined;
    },
    waitForCredentials(waitMs) {
      const ready = this.current();
      if (ready) return Promise.resolve(ready);
      if (retired) return Promise.reject(retiredError());
      if (!inFlight) {
        // A cold request may start a fetch, but never faster than the attempt interval or
        // ahead of the backoff after a failure: clients cannot cause an STS storm.
        const now = clock.now();
        const backingOff = lastError !== undefined && now < nextAttemptAt;
        if (backingOff || now < lastAttemptAt + MIN_ATTEMPT_INTERVAL_MS) {
          return Promise.reject(unavailableNow());
        }
      }
      const pending = fetch();
      return new Promise<Credentials>((resolve, reject) => {
        const deadline = clock.setTimer(waitMs, () => {
          reject(
            new CredentialsUnavailableError(
              'CREDENTIALS_PENDING',
              `credentials for service ${service.name} are still being fetched`,
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
    retire() {
      retired = true;
      timer?.cancel();
      timer = undefined;
      current = undefined;
    },
  };

  function retiredError(): CredentialsUnavailableError {
    return new CredentialsUnavailableError(
      'CREDENTIALS_PENDING',
      `service ${service.name} was reconfigured; retry`,
      true,
      { retryAfterSeconds: 1 },
    );
  }
}

function toUnavailable(cause: unknown): CredentialsUnavailableError {
  if (cause instanceof CredentialsUnavailableError) return cause;
  const code = isCredproxyError(cause) ? cause.code : 'STS_ERROR';
  return new CredentialsUnavailableError(code, 'AssumeRole failed unexpectedly', true, { cause });
}
