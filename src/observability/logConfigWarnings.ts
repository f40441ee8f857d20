import type { ConfigWarning } from '../config/types.js';
import type { Logger } from './createLogger.js';

/** Config warnings (weak token, readable secret file), at start and on every reload. */
export function logConfigWarnings(logger: Logger, warnings: readonly ConfigWarning[]): void {
  for (const warning of warnings) {
    logger.warn(
      { code: warning.code, file: warning.file, key: warning.path },
      `config warning: ${warning.message}`,
    );
  }
}
