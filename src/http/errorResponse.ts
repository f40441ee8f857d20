import { ERROR_CODES, type ErrorCode, type ErrorInfo } from '../errorCodes.js';
import { CredentialsUnavailableError, isCredproxyError } from '../errors.js';

/**
 * Error → HTTP status and body, in one place. The body satisfies every SDK at once
 * (CLIENT-CONTRACT.md): Java reads `code`/`message`, JS `Code`/`Message`, and Go parses only
 * an exact `application/json` content type. Messages are ours: never a secret, a stack trace
 * or a path. The status comes from the error catalog (src/errorCodes.ts).
 */
export interface ErrorResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export const JSON_CONTENT_TYPE = 'application/json';

function toErrorBody(code: ErrorCode, message: string): string {
  return JSON.stringify({ code, message, Code: code, Message: message });
}

export function statusOf(code: ErrorCode): number {
  return (ERROR_CODES[code] as ErrorInfo).status ?? 500;
}

export function toErrorResponse(
  error: unknown,
  extraHeaders: Record<string, string> = {},
): ErrorResponse {
  if (error instanceof CredentialsUnavailableError) {
    const seconds = error.retryAfterSeconds;
    const when = `next attempt in ${seconds} s`;
    return build(error.code, `${error.message} (${when})`, {
      'Retry-After': String(seconds),
      ...extraHeaders,
    });
  }
  if (isCredproxyError(error)) return build(error.code, error.message, extraHeaders);
  return build('INTERNAL', 'internal error', extraHeaders);
}

function build(
  code: ErrorCode,
  message: string,
  extraHeaders: Record<string, string>,
): ErrorResponse {
  return {
    status: statusOf(code),
    headers: {
      'Content-Type': JSON_CONTENT_TYPE,
      'Cache-Control': 'no-store',
      ...extraHeaders,
    },
    body: toErrorBody(code, message),
  };
}

/**
 * A whole HTTP/1.1 error response as bytes, for the one place that answers on a raw socket: a
 * request node could not parse. Same JSON shape as every other error.
 */
export function toRawErrorResponse(status: number, reason: string, message: string): string {
  const body = toErrorBody('BAD_REQUEST', message);
  return (
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: ${JSON_CONTENT_TYPE}\r\n` +
    `Cache-Control: no-store\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
    `Connection: close\r\n\r\n${body}`
  );
}
