import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { ServiceConfig } from '../config/types.js';
import type { Authentication, Authenticator } from '../identity/createAuthenticator.js';
import type { AuditTrail } from '../observability/createAuditTrail.js';
import type { FailureLog } from '../observability/createFailureLog.js';
import type { Logger } from '../observability/createLogger.js';
import type { Metrics } from '../observability/createMetrics.js';
import { createEgressReporter, UNKNOWN } from './createEgressReporter.js';
import type { RouteTable } from './createRouteTable.js';
import { forwardRequest } from './forwardRequest.js';
import { isAllowed, toUpstreamPath } from './matchRoute.js';
import { readClientToken } from './readClientToken.js';
import { toRequestTarget } from './toRequestTarget.js';
import { toUpstreamHeaders } from './toUpstreamHeaders.js';

export interface EgressHandlerDeps {
  readonly routes: () => RouteTable;
  readonly services: () => ReadonlyMap<string, ServiceConfig>;
  readonly authenticator: Authenticator;
  readonly failures: FailureLog;
  readonly audit: AuditTrail;
  readonly metrics: Metrics | undefined;
  readonly logger: Logger;
}

/** The service label of a `client_auth: none` route. */
const NO_SERVICE = '-';

const AUTH_FAILURES = {
  missing_token: [
    'MISSING_TOKEN',
    'a credproxy token is required (as the API key, or Authorization: Bearer)',
  ],
  invalid_token: ['INVALID_TOKEN', 'the credproxy token is not valid'],
  rate_limited: ['RATE_LIMITED', 'too many failed token attempts from this address'],
  invalid_jwt: ['JWT_INVALID', 'the token is not valid'],
  forbidden: ['JWT_FORBIDDEN', 'this token may not act as any service of this route'],
  keys_unavailable: ['JWT_KEYS_UNAVAILABLE', "the token issuer's keys are not available yet"],
} as const;

/** Statuses that differ from the 401 a bad API key gets (see the comment at the refusal). */
const AUTH_STATUS: Partial<Record<keyof typeof AUTH_FAILURES, number>> = { forbidden: 403 };

/**
 * One egress request: refuse a dangerous path, find the route, identify the caller with the
 * same authenticator and failed-attempt limiter as the credential endpoint, check the service
 * may use the route and the route's allow list, then forward with the right value injected.
 * Nothing is forwarded on any refusal.
 */
export function createEgressHandler(deps: EgressHandlerDeps) {
  const report = createEgressReporter(deps);
  const refuse = report.refuse;

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

    /** The caller is known (or the route needs none): check its rights, then forward. */
    const forward = (service: string, value: string | undefined, token: string | undefined) => {
      const call = { req, res, started, client, path: target.path, route, service };
      const method = req.method ?? '';
      if (!isAllowed(route.config.allow, method, rest)) {
        report.deny(
          call,
          'REQUEST_NOT_ALLOWED',
          `route ${route.name} does not allow ${method} on this path`,
        );
        return;
      }
      if (value === undefined) {
        report.deny(
          call,
          'ROUTE_NOT_ALLOWED',
          `route ${route.name} has no value to inject for service ${service}`,
        );
        return;
      }
      deps.metrics?.proxyStarted(route.name);
      forwardRequest(
        {
          req,
          res,
          route,
          path: toUpstreamPath(route.config.upstream.basePath, rest, target.query),
          headers: toUpstreamHeaders(req.rawHeaders, inject, value, token),
          secrets:
            inject.value === undefined || inject.value === value ? [value] : [value, inject.value],
        },
        (outcome) => report.forwarded(call, outcome),
      );
    };

    if (route.config.clientAuth !== 'token') {
      forward(NO_SERVICE, inject.value, undefined);
      return;
    }
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
    const identified = (identity: Authentication) => {
      if (!identity.ok) {
        const [code, message] = AUTH_FAILURES[identity.reason];
        const limited =
          identity.reason === 'rate_limited' || identity.reason === 'keys_unavailable';
        // 401 for a wrong token too: SDKs report 401 as a bad API key, which it is.
        refuse(req, res, started, route.name, code, identity.message ?? message, {
          ...(limited
            ? { headers: { 'Retry-After': String(identity.retryAfterSeconds) } }
            : { status: AUTH_STATUS[identity.reason] ?? 401 }),
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
      const service = identity.service;
      const definition = deps.services().get(service);
      if (definition === undefined || !definition.routes.includes(route.name)) {
        const call = { req, res, started, client, path: target.path, route, service };
        report.deny(
          call,
          'ROUTE_NOT_ALLOWED',
          `service ${service} may not use route ${route.name} (add it to the service's routes)`,
        );
        return;
      }
      forward(service, definition.routeValues[route.name] ?? inject.value, presented.token);
    };
    const identity = deps.authenticator.authenticate(presented.token, client);
    // A JWT's first verification is asynchronous; static tokens and cached JWTs are not.
    if (identity instanceof Promise) {
      identity.then(identified, () =>
        refuse(req, res, started, route.name, 'INTERNAL', 'internal error', { status: 500 }),
      );
    } else identified(identity);
  };
}
