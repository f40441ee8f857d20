import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { CredentialTable } from '../credentials/createCredentialCache.js';
import type { ServiceCredentials } from '../credentials/createServiceCredentials.js';
import type { Credentials } from '../credentials/types.js';
import { CredentialsUnavailableError, CredproxyError } from '../errors.js';
import { readAuthorization } from '../http/readAuthorization.js';
import { writeError, writeJson } from '../http/writeJson.js';
import type { Authenticator } from '../identity/createAuthenticator.js';
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
  readonly recordRequest: (service: string, result: RequestResult, seconds: number) => void;
  /** Called when a set is served; the audit trail decides what to write. */
  readonly served: (service: string, credentials: Credentials, clientAddress: string) => void;
  readonly failures: FailureLog;
  readonly logger: Logger;
  readonly coldWaitMs?: number;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const MESSAGES = {
  missing_token: 'the Authorization header is required',
  invalid_token: 'the authorization token is not valid',
  rate_limited: 'too many failed token attempts from this address',
} as const;
const CODES = {
  missing_token: 'MISSING_TOKEN',
  invalid_token: 'INVALID_TOKEN',
  rate_limited: 'RATE_LIMITED',
} as const;

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
  ): void {
    const { status } = writeError(res, error, headers);
    finish(req, started, service, result, status);
    const client = req.socket.remoteAddress ?? 'unknown';
    deps.failures.failed(
      client,
      error.code,
      { path: CREDENTIALS_PATH, status, code: error.code, service },
      `credential request refused: ${error.message}`,
    );
  }

  function serve(
    req: IncomingMessage,
    res: ServerResponse,
    started: number,
    service: string,
    credentials: Credentials,
  ) {
    writeJson(res, 200, toEcsResponse(credentials));
    finish(req, started, service, 'success', 200);
    deps.served(service, credentials, req.socket.remoteAddress ?? 'unknown');
  }

  function waitCold(
    req: IncomingMessage,
    res: ServerResponse,
    started: number,
    entry: ServiceCredentials,
  ) {
    const service = entry.target.name;
    entry.waitForCredentials(coldWaitMs).then(
      (fresh) => serve(req, res, started, service, fresh),
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
    if (!identity.ok) {
      const error = new CredproxyError(CODES[identity.reason], MESSAGES[identity.reason]);
      const headers: Record<string, string> =
        identity.reason === 'rate_limited'
          ? { 'Retry-After': String(identity.retryAfterSeconds) }
          : {};
      fail(req, res, started, 'unknown', identity.reason, error, headers);
      return;
    }
    const entry = deps.credentials().get(identity.service);
    const credentials = entry?.current();
    if (credentials) serve(req, res, started, identity.service, credentials);
    else if (entry) waitCold(req, res, started, entry);
    else {
      const error = new CredproxyError(
        'NOT_FOUND',
        `service ${identity.service} has no assumed_role`,
      );
      fail(req, res, started, identity.service, 'error', error);
    }
  };
}
