import type { IncomingMessage, ServerResponse } from 'node:http';
import { CredproxyError } from '../errors.js';
import { writeError, writeJson } from '../http/writeJson.js';
import type { FailureLog } from '../observability/createFailureLog.js';
import type { Logger } from '../observability/createLogger.js';
import { CREDENTIALS_PATH } from './createCredentialRoute.js';

export interface StatusRoutesDeps {
  readonly serviceCount: () => number;
  /** Services with no servable set, by name (the credential cache decides). */
  readonly notReady: () => readonly string[];
  readonly logger: Logger;
  readonly failures: FailureLog;
  readonly logHealthChecks: () => boolean;
  readonly draining: () => boolean;
  readonly version: string;
}

type Handler = (req: IncomingMessage, res: ServerResponse, path: string) => void;

/** Paths are matched exactly and case-sensitively, like the credential route. */
const GET_PATHS = new Set([CREDENTIALS_PATH, '/health', '/ready']);

/** `/ready`'s 503 body when some services have nothing to serve (pinned by a test). */
export function toNotReadyBody(notReady: readonly string[], draining: boolean): string {
  const message = draining
    ? 'credproxy is shutting down'
    : `no usable credentials yet for: ${notReady.join(', ')}`;
  return JSON.stringify({
    code: 'NOT_READY',
    message,
    Code: 'NOT_READY',
    Message: message,
    notReady,
  });
}

/**
 * Everything on the credential port but the credential route: `/health` (the process answers),
 * `/ready` (every service has credentials), and a JSON 404/405 that names the endpoint path.
 */
export function createStatusRoutes(deps: StatusRoutesDeps): Handler {
  function health(res: ServerResponse): void {
    const draining = deps.draining();
    const status = draining ? 503 : 200;
    const body = {
      status: draining ? 'stopping' : 'ok',
      services: deps.serviceCount(),
      version: deps.version,
    };
    if (draining) deps.logger.warn({ path: '/health', status }, 'health check failed: draining');
    else if (deps.logHealthChecks()) deps.logger.info({ path: '/health', status }, 'health check');
    writeJson(res, status, JSON.stringify(body));
  }

  function ready(res: ServerResponse): void {
    const notReady = deps.notReady();
    if (notReady.length === 0 && !deps.draining()) {
      writeJson(res, 200, JSON.stringify({ status: 'ready', services: deps.serviceCount() }));
      return;
    }
    writeJson(res, 503, toNotReadyBody(notReady, deps.draining()));
  }

  function refuse(req: IncomingMessage, res: ServerResponse, path: string): void {
    const known = GET_PATHS.has(path);
    const error = known
      ? new CredproxyError('METHOD_NOT_ALLOWED', `${path} accepts GET and HEAD only`)
      : new CredproxyError(
          'NOT_FOUND',
          `no such path; credentials are served at GET ${CREDENTIALS_PATH} (AWS_CONTAINER_CREDENTIALS_FULL_URI must end with it)`,
        );
    const { status } = writeError(res, error, known ? { Allow: 'GET, HEAD' } : {});
    deps.failures.failed(
      req.socket.remoteAddress ?? 'unknown',
      error.code,
      { method: req.method, status, code: error.code },
      `request refused: ${error.code === 'NOT_FOUND' ? 'no such path' : 'method not allowed'}`,
    );
  }

  return (req, res, path) => {
    const readable = req.method === 'GET' || req.method === 'HEAD';
    if (readable && path === '/health') health(res);
    else if (readable && path === '/ready') ready(res);
    else refuse(req, res, path);
  };
}
