import { isCredproxyError } from '../errors.js';

/** Exit codes are public API: scripts and orchestrators branch on them. */
export const EXIT_OK = 0;
/** Invalid config, a port in use, any failure to start or stop. */
export const EXIT_FAILURE = 1;
/** A malformed command line (as argparse and most CLIs do). */
export const EXIT_USAGE = 2;
/** A second SIGINT/SIGTERM during shutdown: 128 + signal number, as shells report it. */
export const EXIT_SIGNAL: Readonly<Record<'SIGINT' | 'SIGTERM', number>> = {
  SIGINT: 130,
  SIGTERM: 143,
};

/** The one place an error becomes an exit code. */
export function exitCodeFor(error: unknown): number {
  if (isCredproxyError(error) && error.code === 'USAGE') return EXIT_USAGE;
  return EXIT_FAILURE;
}

/** Commander's own codes for "not an error": --help and --version. */
const COMMANDER_SUCCESS = new Set([
  'commander.helpDisplayed',
  'commander.version',
  'commander.help',
]);

/** Commander throws (exitOverride) instead of exiting: help and version are success. */
export function exitCodeForCommander(code: string): number {
  return COMMANDER_SUCCESS.has(code) ? EXIT_OK : EXIT_USAGE;
}
