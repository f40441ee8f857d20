import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { ServiceConfig } from '../config/types.js';
import type { CredentialTable } from '../credentials/createCredentialCache.js';
import { hasRole } from '../credentials/ports.js';
import type { Clock, Credentials } from '../credentials/types.js';
import { CredentialsUnavailableError, CredproxyError } from '../errors.js';
import { writeBody, writeError, writeJson } from '../http/writeJson.js';
import type { Authenticator } from '../identity/createAuthenticator.js';
import type { FailureLog } from '../observability/createFailureLog.js';
import type { Logger } from '../observability/createLogger.js';
import type { RequestResult } from '../observability/createMetrics.js';
import {
  MAX_SESSION_TTL_SECONDS,
  MIN_SESSION_TTL_SECONDS,
  type SessionTokens,
} from './createSessionTokens.js';
import { CREDENTIALS_DIR, EXTENDED_DIR, toImdsAnswer } from './toImdsAnswer.js';
import { toImdsCredentials } from './toImdsResponses.js';

export const TOKEN_PATH = '/latest/api/token';
const TTL_HEADER = 'x-aws-ec2-metadata-token-ttl-seconds';
const TOKEN_HEADER = 'x-aws-ec2-metadata-token';
/** Session tokens, role names and the region are plain text without a newline, as on EC2. */
const TEXT = 'text/plain';
/**
 * A cold read waits this long for the shared STS call, then gets 503 with Retry-After. botocore
 * and JS time IMDS reads out after 1 s; CLIENT-CONTRACT.md asks for an answer within 500 ms.
 */
export const IMDS_COLD_WAIT_MS = 400;

export interface ImdsRoutesDeps {
  /** The one service this listener serves: IMDS requests carry no identity of their own. */
  readonly service: string;
  readonly allowV1: boolean;
  readonly sessions: SessionTokens;
  readonly authenticator: Authenticator;
  readonly services: () => ReadonlyMap<string, ServiceConfig>;
  readonly credentials: () => CredentialTable;
  readonly clock: Clock;
  readonly recordRequest: (service: string, result: RequestResult, seconds: number) => void;
  readonly served: (service: ServiceConfig, credentials: Credentials, client: string) => void;
  readonly failures: FailureLog;
  readonly logger: Logger;
  readonly coldWaitMs?: number;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * An IMDSv2-compatible door for one service: `PUT /latest/api/token` issues session tokens,
 * metadata reads need one (or nothing, with allow_v1). Paths are matched exactly; credentials
 * come from the same cache as the container endpoint, so lifetimes and refreshes are the same.
 */
export function createImdsRoutes(deps: ImdsRoutesDeps): Handler {
  const { logger, clock } = deps;
  const coldWaitMs = deps.coldWaitMs ?? IMDS_COLD_WAIT_MS;
  /** When each set was first served here: IMDS's LastUpdated. */
  const firstServed = new WeakMap<Credentials, number>();

  function refuse(
    req: IncomingMessage,
    res: ServerResponse,
    error: CredproxyError,
    headers: Record<string, string> = {},
  ): number {
    const { status } = writeError(res, error, headers);
    deps.failures.failed(
      req.socket.remoteAddress ?? 'unknown',
      error.code,
      { listener: 'imds', service: deps.service, status, code: error.code },
      `IMDS request refused: ${error.message}`,
    );
    return status;
  }

  function issueToken(req: IncomingMessage, res: ServerResponse): void {
    // EC2 refuses a token request that went through a proxy: an SSRF through an open proxy
    // on the host must not get a session token (docs/security.md).
    if (req.headers['x-forwarded-for'] !== undefined) {
      refuse(
        req,
        res,
        new CredproxyError('IMDS_FORWARDED', 'token requests through a proxy are refused'),
      );
      return;
    }
    const raw = req.headers[TTL_HEADER];
    const ttl = typeof raw === 'string' && /^\d{1,5}$/.test(raw) ? Number(raw) : Number.NaN;
    if (!(ttl >= MIN_SESSION_TTL_SECONDS && ttl <= MAX_SESSION_TTL_SECONDS)) {
      const message = `X-aws-ec2-metadata-token-ttl-seconds must be from ${MIN_SESSION_TTL_SECONDS} to ${MAX_SESSION_TTL_SECONDS}`;
      refuse(req, res, new CredproxyError('IMDS_TTL_INVALID', message));
      return;
    }
    // Go's SDK fails unless the TTL comes back in this header.
    writeBody(res, 200, TEXT, deps.sessions.issue(ttl), {
      'X-aws-ec2-metadata-token-ttl-seconds': String(ttl),
    });
  }

  /** Undefined when the caller may read; otherwise the refusal was written. */
  function checkSession(req: IncomingMessage, res: ServerResponse): RequestResult | undefined {
    const token = req.headers[TOKEN_HEADER];
    if (token === undefined && deps.allowV1) return undefined;
    if (typeof token === 'string' && token !== '' && deps.sessions.isValid(token)) return undefined;
    const missing = token === undefined || token === '';
    const verdict = deps.authenticator.refuse(
      missing ? 'missing_token' : 'invalid_token',
      req.socket.remoteAddress ?? 'unknown',
    );
    if (verdict.reason === 'rate_limited') {
      const error = new CredproxyError(
        'RATE_LIMITED',
        'too many failed token attempts from this address',
      );
      refuse(req, res, error, { 'Retry-After': String(verdict.retryAfterSeconds) });
      return 'rate_limited';
    }
    const error = missing
      ? new CredproxyError(
          'IMDS_TOKEN_REQUIRED',
          'a session token is required (PUT /latest/api/token first)',
        )
      : new CredproxyError('IMDS_TOKEN_INVALID', 'the session token is not valid or has expired');
    refuse(req, res, error);
    return missing ? 'missing_token' : 'invalid_token';
  }

  function lastUpdated(service: ServiceConfig): number {
    const set = deps.credentials().get(service.name)?.current();
    return set === undefined ? clock.now() : stamp(set);
  }

  function stamp(set: Credentials): number {
    let at = firstServed.get(set);
    if (at === undefined) {
      at = clock.now();
      firstServed.set(set, at);
    }
    return at;
  }

  function serveCredentials(
    req: IncomingMessage,
    res: ServerResponse,
    service: ServiceConfig,
    extended: boolean,
    started: number,
  ): void {
    const done = (result: RequestResult, status: number) => {
      const seconds = (performance.now() - started) / 1000;
      deps.recordRequest(service.name, result, seconds);
      if (logger.isLevelEnabled('debug')) {
        const latencyMs = Math.round(seconds * 1e6) / 1e3;
        logger.debug(
          {
            listener: 'imds',
            service: service.name,
            status,
            latencyMs,
            client: req.socket.remoteAddress,
          },
          'IMDS credential request',
        );
      }
    };
    const send = (set: Credentials) => {
      writeJson(res, 200, toImdsCredentials(set, stamp(set), extended));
      done('success', 200);
      deps.served(service, set, req.socket.remoteAddress ?? 'unknown');
    };
    const entry = deps.credentials().get(service.name);
    const ready = entry?.current();
    if (ready) {
      send(ready);
      return;
    }
    if (!entry) {
      done(
        'error',
        refuse(
          req,
          res,
          new CredproxyError('NOT_FOUND', `service ${service.name} has no credentials`),
        ),
      );
      return;
    }
    entry.waitForCredentials(coldWaitMs).then(send, (error: unknown) => {
      const known =
        error instanceof CredproxyError ? error : new CredproxyError('INTERNAL', 'internal error');
      const result = error instanceof CredentialsUnavailableError ? 'unavailable' : 'error';
      done(result, refuse(req, res, known));
    });
  }

  return (req, res) => {
    const started = performance.now();
    const path = (req.url ?? '').split('?', 1)[0] ?? '';
    if (path === TOKEN_PATH) {
      if (req.method === 'PUT') issueToken(req, res);
      else refuse(req, res, notAllowed(`${TOKEN_PATH} accepts PUT only`), { Allow: 'PUT' });
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      refuse(req, res, notAllowed('metadata accepts GET and HEAD only'), { Allow: 'GET, HEAD' });
      return;
    }
    // A read of a set (not the role listing) counts as a credential request, as on the endpoint.
    const isCredentialRead =
      (path.startsWith(CREDENTIALS_DIR) && path.length > CREDENTIALS_DIR.length) ||
      (path.startsWith(EXTENDED_DIR) && path.length > EXTENDED_DIR.length);
    const failed = checkSession(req, res);
    if (failed !== undefined) {
      if (isCredentialRead)
        deps.recordRequest(deps.service, failed, (performance.now() - started) / 1000);
      return;
    }
    const service = deps.services().get(deps.service);
    if (service === undefined || !hasRole(service)) {
      // Removed by a reload, a dynamic service not defined yet, or one with egress routes only:
      // EC2 without a role says 404.
      const why = service === undefined ? 'is not defined' : 'has no assumed_role';
      refuse(req, res, new CredproxyError('NOT_FOUND', `service ${deps.service} ${why}`));
      return;
    }
    const answer = toImdsAnswer(path, service, () => lastUpdated(service));
    if (answer === undefined) {
      refuse(req, res, new CredproxyError('NOT_FOUND', 'no such metadata path on this listener'));
      return;
    }
    if (answer.kind === 'credentials')
      serveCredentials(req, res, service, answer.extended, started);
    else if (answer.kind === 'json') writeJson(res, 200, answer.body);
    else writeBody(res, 200, TEXT, answer.body);
  };
}

function notAllowed(message: string): CredproxyError {
  return new CredproxyError('METHOD_NOT_ALLOWED', message);
}
