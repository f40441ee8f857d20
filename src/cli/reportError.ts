import { ConfigError, isCredproxyError } from '../errors.js';
import { exitCodeFor } from './exitCodes.js';

export interface ErrorOutput {
  readonly stderr: (text: string) => void;
  /** Print stacks of unexpected errors (log level debug or trace). */
  readonly verbose: boolean;
}

/**
 * Prints an error for a human and returns the exit code. Config errors print one issue per
 * line (`<file>: <key path>: <what is wrong>`); other credproxy errors print `error: <message>`
 * (their messages are written to be safe); anything else prints a generic line, because its
 * message may hold anything, and its stack only when asked for.
 */
export function reportError(error: unknown, output: ErrorOutput): number {
  if (error instanceof ConfigError) {
    output.stderr(`${error.message}\n`);
  } else if (isCredproxyError(error) && error.code === 'USAGE') {
    output.stderr(`error: ${error.message} (see credproxy --help)\n`);
  } else if (isCredproxyError(error)) {
    output.stderr(`error: ${error.message}\n`);
  } else {
    output.stderr('error: unexpected internal error (run with --log-level debug for details)\n');
    if (output.verbose && error instanceof Error && error.stack !== undefined) {
      output.stderr(`${error.stack}\n`);
    }
  }
  return exitCodeFor(error);
}
