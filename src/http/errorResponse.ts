import { CredentialsUnavailableError, type ErrorCode, isCredproxyError } from '../errors.js';

/**
 * Error → HTTP status and body, in one place. The body satisfies every SDK at once
 * (CLIENT-CONTRACT.md): Java reads `code`/`message`, JS `Code`/`Message`, and Go parses only
 * an exact `application/json` content type. Messages are ours: never a secret, a stack trace
 * or a path.
 */
export interface ErrorResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

const STATUS: Partial<Record<ErrorCode, number>> = {
  MISSING_TOKEN: 401,
  INVALID_TOKEN: 403,
  RATE_LIMITED: 429,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  BAD_REQUEST: 400,
  NOT_READY: 503,
  INTERNAL: 500,
};

export const JSON_CONTENT_TYPE = 'application/json';

export function toErrorBody(code: ErrorCode, message: string): string {
  return JSON.stringify({ code, message, Code: code, Message: message });
}

export function toErrorResponse(
  error: unknown,
  extraHeaders: Record<string, string> = {},
): ErrorResponse {
  if (error instanceof CredentialsUnavailableError) {
    return build(503, error.code, error.message, {
      'Retry-After': String(error.retryAfterSeconds),
      ...extraHeaders,
    });
  }
  if (isCredproxyError(error)) {
    return build(STATUS[error.code] ?? 500, error.code, error.message, extraHeaders);
  }
  return build(500, 'INTERNAL', 'internal error', extraHeaders);
}

function build(
  status: number,
  code: ErrorCode,
  message: string,
  extraHeaders: Record<string, string>,
): ErrorResponse {
  return {
    status,
    headers: {
      'Content-Type': JSON_CONTENT_TYPE,
      'Cache-Control': 'no-store',
      ...extraHeaders,
    },
    body: toErrorBody(code, message),
  };
}
