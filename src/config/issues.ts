import type { ErrorCode, WarningCode } from '../errorCodes.js';
import type { ConfigIssue } from '../errors.js';
import { ConfigError } from '../errors.js';
import type { ConfigWarning } from './types.js';

/** A ConfigIssue that also says which error code it belongs to (`--format json` reports it). */
export interface CodedIssue extends ConfigIssue {
  readonly code: ErrorCode;
}

export function issueCode(issue: ConfigIssue, fallback: ErrorCode): ErrorCode {
  return 'code' in issue && typeof issue.code === 'string' ? (issue.code as ErrorCode) : fallback;
}

/**
 * Collects every problem of one file so they are all reported at once. A path whose
 * substitution failed still holds the raw `${...}` text, so later schema and rule findings
 * there (or below it) would only be noise: `toError` drops them.
 */
export class IssueCollector {
  readonly issues: CodedIssue[] = [];
  readonly warnings: ConfigWarning[] = [];
  private readonly failedPaths = new Set<string>();

  constructor(readonly file: string) {}

  error(path: string, message: string, code: ErrorCode = 'CONFIG_INVALID'): void {
    if (code === 'SUBSTITUTION_FAILED') this.failedPaths.add(path);
    this.issues.push({ file: this.file, path, message, code });
  }

  warn(path: string, message: string, code: WarningCode): void {
    this.warnings.push({ file: this.file, path, message, code });
  }

  hasErrors(): boolean {
    return this.issues.length > 0;
  }

  /** The ConfigError to throw: SUBSTITUTION_FAILED when any reference failed, else CONFIG_INVALID. */
  toError(): ConfigError {
    const kept = this.issues.filter(
      (issue) => issue.code === 'SUBSTITUTION_FAILED' || !this.isBelowFailedPath(issue.path),
    );
    const code = kept.some((issue) => issue.code === 'SUBSTITUTION_FAILED')
      ? 'SUBSTITUTION_FAILED'
      : 'CONFIG_INVALID';
    return new ConfigError(code, kept);
  }

  private isBelowFailedPath(path: string): boolean {
    if (this.failedPaths.size === 0) return false;
    // Check the path and each ancestor (cut before every `.` and `[`): O(depth), not O(failures).
    for (let i = 0; i <= path.length; i++) {
      if (
        (i === path.length || path[i] === '.' || path[i] === '[') &&
        this.failedPaths.has(path.slice(0, i))
      ) {
        return true;
      }
    }
    return false;
  }
}

/** Throws a ConfigError holding a single issue about the whole file. */
export function fileError(code: ErrorCode, file: string, message: string): ConfigError {
  const issue: CodedIssue = { file, path: '', message, code };
  return new ConfigError(code, [issue]);
}
