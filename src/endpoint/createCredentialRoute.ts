import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { CredentialTable } from '../credentials/createCredentialCache.js';
import type { ServiceCredentials } from '../credentials/createServiceCredentials.js';
import type { CredentialSession } from '../credentials/ports.js';
import type { Credentials } from '../credentials/types.js';
import { CredentialsUnavailableError, CredproxyError } from '../errors.js';
import { readAuthorization } from '../http/readAuthorization.js';
import { writeError, writeJson } from '../http/writeJson.js';
import type {
  Authentication,
  Authenticator,
  AuthFailure,
} from '../identity/createAuthenticator.js';
import type { FailureLog } from '../observability/createFailureLog.js';
import type { Logger } from '../observability/createLogger.js';
import type { RequestResult } from '../observability/createMetrics.js';
import { toEcsResponse } from './toEcsResponse.js';

export const CREDENTIALS_PATH = '/v1/credentials';
/** A cold request waits this long for the shared STS call, then gets 503 (Java times out at 1 s). */
export const COLD_WAIT_MS = 750;

export interface CredentialRouteDeps {
  readonly authenticator: Authenticator;
  readonly credentials: () => CredentialTable;
  /** The set of a service for one caller session (JWT claims as session tags). */
  readonly sessionCredentials?: (
    service: string,
    session: CredentialSession,
  ) => ServiceCredentials | undefined;
  readonly recordRequest: (service: string, result: RequestResult, seconds: number) => void;
  /** Called when a set is served; the audit trail decides what to write. */
  readonly served: (
    service: string,
    credentials: Credentials,
    clientAddress: string,
    session: CredentialSession | undefined,
  ) => void;
  readonly failures: FailureLog;
  readonly logger: Logger;
  readonly coldWaitMs?: number;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** One answer per failure class; a JWT's own reason goes to the log, never to the client. */
const MESSAGES: Record<AuthFailure, string> = {
  missing_token: 'the Authorization header is required',
  invalid_token: 'the authorization token is not valid',
  invalid_jwt: 'the token is not valid',
  forbidden: 'the token may not act as any service',
  keys_unavailable: 'the keys to verify this token are not available yet',
  rate_limited: 'too many failed token attempts from this address',
};
const CODES = {
  missing_token: 'MISSING_TOKEN',
  invalid_token: 'INVALID_TOKEN',
  invalid_jwt: 'JWT_INVALID',
  forbidden: 'JWT_FORBIDDEN',
  keys_unavailable: 'JWT_KEYS_UNAVAILABLE',
  rate_limited: 'RATE_LIMITED',
} as const satisfies Record<AuthFailure, string>;
const RESULTS = {
  missing_token: 'missing_token',
  invalid_token: 'invalid_token',
  invalid_jwt: 'invalid_jwt',
  forbidden: 'forbidden',
  keys_unavailable: 'unavailable',
  rate_limited: 'rate_limited',
} as const satisfies Record<AuthFailure, RequestResult>;

/**
 * GET/HEAD /v1/credentials, answered on node:http directly, before any router: this is the hot
 * path, and a warm request is a digest lookup, a timestamp check and a cached buffer.
 */
export function createCredentialRoute(deps: CredentialRouteDeps): Handler {
  const coldWaitMs = deps.coldWaitMs ?? COLD_WAIT_MS;
  const { logger } = deps;

  function finish(
    req: IncomingMessage,
    started: number,
    service: string,
    result: RequestResult,
    status: number,
  ) {
    const seconds = (performance.now() - started) / 1000;
    deps.recordRequest(service, result, seconds);
    if (logger.isLevelEnabled('debug')) {
      const latencyMs = Math.round(seconds * 1e6) / 1e3;
      const client = req.socket.remoteAddress;
      logger.debug(
        { method: req.method, path: CREDENTIALS_PATH, status, latencyMs, service, client },
        'credential request',
      );
    }
  }

  function fail(
    req: IncomingMessage,
    res: ServerResponse,
    started: number,
    service: string,
    result: RequestResult,
    error: CredproxyError,
    headers: Record<string, string> = {},
    detail?: string,
  ): void {
    const { status } = writeError(res, error, headers);
    finish(req, started, service, result, status);
    const client = req.socket.remoteAddress ?? 'unknown';
    // A JWT's reason (a fixed word) keys the log too: each reason is seen once per address.
    deps.failures.failed(
      client,
      detail === undefined ? error.code : `${error.code}:${detail}`,
      { path: CREDENTIALS_PATH, status, code: error.code, service, ...(detail ? { detail } : {}) },
      `credential request refused: ${error.message}${detail ? ` (${detail})` : ''}`,
    );
  }

  function serve(
    req: IncomingMessage,
    res: ServerResponse,
    started: number,
    service: string,
    credentials: Credentials,
    session: CredentialSession | undefined,
  ) {
    writeJson(res, 200, toEcsResponse(credentials));
    finish(req, started, service, 'success', 200);
    deps.served(service, credentials, req.socket.remoteAddress ?? 'unknown', session);
  }

  function waitCold(
    req: IncomingMessage,
    res: ServerResponse,
    started: number,
    entry: ServiceCredentials,
  ) {
    const service = entry.target.name;
    entry.waitForCredentials(coldWaitMs).then(
      (fresh) => serve(req, res, started, service, fresh, entry.target.session),
      (error: unknown) => {
        const unavailable = error instanceof CredentialsUnavailableError;
        const known =
          error instanceof CredproxyError
            ? error
            : new CredproxyError('INTERNAL', 'internal error');
        fail(req, res, started, service, unavailable ? 'unavailable' : 'error', known);
      },
    );
  }

  return (req, res) => {
    const started = performance.now();
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      const error = new CredproxyError(
        'METHOD_NOT_ALLOWED',
        `${CREDENTIALS_PATH} accepts GET and HEAD only`,
      );
      fail(req, res, started, 'unknown', 'error', error, { Allow: 'GET, HEAD' });
      return;
    }
    const token = readAuthorization(req);
    if (token === null) {
      const error = new CredproxyError('BAD_REQUEST', 'more than one Authorization header');
      fail(req, res, started, 'unknown', 'error', error);
      return;
    }
    const identity = deps.authenticator.authenticate(token, req.socket.remoteAddress ?? 'unknown');
    // Only a JWT's first verification is asynchronous; everything else answers in this tick.
    if (identity instanceof Promise) {
      identity.then(
        (settled) => respond(req, res, started, settled),
        () =>
          fail(
            req,
            res,
            started,
            'unknown',
            'error',
            new CredproxyError('INTERNAL', 'internal error'),
          ),
      );
    } else {
      respond(req, res, started, identity);
    }
  };

  function respond(
    req: IncomingMessage,
    res: ServerResponse,
    started: number,
    identity: Authentication,
  ): void {
    if (!identity.ok) {
      const message =
        identity.reason === 'forbidden' && identity.message !== undefined
          ? identity.message
          : MESSAGES[identity.reason];
      const error = new CredproxyError(CODES[identity.reason], message);
      const headers: Record<string, string> =
        identity.reason === 'rate_limited' || identity.reason === 'keys_unavailable'
          ? { 'Retry-After': String(identity.retryAfterSeconds) }
          : {};
      fail(req, res, started, 'unknown', RESULTS[identity.reason], error, headers, identity.detail);
      return;
    }
    const { service, session } = identity;
    const entry =
      session === undefined
        ? deps.credentials().get(service)
        : deps.sessionCredentials?.(service, session);
    const credentials = entry?.current();
    if (credentials) serve(req, res, started, service, credentials, session);
    else if (entry) waitCold(req, res, started, entry);
    else {
      const error = new CredproxyError('NOT_FOUND', `service ${service} has no assumed_role`);
      fail(req, res, started, service, 'error', error);
    }
  }
}
