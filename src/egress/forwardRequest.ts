import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { ErrorCode } from '../errors.js';
import { classifyUpstreamError, type UpstreamErrorCode } from './classifyUpstreamError.js';
import type { CompiledRoute } from './createRouteTable.js';
import { toClientHeaders } from './toUpstreamHeaders.js';
import { writeEgressError } from './writeEgressError.js';

export interface Forwarding {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly route: CompiledRoute;
  /** Upstream path with the query. */
  readonly path: string;
  /** Flat name/value list (toUpstreamHeaders). */
  readonly headers: string[];
  /** Values removed from response headers that contain them (the injected ones). */
  readonly secrets: readonly string[];
}

/** How a forwarded request ended, for the audit line and the metrics. */
export interface ForwardOutcome {
  /** The status sent to the client; null when it left before one was. */
  readonly status: number | null;
  readonly code: ErrorCode | null;
  readonly bytesUp: number;
  readonly bytesDown: number;
  readonly upstreamMs: number | null;
  /** Response header names withheld because their value held a secret. */
  readonly withheld: readonly string[];
}

class ClientClosedError extends Error {
  readonly code = 'CLIENT_CLOSED';
}

/**
 * Streams one request to the route's upstream and the answer back, both ways with
 * backpressure and nothing buffered: upstream data is written as it arrives (an SSE event
 * reaches the client as soon as the upstream sends it), and undici is paused while the
 * client's socket is full. A client that goes away aborts the upstream request. An upstream
 * failure before the response headers is a JSON 502/504; after them, the client's connection
 * is destroyed, so it sees a broken response, never a clean short one.
 */
export function forwardRequest(
  forwarding: Forwarding,
  done: (outcome: ForwardOutcome) => void,
): void {
  const { req, res, route } = forwarding;
  const started = performance.now();
  let status: number | null = null;
  let upstreamMs: number | null = null;
  let bytesUp = 0;
  let bytesDown = 0;
  let withheld: readonly string[] = [];
  let controller: Dispatcher.DispatchController | undefined;
  let clientGone = false;
  let settled = false;
  let waitingForDrain = false;

  const settle = (code: ErrorCode | null): void => {
    if (settled) return;
    settled = true;
    res.off('close', onClose);
    done({ status, code, bytesUp, bytesDown, upstreamMs, withheld });
  };
  const onClose = (): void => {
    if (settled || res.writableFinished) return;
    clientGone = true;
    controller?.abort(new ClientClosedError('the client closed the connection'));
    settle('CLIENT_CLOSED');
  };
  const flushHead = (): void => {
    if (bytesDown === 0 && !settled && !res.destroyed) res.flushHeaders();
  };
  const resume = (): void => {
    waitingForDrain = false;
    controller?.resume();
  };
  res.on('close', onClose);

  const handler: Dispatcher.DispatchHandler = {
    onRequestStart(c) {
      controller = c;
      if (clientGone) c.abort(new ClientClosedError('the client closed the connection'));
    },
    onResponseStart(c, statusCode, headers, statusMessage) {
      upstreamMs = performance.now() - started;
      const answer = toClientHeaders(headers, forwarding.secrets);
      withheld = answer.withheld;
      try {
        if (statusMessage) res.writeHead(statusCode, statusMessage, answer.headers);
        else res.writeHead(statusCode, answer.headers);
      } catch (error) {
        c.abort(error instanceof Error ? error : new Error('invalid response head'));
        return;
      }
      status = statusCode;
      // Headers go out with the first body chunk when it came in the same read; otherwise now,
      // so a client waiting on a stream that starts later (SSE) sees the answer begin.
      setImmediate(flushHead);
    },
    onResponseData(c, chunk) {
      bytesDown += chunk.length;
      if (!res.write(chunk) && !waitingForDrain) {
        waitingForDrain = true;
        c.pause();
        res.once('drain', resume);
      }
    },
    onResponseEnd() {
      res.end();
      settle(null);
    },
    onResponseError(_c, error) {
      if (settled) return;
      if (clientGone || error instanceof ClientClosedError) {
        settle('CLIENT_CLOSED');
        return;
      }
      const code: UpstreamErrorCode = classifyUpstreamError(error);
      if (res.headersSent) {
        res.destroy();
      } else {
        // The client may still be sending a body nobody will read: close after this answer.
        res.shouldKeepAlive = false;
        status = writeEgressError(res, code, upstreamMessage(code, route));
      }
      settle(code);
    },
  };

  const body = hasBody(req)
    ? Readable.from(
        counted(req, (n) => {
          bytesUp += n;
        }),
        { objectMode: false },
      )
    : null;
  route.dispatcher.dispatch(
    {
      origin: route.config.upstream.origin,
      path: forwarding.path,
      method: req.method ?? 'GET',
      headers: forwarding.headers,
      body,
      headersTimeout: route.headersTimeoutMs,
      bodyTimeout: route.idleTimeoutMs,
    },
    handler,
  );
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  if (length !== undefined) return length !== '0';
  return req.headers['transfer-encoding'] !== undefined;
}

/** The request body as it arrives, counted; pulled, so the client is paused while upstream is. */
async function* counted(source: IncomingMessage, add: (bytes: number) => void) {
  for await (const chunk of source) {
    const buffer = chunk as Buffer;
    add(buffer.length);
    yield buffer;
  }
}

function upstreamMessage(code: UpstreamErrorCode, route: CompiledRoute): string {
  const upstream = route.config.upstream.origin;
  switch (code) {
    case 'UPSTREAM_TIMEOUT':
      return `${upstream} did not answer in time (route ${route.name}: connect ${route.config.timeouts.connectSeconds} s, headers ${route.config.timeouts.headersSeconds} s)`;
    case 'UPSTREAM_TLS_FAILED':
      return `the TLS certificate of ${upstream} could not be verified (route ${route.name}; see ca_file)`;
    case 'UPSTREAM_UNREACHABLE':
      return `${upstream} could not be reached (route ${route.name})`;
    default:
      return `${upstream} closed the connection or did not answer with HTTP (route ${route.name})`;
  }
}
