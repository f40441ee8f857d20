import type { ErrorCode } from './errorCodes.js';

/** Base error: a stable code, a message safe to show (never a secret), an optional cause. */
export class CredproxyError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CredproxyError';
    this.code = code;
  }
}

/** One problem found in a configuration file: `<file>: <key path>: <message>`. */
export interface ConfigIssue {
  readonly file: string;
  /** Dotted key path, e.g. `services.app1.assumed_role.RoleArn`; empty for the whole file. */
  readonly path: string;
  readonly message: string;
}

/** A configuration that cannot be used. `issues` lists every problem found, not just the first. */
export class ConfigError extends CredproxyError {
  readonly issues: readonly ConfigIssue[];

  constructor(code: ErrorCode, issues: readonly ConfigIssue[], options?: { cause?: unknown }) {
    super(code, issues.map(formatConfigIssue).join('\n'), options);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

export function formatConfigIssue(issue: ConfigIssue): string {
  return issue.path === ''
    ? `${issue.file}: ${issue.message}`
    : `${issue.file}: ${issue.path}: ${issue.message}`;
}

/**
 * Credentials cannot be served for a service. `transient` says whether a quick retry may help;
 * `retryAfterSeconds` is what the 503 response's Retry-After header says.
 */
export class CredentialsUnavailableError extends CredproxyError {
  readonly transient: boolean;
  readonly retryAfterSeconds: number;

  constructor(
    code: ErrorCode,
    message: string,
    transient: boolean,
    options?: { cause?: unknown; retryAfterSeconds?: number },
  ) {
    super(code, message, options);
    this.name = 'CredentialsUnavailableError';
    this.transient = transient;
    this.retryAfterSeconds = options?.retryAfterSeconds ?? 1;
  }

  /** The same failure, with the time until the next attempt. */
  withRetryAfter(retryAfterSeconds: number): CredentialsUnavailableError {
    return new CredentialsUnavailableError(this.code, this.message, this.transient, {
      cause: this.cause,
      retryAfterSeconds,
    });
  }
}

export function isCredproxyError(error: unknown): error is CredproxyError {
  return error instanceof CredproxyError;
}
