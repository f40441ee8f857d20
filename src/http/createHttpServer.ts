import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { CredproxyError } from '../errors.js';
import { toRawErrorResponse } from './errorResponse.js';
import { writeError } from './writeJson.js';

/** Bounds that keep a slow or hostile client from holding the server (slowloris). */
export const HEADERS_TIMEOUT_MS = 5_000;
export const REQUEST_TIMEOUT_MS = 10_000;
export const KEEP_ALIVE_TIMEOUT_MS = 5_000;
/** How often node enforces the two timeouts above (its default, 30 s, lets a slow socket live 6×). */
export const CONNECTIONS_CHECK_MS = 1_000;
/** Node's default; a 64 KB header block gets 431. */
export const MAX_HEADER_BYTES = 16 * 1024;

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface HttpServerOptions {
  /** A request node could not parse, or one refused before the handler: for per-client log limits. */
  readonly onRefused?: (clientAddress: string, reason: string) => void;
  /** Time to receive a whole request; default REQUEST_TIMEOUT_MS, 0 for none (streamed uploads). */
  readonly requestTimeoutMs?: number;
}

/**
 * A node:http server with credproxy's limits, where every answer node would give on its own is
 * the same JSON error shape as ours: an unparsable request (400/408/431), a missing Host (400),
 * an unknown Expect (417). While `res.shouldKeepAlive` is false (draining), responses close.
 */
export function createHttpServer(handler: Handler, options: HttpServerOptions = {}): Server {
  const server = createServer(
    {
      headersTimeout: HEADERS_TIMEOUT_MS,
      requestTimeout: options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS,
      keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
      maxHeaderSize: MAX_HEADER_BYTES,
      connectionsCheckingInterval: CONNECTIONS_CHECK_MS,
      // Checked below, to answer in JSON instead of node's bodiless 400.
      requireHostHeader: false,
    },
    (req, res) => {
      if (req.headers.host === undefined && req.httpVersion === '1.1') {
        res.shouldKeepAlive = false;
        writeError(
          res,
          new CredproxyError('BAD_REQUEST', 'an HTTP/1.1 request needs a Host header'),
        );
        options.onRefused?.(req.socket.remoteAddress ?? 'unknown', 'BAD_REQUEST');
        return;
      }
      handler(req, res);
    },
  );
  server.on('checkExpectation', (req: IncomingMessage, res: ServerResponse) => {
    res.shouldKeepAlive = false;
    writeError(
      res,
      new CredproxyError('EXPECTATION_FAILED', 'only Expect: 100-continue is supported'),
    );
    options.onRefused?.(req.socket.remoteAddress ?? 'unknown', 'EXPECTATION_FAILED');
  });
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    options.onRefused?.(
      (socket as { remoteAddress?: string }).remoteAddress ?? 'unknown',
      'BAD_REQUEST',
    );
    answerClientError(error, socket);
  });
  return server;
}

/** A request node could not parse: a short JSON 4xx if the socket can take it, then close. */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const [status, reason] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request Header Fields Too Large']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout']
        : [400, 'Bad Request'];
  socket.end(toRawErrorResponse(status, reason, reason.toLowerCase()));
}
