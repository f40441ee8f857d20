import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { ERROR_HEADER } from '../egress/writeEgressError.js';
import type { ErrorCode } from '../errorCodes.js';
import { JSON_CONTENT_TYPE, statusOf } from '../http/errorResponse.js';

/**
 * Answers a CONNECT on its raw socket and closes it: the same JSON `{code, message}` and
 * `x-credproxy-error` header as every egress answer credproxy makes itself. Nothing reached an
 * upstream. Returns the status sent.
 */
export function writeConnectRefusal(
  socket: Duplex,
  code: ErrorCode,
  message: string,
  options: { readonly status?: number; readonly headers?: Record<string, string> } = {},
): number {
  const status = options.status ?? statusOf(code);
  const body = JSON.stringify({ code, message });
  const head = {
    'Content-Type': JSON_CONTENT_TYPE,
    'Cache-Control': 'no-store',
    [ERROR_HEADER]: code,
    ...options.headers,
    'Content-Length': String(Buffer.byteLength(body)),
    Connection: 'close',
  };
  const lines = Object.entries(head).map(([name, value]) => `${name}: ${value}\r\n`);
  if (socket.writable) {
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n${lines.join('')}\r\n${body}`,
    );
  } else {
    socket.destroy();
  }
  return status;
}
