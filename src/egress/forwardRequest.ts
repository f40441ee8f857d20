import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { ErrorCode } from '../errorCodes.js';
import { classifyUpstreamError } from './classifyUpstreamError.js';
import type { CompiledRoute } from './createRouteTable.js';
import { toClientHeaders } from './toUpstreamHeaders.js';
import { writeEgressError } from './writeEgressError.js';

/**
 * Where a request goes: a route of the egress listener, or a forward proxy rule's host (the
 * part of CompiledRoute that forwarding reads).
 */
export type ForwardTarget = Pick<
  CompiledRoute,
  'name' | 'dispatcher' | 'headersTimeoutMs' | 'idleTimeoutMs'
> & {
  readonly config: {
    readonly upstream: { readonly origin: string };
    readonly timeouts: { readonly connectSeconds: number; readonly headersSeconds: number };
  };
};

export interface Forwarding {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly route: ForwardTarget;
  /** Upstream path with the query. */
  readonly path: string;
  /** Flat name/value list (toUpstreamHeaders). */
  readonly headers: string[];
  /** Values removed from response headers that contain them (the injected ones). */
  readonly secrets: readonly string[];
  /**
   * The body to send instead of `req` (the AWS gateway: a buffered body, or a re-signed chunk
   * stream fed from `req`); bytes up are counted from it.
   */
  readonly body?: Buffer | Readable;
  /** Writes an error credproxy makes itself (default writeEgressError: JSON). */
  readonly writeError?: (res: ServerResponse, code: ErrorCode, message: string) => number;
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
  const { req, route } = forwarding;
  const exchange = new Exchange(forwarding, done);
  let body: Buffer | Readable | null = null;
  if (forwarding.body !== undefined) {
    body = forwarding.body;
    if (Buffer.isBuffer(body)) exchange.countUp(body);
    else {
      body.pause();
      body.on('data', exchange.countUp);
    }
  } else if (hasBody(req)) {
    // Paused first, so counting with a 'data' listener does not start the flow: the body moves
    // only when undici reads it, at the pace of the upstream socket (it pauses `req` on a full
    // socket and resumes it on drain), and every chunk passes both listeners.
    req.pause();
    req.on('data', exchange.countUp);
    body = req;
  }
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
    exchange,
  );
}

/**
 * One request's state and undici's handler for it. A class, not closures: the egress hot path
 * allocates one object per request here.
 */
class Exchange implements Dispatcher.DispatchHandler {
  private readonly started = performance.now();
  private status: number | null = null;
  private upstreamMs: number | null = null;
  private bytesUp = 0;
  private bytesDown = 0;
  private withheld: readonly string[] = [];
  private controller: Dispatcher.DispatchController | undefined;
  private clientGone = false;
  private settled = false;
  private waitingForDrain = false;

  constructor(
    private readonly forwarding: Forwarding,
    private readonly done: (outcome: ForwardOutcome) => void,
  ) {
    forwarding.res.on('close', this.onClose);
  }

  readonly countUp = (chunk: Buffer): void => {
    this.bytesUp += chunk.length;
  };

  private readonly onClose = (): void => {
    if (this.settled || this.forwarding.res.writableFinished) return;
    this.clientGone = true;
    this.controller?.abort(new ClientClosedError('the client closed the connection'));
    this.settle('CLIENT_CLOSED');
  };

  private readonly onDrain = (): void => {
    this.waitingForDrain = false;
    this.controller?.resume();
  };

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.clientGone)
      controller.abort(new ClientClosedError('the client closed the connection'));
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: IncomingHttpHeaders,
    statusMessage?: string,
  ): void {
    const { res } = this.forwarding;
    this.upstreamMs = performance.now() - this.started;
    const answer = toClientHeaders(headers, this.forwarding.secrets);
    this.withheld = answer.withheld;
    try {
      if (statusMessage) res.writeHead(statusCode, statusMessage, answer.headers);
      else res.writeHead(statusCode, answer.headers);
    } catch (error) {
      controller.abort(error instanceof Error ? error : new Error('invalid response head'));
      return;
    }
    this.status = statusCode;
    // Headers go out with the first body chunk when it came in the same read; otherwise on the
    // next turn, so a client waiting on a stream that starts later (SSE) sees the answer begin.
    setImmediate(flushHead, this);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.bytesDown += chunk.length;
    if (!this.forwarding.res.write(chunk) && !this.waitingForDrain) {
      this.waitingForDrain = true;
      controller.pause();
      this.forwarding.res.once('drain', this.onDrain);
    }
  }

  onResponseEnd(): void {
    this.forwarding.res.end();
    this.settle(null);
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (this.settled) return;
    if (this.clientGone || error instanceof ClientClosedError) {
      this.settle('CLIENT_CLOSED');
      return;
    }
    const { res, route } = this.forwarding;
    const code = classifyUpstreamError(error);
    if (res.headersSent) {
      res.destroy();
    } else {
      // The client may still be sending a body nobody will read: close after this answer.
      res.shouldKeepAlive = false;
      const write = this.forwarding.writeError ?? writeEgressError;
      this.status = write(res, code, upstreamMessage(code, route));
    }
    this.settle(code);
  }

  /** Sends the response head now if no body chunk has carried it yet. */
  flushHead(): void {
    const { res } = this.forwarding;
    if (this.bytesDown === 0 && !this.settled && !res.destroyed) res.flushHeaders();
  }

  private settle(code: ErrorCode | null): void {
    if (this.settled) return;
    this.settled = true;
    this.forwarding.res.off('close', this.onClose);
    const { status, bytesUp, bytesDown, upstreamMs, withheld } = this;
    this.done({ status, code, bytesUp, bytesDown, upstreamMs, withheld });
  }
}

function flushHead(exchange: Exchange): void {
  exchange.flushHead();
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  if (length !== undefined) return length !== '0';
  return req.headers['transfer-encoding'] !== undefined;
}

function upstreamMessage(code: ErrorCode, route: ForwardTarget): string {
  const upstream = route.config.upstream.origin;
  const { connectSeconds, headersSeconds } = route.config.timeouts;
  switch (code) {
    case 'UPSTREAM_TIMEOUT':
      return `${upstream} did not answer in time (route ${route.name}: connect ${connectSeconds} s, headers ${headersSeconds} s)`;
    case 'UPSTREAM_TLS_FAILED':
      return `the TLS certificate of ${upstream} could not be verified (route ${route.name}; see ca_file)`;
    case 'UPSTREAM_UNREACHABLE':
      return `${upstream} could not be reached (route ${route.name})`;
    default:
      return `${upstream} closed the connection or did not answer with HTTP (route ${route.name})`;
  }
}
