import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { toErrorBody } from '../http/errorResponse.js';
import { CREDENTIALS_PATH } from './createCredentialRoute.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** Bounds that keep a slow or hostile client from holding the server (slowloris). */
export const HEADERS_TIMEOUT_MS = 5_000;
export const REQUEST_TIMEOUT_MS = 10_000;
export const KEEP_ALIVE_TIMEOUT_MS = 5_000;
/** How often node enforces the two timeouts above (its default, 30 s, lets a slow socket live 6×). */
export const CONNECTIONS_CHECK_MS = 1_000;
/** Node's default; a 64 KB header block gets 431. */
export const MAX_HEADER_BYTES = 16 * 1024;

const PATH_WITH_QUERY = `${CREDENTIALS_PATH}?`;

/**
 * One node:http server: the credential route is dispatched first, by an exact path test, and
 * express serves everything else. Express's router costs about six times the whole warm
 * request, so the hot path never enters it.
 */
export function createCredentialServer(credentialRoute: Handler, router: Handler): Server {
  const server = createServer(
    {
      headersTimeout: HEADERS_TIMEOUT_MS,
      requestTimeout: REQUEST_TIMEOUT_MS,
      keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
      maxHeaderSize: MAX_HEADER_BYTES,
      connectionsCheckingInterval: CONNECTIONS_CHECK_MS,
    },
    (req, res) => {
      const url = req.url ?? '';
      if (url === CREDENTIALS_PATH || url.startsWith(PATH_WITH_QUERY)) credentialRoute(req, res);
      else router(req, res);
    },
  );
  server.on('clientError', answerClientError);
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
  const body = toErrorBody('BAD_REQUEST', reason.toLowerCase());
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
