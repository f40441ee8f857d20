/**
 * Every error credproxy raises carries a stable `code`. Codes are public API: they appear in
 * HTTP error bodies, log lines and `--validate-only --format json`, and `docs/errors.md`
 * lists each one (a test keeps the two in step).
 */
export const ERROR_CODES = {
  // Configuration (exit code 1 at start or from --validate-only).
  CONFIG_NOT_FOUND: 'The configuration file does not exist.',
  CONFIG_UNREADABLE: 'The configuration file exists but cannot be read.',
  CONFIG_PARSE: 'The configuration file is not valid YAML or JSON.',
  CONFIG_EMPTY: 'The configuration file is empty.',
  CONFIG_NOT_MAPPING: 'The configuration file is not a mapping (for example a list or a scalar).',
  CONFIG_INVALID: 'The configuration breaks the schema or a configuration rule.',
  SUBSTITUTION_FAILED: 'A fromEnv or fromFile substitution cannot be resolved.',
  // Command line and process.
  USAGE: 'The command line is malformed (exit code 2).',
  PORT_IN_USE: 'A listening port is already taken by another process.',
  LISTEN_FAILED: 'A listener could not be opened for another reason.',
  // HTTP credential endpoint.
  MISSING_TOKEN: 'The request carries no Authorization header (401).',
  INVALID_TOKEN: 'The Authorization header matches no service (403).',
  RATE_LIMITED: 'Too many failed token attempts from this client address (429).',
  NOT_FOUND: 'No such path (404).',
  METHOD_NOT_ALLOWED: 'The path exists but not for this method (405).',
  BAD_REQUEST: 'The request is malformed (400).',
  NOT_READY: 'GET /ready: some services have no usable credentials yet (503).',
  // Credentials unavailable (503): transient, retried in the background.
  CREDENTIALS_PENDING: 'The first AssumeRole for this service has not completed yet.',
  STS_THROTTLED: 'STS throttled the AssumeRole call; credproxy retries with backoff.',
  STS_UNAVAILABLE: 'STS could not be reached, timed out or answered with a server error.',
  // Credentials unavailable (503): final, retried only after a long backoff.
  NO_SOURCE_CREDENTIALS: 'No source credentials were found to call STS with.',
  SOURCE_CREDENTIALS_INVALID:
    'STS rejected the source credentials (expired, unknown or mis-signed).',
  STS_ACCESS_DENIED: 'The source principal may not assume the role.',
  STS_INVALID_REQUEST: 'STS rejected the AssumeRole parameters (role ARN, policy, tags, ...).',
  STS_ERROR: 'STS failed in a way credproxy does not recognise.',
  INTERNAL: 'An unexpected internal error; details are in the logs, never in the response.',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/**
 * Codes of configuration warnings: the config loads, but something should be fixed. Public
 * API like ERROR_CODES (`--validate-only --format json` reports them), listed in docs/errors.md.
 */
export const WARNING_CODES = {
  WEAK_TOKEN: 'An auth_token is short, one repeated character or made of common words.',
  SECRET_FILE_SHARED: 'A file feeding a secret key is readable by group or others.',
} as const;

export type WarningCode = keyof typeof WARNING_CODES;

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
