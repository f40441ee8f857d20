import type { ServerResponse } from 'node:http';
import { type ErrorResponse, JSON_CONTENT_TYPE, toErrorResponse } from './errorResponse.js';

/**
 * The one JSON writer: exact `application/json` (Go accepts nothing else; frameworks append a
 * charset), `Cache-Control: no-store`, a Content-Length, no body for HEAD, and
 * `Connection: close` once the server is draining (`res.shouldKeepAlive` false).
 */
export function writeJson(
  res: ServerResponse,
  status: number,
  body: string | Buffer,
  headers: Record<string, string> = {},
): void {
  writeBody(res, status, JSON_CONTENT_TYPE, body, headers);
}

/** The same rules for another content type (IMDS answers some paths in plain text). */
export function writeBody(
  res: ServerResponse,
  status: number,
  contentType: string,
  body: string | Buffer,
  headers: Record<string, string> = {},
): void {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  const head: Record<string, string | number> = {
    'Content-Type': contentType,
    'Cache-Control': 'no-store',
    ...headers,
    'Content-Length': bytes.length,
  };
  if (!res.shouldKeepAlive) head.Connection = 'close';
  res.writeHead(status, head);
  res.end(res.req.method === 'HEAD' ? undefined : bytes);
}

/** An error as its catalogued status and JSON body. Returns the response written. */
export function writeError(
  res: ServerResponse,
  error: unknown,
  headers: Record<string, string> = {},
): ErrorResponse {
  const response = toErrorResponse(error, headers);
  writeJson(res, response.status, response.body, response.headers);
  return response;
}
