import type { RunningApp } from '../sidecar/startApp.js';
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
}

export interface SignalControl {
  /** Hands over the started app; a stop signal that came during start-up applies now. */
  attach(app: RunningApp, options: { readonly verbose: boolean }): void;
}

/**
 * Installed before the app starts, so no signal meets Node's default action (terminate on
 * SIGTERM/SIGINT/SIGHUP) while it starts. SIGTERM/SIGINT stop the app gracefully, then exit 0
 * (1 if stopping failed); a second one exits at once with 128 + the signal number. SIGHUP
 * re-reads the config; the app keeps running on the old one if the new one is invalid.
 */
export function handleSignals(source: SignalSource, handling: SignalHandling): SignalControl {
  let app: RunningApp | undefined;
  let verbose = false;
  let stopRequested = false;
  let stopping = false;

  const stop = (running: RunningApp): void => {
    stopping = true;
    running.stop().then(
      () => handling.exit(EXIT_OK),
      (error: unknown) => {
        reportError(error, { stderr: handling.stderr, verbose });
        handling.exit(EXIT_FAILURE);
      },
    );
  };
  const onStop = (signal: StopSignal) => () => {
    if (stopRequested) {
      handling.exit(EXIT_SIGNAL[signal]);
      return;
    }
    stopRequested = true;
    if (app !== undefined) stop(app);
  };
  source.on('SIGTERM', onStop('SIGTERM'));
  source.on('SIGINT', onStop('SIGINT'));
  source.on('SIGHUP', () => {
    // Before start-up completes the config is being read anyway; while stopping it is moot.
    if (app === undefined || stopRequested) return;
    app
      .reload()
      .catch((error: unknown) => reportError(error, { stderr: handling.stderr, verbose }));
  });

  return {
    attach(running, options) {
      app = running;
      verbose = options.verbose;
      if (stopRequested && !stopping) stop(running);
    },
  };
}
