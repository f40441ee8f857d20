/** One set of temporary credentials for a service, as STS issued them. */
export interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  /** Epoch milliseconds. */
  readonly expiresAtMs: number;
  readonly accountId: string | undefined;
  readonly roleArn: string;
}

/** Milliseconds since the epoch, and timers. Injected so tests can drive time by hand. */
export interface Clock {
  now(): number;
  /** Run `fn` after `delayMs`; the timer must not keep the process alive. */
  setTimer(delayMs: number, fn: () => void): Timer;
}

export interface Timer {
  cancel(): void;
}

/** The structured-logging subset the domain needs; pino satisfies it. */
export interface DomainLogger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(delayMs, fn) {
    // setTimeout overflows past 2^31-1 ms (about 24.8 days) and fires at once.
    const handle = setTimeout(fn, Math.min(Math.max(0, delayMs), 2_147_483_647));
    handle.unref();
    return { cancel: () => clearTimeout(handle) };
  },
};
