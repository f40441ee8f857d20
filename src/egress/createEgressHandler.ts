import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { ServiceConfig } from '../config/types.js';
import type { ErrorCode } from '../errors.js';
import type { Authenticator } from '../identity/createAuthenticator.js';
import type { AuditTrail } from '../observability/createAuditTrail.js';
import type { FailureLog } from '../observability/createFailureLog.js';
import type { Logger } from '../observability/createLogger.js';
import type { Metrics } from '../observability/createMetrics.js';
import type { CompiledRoute, RouteTable } from './createRouteTable.js';
import { type ForwardOutcome, forwardRequest } from './forwardRequest.js';
import { isAllowed, toUpstreamPath } from './matchRoute.js';
import { readClientToken } from './readClientToken.js';
import { toRequestTarget } from './toRequestTarget.js';
import { toUpstreamHeaders } from './toUpstreamHeaders.js';
import { writeEgressError } from './writeEgressError.js';

export interface EgressHandlerDeps {
  readonly routes: () => RouteTable;
  readonly services: () => ReadonlyMap<string, ServiceConfig>;
  readonly authenticator: Authenticator;
  readonly failures: FailureLog;
  readonly audit: AuditTrail;
  readonly metrics: Metrics | undefined;
  readonly logger: Logger;
}

/** The service label of a `client_auth: none` route, and of a caller not identified. */
const NO_SERVICE = '-';
const UNKNOWN = 'unknown';

const AUTH_FAILURES = {
  missing_token: [
    'MISSING_TOKEN',
    'a credproxy token is required (as the API key, or Authorization: Bearer)',
  ],
  invalid_token: ['INVALID_TOKEN', 'the credproxy token is not valid'],
  rate_limited: ['RATE_LIMITED', 'too many failed token attempts from this address'],
} as const;

/** Who is calling which route, once identified: what the audit line and metrics name. */
interface Call {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly started: number;
  readonly client: string;
  readonly path: string;
  readonly route: CompiledRoute;
  readonly service: string;
}

/**
 * One egress request: refuse a dangerous path, find the route, identify the caller with the
 * same authenticator and failed-attempt limiter as the credential endpoint, check the service
 * may use the route and the route's allow list, then forward with the right value injected.
 * Nothing is forwarded on any refusal.
 */
export function createEgressHandler(deps: EgressHandlerDeps) {
  const { metrics } = deps;

  /** A refusal before a caller was identified: failure log (rate-limited) and metrics only. */
  function refuse(
    req: IncomingMessage,
    res: ServerResponse,
    started: number,
    route: string,
    code: ErrorCode,
    message: string,
    options: { status?: number; headers?: Record<string, string> } = {},
  ): void {
    if (!req.complete) res.shouldKeepAlive = false;
    const status = writeEgressError(res, code, message, options);
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
        seconds: seconds(started),
        bytesUp: 0,
        bytesDown: 0,
      },
      false,
    );
  }

  /** The end of an identified call, forwarded or refused by its rules: audit line and metrics. */
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

  function deny(call: Call, code: ErrorCode, message: string): void {
    if (!call.req.complete) call.res.shouldKeepAlive = false;
    const status = writeEgressError(call.res, code, message);
    deps.failures.failed(
      call.client,
      code,
      { route: call.route.name, service: call.service, status, code },
      `egress request refused: ${message}`,
    );
    record(call, { status, code, bytesUp: 0, bytesDown: 0, upstreamMs: null, withheld: [] }, false);
  }

  return (req: IncomingMessage, res: ServerResponse): void => {
    const started = performance.now();
    const target = toRequestTarget(req.url ?? '');
    if (!target.ok) {
      refuse(req, res, started, UNKNOWN, 'PATH_REFUSED', target.reason);
      return;
    }
    const match = deps.routes().match(target.path);
    if (match === undefined) {
      refuse(req, res, started, UNKNOWN, 'ROUTE_NOT_FOUND', 'no route matches this path');
      return;
    }
    const { route, rest } = match;
    const inject = route.config.inject;
    const client = req.socket.remoteAddress ?? UNKNOWN;
    let service = NO_SERVICE;
    let value = inject.value;
    if (route.config.clientAuth === 'token') {
      const presented = readClientToken(req.rawHeaders, inject);
      if (presented === null) {
        refuse(
          req,
          res,
          started,
          route.name,
          'BAD_REQUEST',
          'a credential header appears more than once',
        );
        return;
      }
      const identity = deps.authenticator.authenticate(presented.token, client);
      if (!identity.ok) {
        const [code, message] = AUTH_FAILURES[identity.reason];
        const limited = identity.reason === 'rate_limited';
        // 401 for a wrong token too: SDKs report 401 as a bad API key, which it is.
        refuse(req, res, started, route.name, code, message, {
          ...(limited
            ? { headers: { 'Retry-After': String(identity.retryAfterSeconds) } }
            : { status: 401 }),
        });
        return;
      }
      if (presented.claimedService !== undefined && presented.claimedService !== identity.service) {
        refuse(
          req,
          res,
          started,
          route.name,
          'INVALID_TOKEN',
          'the Basic user name is not the service of this token',
          { status: 401 },
        );
        return;
      }
      service = identity.service;
      const definition = deps.services().get(service);
      const call = { req, res, started, client, path: target.path, route, service };
      if (definition === undefined || !definition.routes.includes(route.name)) {
        deny(
          call,
          'ROUTE_NOT_ALLOWED',
          `service ${service} may not use route ${route.name} (add it to the service's routes)`,
        );
        return;
      }
      value = definition.routeValues[route.name] ?? value;
    }
    const call = { req, res, started, client, path: target.path, route, service };
    const method = req.method ?? '';
    if (!isAllowed(route.config.allow, method, rest)) {
      deny(
        call,
        'REQUEST_NOT_ALLOWED',
        `route ${route.name} does not allow ${method} on this path`,
      );
      return;
    }
    if (value === undefined) {
      deny(
        call,
        'ROUTE_NOT_ALLOWED',
        `route ${route.name} has no value to inject for service ${service}`,
      );
      return;
    }
    metrics?.proxyStarted(route.name);
    forwardRequest(
      {
        req,
        res,
        route,
        path: toUpstreamPath(route.config.upstream.basePath, rest, target.query),
        headers: toUpstreamHeaders(req.rawHeaders, inject, value),
        secrets:
          inject.value === undefined || inject.value === value ? [value] : [value, inject.value],
      },
      (outcome) => record(call, outcome, true),
    );
  };
}

function classOf(status: number): string {
  return `${Math.floor(status / 100)}xx`;
}

function seconds(started: number): number {
  return (performance.now() - started) / 1000;
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
