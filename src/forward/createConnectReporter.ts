import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import { UNKNOWN } from '../egress/createEgressReporter.js';
import type { ErrorCode } from '../errorCodes.js';
import type { AuditTrail } from '../observability/createAuditTrail.js';
import type { FailureLog } from '../observability/createFailureLog.js';
import type { Metrics } from '../observability/createMetrics.js';
import { writeConnectRefusal } from './writeConnectRefusal.js';

/** Audit and metric label of a CONNECT no rule covers (refused, or tunnelled). */
export const NO_RULE_LABEL = 'forward:-';
export const TUNNEL_LABEL = 'forward:tunnel';

/** The `route` label of a forward rule: `forward:<rule>`, beside the egress routes. */
export function ruleLabel(rule: string): string {
  return `forward:${rule}`;
}

/** One CONNECT (or plain request), as the audit line and the metrics name it. */
export interface ConnectCall {
  readonly client: string;
  /** `performance.now()` when it arrived. */
  readonly started: number;
  /** `host:port` asked for: the audit line's `path` of a CONNECT. */
  readonly target: string;
  /** The service, once identified; UNKNOWN before. */
  readonly service: string;
  readonly label: string;
}

/** How a tunnel ended. */
export interface TunnelOutcome {
  readonly status: number | null;
  readonly code: ErrorCode | null;
  readonly bytesUp: number;
  readonly bytesDown: number;
  readonly upstreamMs: number | null;
}

/**
 * Accounting for what the forward proxy answers on the CONNECT itself (refusals, tunnels); the
 * requests inside an interception go through the egress reporter. Same audit line (`proxied`,
 * method CONNECT, path host:port) and `credproxy_proxy_*` metrics as the egress routes. Never a
 * header, a token or an injected value.
 */
export function createConnectReporter(deps: {
  readonly failures: FailureLog;
  readonly audit: AuditTrail;
  readonly metrics: Metrics | undefined;
}) {
  function record(call: ConnectCall, outcome: TunnelOutcome, started: boolean): void {
    const durationMs = performance.now() - call.started;
    if (call.service !== UNKNOWN) {
      deps.audit.proxied({
        route: call.label,
        service: call.service,
        client: call.client,
        method: 'CONNECT',
        path: call.target,
        status: outcome.status,
        bytesUp: outcome.bytesUp,
        bytesDown: outcome.bytesDown,
        upstreamMs: outcome.upstreamMs === null ? null : round(outcome.upstreamMs),
        durationMs: round(durationMs),
        code: outcome.code,
      });
    }
    const upstreamError = outcome.code?.startsWith('UPSTREAM_') ? outcome.code : undefined;
    deps.metrics?.recordProxied(
      {
        route: call.label,
        service: call.service,
        statusClass: outcome.status === null ? 'aborted' : `${Math.floor(outcome.status / 100)}xx`,
        seconds: durationMs / 1000,
        bytesUp: outcome.bytesUp,
        bytesDown: outcome.bytesDown,
        ...(upstreamError === undefined ? {} : { upstreamError }),
      },
      started,
    );
  }

  return {
    /** Answers on the CONNECT's socket and closes it; nothing went upstream. */
    refuse(
      socket: Duplex,
      call: ConnectCall,
      code: ErrorCode,
      message: string,
      options: { readonly status?: number; readonly headers?: Record<string, string> } = {},
    ): void {
      const status = writeConnectRefusal(socket, code, message, options);
      deps.failures.failed(
        call.client,
        code,
        { route: call.label, service: call.service, status, code },
        `forward proxy request refused: ${message}`,
      );
      record(call, { status, code, bytesUp: 0, bytesDown: 0, upstreamMs: null }, false);
    },
    /** A tunnel started: in flight until `tunnelled`. */
    started: (call: ConnectCall) => deps.metrics?.proxyStarted(call.label),
    tunnelled: (call: ConnectCall, outcome: TunnelOutcome) => record(call, outcome, true),
  };
}

export type ConnectReporter = ReturnType<typeof createConnectReporter>;

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
