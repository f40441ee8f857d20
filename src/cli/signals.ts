import type { RunningApp } from '../app/startApp.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_SIGNAL } from './exitCodes.js';
import { reportError } from './reportError.js';

type StopSignal = 'SIGINT' | 'SIGTERM';

/** The part of `process` signal handling needs; tests pass an EventEmitter. */
export interface SignalSource {
  on(signal: StopSignal | 'SIGHUP', listener: () => void): unknown;
}

export interface SignalHandling {
  readonly exit: (code: number) => void;
  readonly stderr: (text: string) => void;
  readonly verbose: boolean;
}

/**
 * SIGTERM/SIGINT stop the app gracefully, then exit 0 (1 if stopping failed); a second one
 * while stopping exits at once with 128 + the signal number. SIGHUP re-reads the config; the
 * app keeps running on the old one if the new one is invalid.
 */
export function handleSignals(
  app: RunningApp,
  source: SignalSource,
  handling: SignalHandling,
): void {
  let stopping = false;
  const onStop = (signal: StopSignal) => () => {
    if (stopping) {
      handling.exit(EXIT_SIGNAL[signal]);
      return;
    }
    stopping = true;
    app.stop().then(
      () => handling.exit(EXIT_OK),
      (error: unknown) => {
        reportError(error, handling);
        handling.exit(EXIT_FAILURE);
      },
    );
  };
  source.on('SIGTERM', onStop('SIGTERM'));
  source.on('SIGINT', onStop('SIGINT'));
  source.on('SIGHUP', () => {
    if (stopping) return;
    app.reload().catch((error: unknown) => reportError(error, handling));
  });
}
