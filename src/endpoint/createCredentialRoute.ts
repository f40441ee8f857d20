import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { ServiceEntry, ServiceTable } from '../credentials/createCredentialCache.js';
import type { Credentials } from '../credentials/types.js';
import { CredentialsUnavailableError, CredproxyError } from '../errors.js';
import { JSON_CONTENT_TYPE, toErrorResponse } from '../http/errorResponse.js';
import type { FailureLimiter } from '../identity/createFailureLimiter.js';
import { toTokenDigest } from '../identity/tokenDigest.js';
import type { Logger } from '../observability/createLogger.js';
import type { RequestResult } from '../observability/createMetrics.js';
import { toEcsResponse } from './toEcsResponse.js';

export const CREDENTIALS_PATH = '/v1/credentials';
/** A cold request waits this long for the shared STS call, then gets 503 (Java times out at 1 s). */
export const COLD_WAIT_MS = 750;

export interface CredentialRouteDeps {
  readonly table: () => ServiceTable;
  readonly limiter: FailureLimiter;
  readonly recordRequest: (service: string, result: RequestResult, seconds: number) => void;
  /** Called when a set is served; the audit trail decides what to write. */
  readonly served: (entry: ServiceEntry, credentials: Credentials, clientAddress: string) => void;
  readonly logger: Logger;
  readonly draining: () => boolean;
  readonly coldWaitMs?: number;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * GET/HEAD /v1/credentials, answered on node:http directly, before express: this is the hot
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
  ): void {
    const seconds = (performance.now() - started) / 1000;
    deps.recordRequest(service, result, seconds);
    if (logger.isLevelEnabled('debug')) {
      logger.debug(
        {
          method: req.method,
          path: CREDENTIALS_PATH,
          status,
          latencyMs: Math.round(seconds * 1e6) / 1e3,
          service,
          client: req.socket.remoteAddress,
        },
        'credential request',
      );
    }
  }

  function sendError(
    req: IncomingMessage,
    res: ServerResponse,
    started: number,
    service: string,
    result: RequestResult,
    error: unknown,
    headers: Record<string, string> = {},
  ): void {
    const response = toErrorResponse(error, headers);
    const body = Buffer.from(response.body);
    const head: Record<string, string | number> = {
      ...response.headers,
      'Content-Length': body.length,
    };
    if (deps.draining()) head.Connection = 'close';
    res.writeHead(response.status, head);
    res.end(req.method === 'HEAD' ? undefined : body);
    finish(req, started, service, result, response.status);
    if (result === 'unavailable' || result === 'error') {
      logger.warn(
        {
          service,
          status: response.status,
          code: error instanceof CredproxyError ? error.code : 'INTERNAL',
        },
        'credential request failed',
      );
    }
  }

  function sendCredentials(
    req: IncomingMessage,
    res: ServerResponse,
    started: number,
    entry: ServiceEntry,
    credentials: Credentials,
  ): void {
    const body = toEcsResponse(credentials);
    const headers: Record<string, string | number> = {
      'Content-Type': JSON_CONTENT_TYPE,
      'Cache-Control': 'no-store',
      'Content-Length': body.length,
    };
    if (deps.draining()) headers.Connection = 'close';
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : body);
    finish(req, started, entry.service.name, 'success', 200);
    deps.served(entry, credentials, req.socket.remoteAddress ?? 'unknown');
  }

  function rejectToken(
    req: IncomingMessage,
    res: ServerResponse,
    started: number,
    result: 'missing_token' | 'invalid_token',
  ): void {
    const address = req.socket.remoteAddress ?? 'unknown';
    if (!deps.limiter.allow(address)) {
      const refused = deps.limiter.takeReport(address);
      if (refused !== undefined) {
        logger.warn(
          { client: address, code: 'RATE_LIMITED', refused },
          'failed token attempts over the limit from this address; refusing with 429',
        );
      }
      const retryAfter = String(deps.limiter.retryAfterSeconds(address));
      sendError(
        req,
        res,
        started,
        'unknown',
        'rate_limited',
        new CredproxyError('RATE_LIMITED', 'too many failed token attempts from this address'),
        { 'Retry-After': retryAfter },
      );
      return;
    }
    const error =
      result === 'missing_token'
        ? new CredproxyError('MISSING_TOKEN', 'the Authorization header is required')
        : new CredproxyError('INVALID_TOKEN', 'the authorization token is not valid');
    sendError(req, res, started, 'unknown', result, error);
  }

  return (req, res) => {
    const started = performance.now();
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendError(
        req,
        res,
        started,
        'unknown',
        'error',
        new CredproxyError('METHOD_NOT_ALLOWED', `${CREDENTIALS_PATH} accepts GET and HEAD only`),
        { Allow: 'GET, HEAD' },
      );
      return;
    }
    const token = req.headers.authorization;
    if (token === undefined || token === '') {
      rejectToken(req, res, started, 'missing_token');
      return;
    }
    const entry = deps.table().byTokenDigest.get(toTokenDigest(token));
    if (!entry) {
      rejectToken(req, res, started, 'invalid_token');
      return;
    }
    const credentials = entry.credentials.current();
    if (credentials) {
      sendCredentials(req, res, started, entry, credentials);
      return;
    }
    entry.credentials.waitForCredentials(coldWaitMs).then(
      (fresh) => sendCredentials(req, res, started, entry, fresh),
      (error: unknown) => {
        const unavailable = error instanceof CredentialsUnavailableError;
        sendError(
          req,
          res,
          started,
          entry.service.name,
          unavailable ? 'unavailable' : 'error',
          error,
        );
      },
    );
  };
}
