import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { ErrorCode } from '../errorCodes.js';
import type { AuditTrail } from '../observability/createAuditTrail.js';
import type { FailureLog } from '../observability/createFailureLog.js';
import type { Logger } from '../observability/createLogger.js';
import type { Metrics } from '../observability/createMetrics.js';
import type { ForwardOutcome } from './forwardRequest.js';
import { writeEgressError } from './writeEgressError.js';

/** The label of a caller not identified, or a path no route matched. */
export const UNKNOWN = 'unknown';

/** Who is calling which route, once identified: what the audit line and metrics name. */
export interface Call {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** `performance.now()` when the request arrived. */
  readonly started: number;
  readonly client: string;
  /** The requested path without the query. */
  readonly path: string;
  /** The route, or `forward:<rule>` on the forward proxy: the audit line's `route`. */
  readonly route: { readonly name: string };
  readonly service: string;
  /** AWS gateway: the operation the request names, for the audit line. */
  readonly operation?: string;
}

export interface EgressReporter {
  /** Answers a request refused before a caller was identified: failure log and metrics only. */
  refuse(
    req: IncomingMessage,
    res: ServerResponse,
    started: number,
    route: string,
    code: ErrorCode,
    message: string,
    options?: { status?: number; headers?: Record<string, string> },
  ): void;
  /** Answers an identified call the route's rules refuse: failure log, audit line, metrics. */
  deny(call: Call, code: ErrorCode, message: string): void;
  /** The end of a forwarded call: audit line and metrics. */
  forwarded(call: Call, outcome: ForwardOutcome): void;
  /** `refuse` for an answer the door wrote itself (the AWS gateway's XML or JSON errors). */
  refused(
    req: IncomingMessage,
    started: number,
    route: string,
    code: ErrorCode,
    status: number,
    message: string,
  ): void;
  /** `deny` for an answer the door wrote itself. */
  denied(call: Call, code: ErrorCode, status: number, message: string): void;
}

/**
 * Where every egress answer is accounted for: a rate-limited warning for each refusal, one audit
 * line per identified call (docs/audit.md, `proxied`), the `credproxy_proxy_*` metrics. Fields
 * are names, numbers and fixed codes: never a header, a query, a token or an injected value.
 */
export function createEgressReporter(deps: {
  readonly failures: FailureLog;
  readonly audit: AuditTrail;
  readonly metrics: Metrics | undefined;
  readonly logger: Logger;
}): EgressReporter {
  const { metrics } = deps;

  function record(call: Call, outcome: ForwardOutcome, forwarded: boolean): void {
    const durationMs = performance.now() - call.started;
    deps.audit.proxied({
      route: call.route.name,
      service: call.service,
      client: call.client,
      method: call.req.method ?? '',
      path: call.path,
      status: outcome.status,
      bytesUp: outcome.bytesUp,
      bytesDown: outcome.bytesDown,
      upstreamMs: outcome.upstreamMs === null ? null : round(outcome.upstreamMs),
      durationMs: round(durationMs),
      code: outcome.code,
      ...(call.operation === undefined ? {} : { operation: call.operation }),
    });
    if (outcome.withheld.length > 0) {
      deps.logger.warn(
        { route: call.route.name, headers: outcome.withheld },
        `response headers withheld from the client: their value contains the injected secret (${outcome.withheld.join(', ')})`,
      );
    }
    const upstreamError = outcome.code?.startsWith('UPSTREAM_') ? outcome.code : undefined;
    metrics?.recordProxied(
      {
        route: call.route.name,
        service: call.service,
        statusClass: outcome.status === null ? 'aborted' : classOf(outcome.status),
        seconds: durationMs / 1000,
        bytesUp: outcome.bytesUp,
        bytesDown: outcome.bytesDown,
        ...(upstreamError === undefined ? {} : { upstreamError }),
      },
      forwarded,
    );
  }

  function refused(
    req: IncomingMessage,
    started: number,
    route: string,
    code: ErrorCode,
    status: number,
    message: string,
  ): void {
    const client = req.socket.remoteAddress ?? UNKNOWN;
    deps.failures.failed(
      client,
      code,
      { route, status, code },
      `egress request refused: ${message}`,
    );
    metrics?.recordProxied(
      {
        route,
        service: UNKNOWN,
        statusClass: classOf(status),
        seconds: (performance.now() - started) / 1000,
        bytesUp: 0,
        bytesDown: 0,
      },
      false,
    );
  }

  function denied(call: Call, code: ErrorCode, status: number, message: string): void {
    deps.failures.failed(
      call.client,
      code,
      { route: call.route.name, service: call.service, status, code },
      `egress request refused: ${message}`,
    );
    const outcome = { status, code, bytesUp: 0, bytesDown: 0, upstreamMs: null, withheld: [] };
    record(call, outcome, false);
  }

  return {
    refuse(req, res, started, route, code, message, options = {}) {
      // A body the client may still be sending is never read: close after the answer.
      if (!req.complete) res.shouldKeepAlive = false;
      const status = writeEgressError(res, code, message, options);
      refused(req, started, route, code, status, message);
    },
    deny(call, code, message) {
      if (!call.req.complete) call.res.shouldKeepAlive = false;
      denied(call, code, writeEgressError(call.res, code, message), message);
    },
    refused,
    denied,
    forwarded: (call, outcome) => record(call, outcome, true),
  };
}

function classOf(status: number): string {
  return `${Math.floor(status / 100)}xx`;
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
