import type { ServerResponse } from 'node:http';
import type { ErrorCode } from '../errorCodes.js';
import { statusOf } from '../http/errorResponse.js';
import { writeJson } from '../http/writeJson.js';

/** Names the error on every answer credproxy makes itself, so a client tells it from the upstream's. */
export const ERROR_HEADER = 'x-credproxy-error';

/**
 * An answer the egress proxy makes itself: `{code, message}` with `x-credproxy-error: <code>`,
 * the catalog's status unless `status` says otherwise. Nothing of it reached an upstream.
 */
export function writeEgressError(
  res: ServerResponse,
  code: ErrorCode,
  message: string,
  options: { readonly status?: number; readonly headers?: Record<string, string> } = {},
): number {
  const status = options.status ?? statusOf(code);
  writeJson(res, status, JSON.stringify({ code, message }), {
    [ERROR_HEADER]: code,
    ...options.headers,
  });
  return status;
}
