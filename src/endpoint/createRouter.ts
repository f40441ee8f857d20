import express, { type NextFunction, type Request, type Response } from 'express';
import type { ServiceTable } from '../credentials/createCredentialCache.js';
import { CredproxyError } from '../errors.js';
import { JSON_CONTENT_TYPE, toErrorResponse } from '../http/errorResponse.js';
import type { Logger } from '../observability/createLogger.js';
import { CREDENTIALS_PATH } from './createCredentialRoute.js';

export interface RouterDeps {
  readonly table: () => ServiceTable;
  readonly logger: Logger;
  readonly logHealthChecks: boolean;
  readonly draining: () => boolean;
  readonly version: string;
}

const KNOWN_PATHS = new Set([CREDENTIALS_PATH, '/health', '/ready']);

/** Everything but the credential route: health, readiness, and JSON 404/405 for the rest. */
export function createRouter(deps: RouterDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('query parser', false);

  app.get('/health', (_req, res) => {
    const draining = deps.draining();
    const status = draining ? 503 : 200;
    const body = {
      status: draining ? 'stopping' : 'ok',
      services: deps.table().byName.size,
      version: deps.version,
    };
    if (draining) deps.logger.warn({ path: '/health', status }, 'health check failed: draining');
    else if (deps.logHealthChecks) deps.logger.info({ path: '/health', status }, 'health check');
    sendJson(res, status, body);
  });

  app.get('/ready', (_req, res) => {
    const notReady: string[] = [];
    for (const [name, entry] of deps.table().byName) {
      if (!entry.credentials.current()) notReady.push(name);
    }
    const services = deps.table().byName.size;
    if (notReady.length === 0 && !deps.draining()) {
      sendJson(res, 200, { status: 'ready', services });
      return;
    }
    const message = deps.draining()
      ? 'credproxy is shutting down'
      : `no usable credentials yet for: ${notReady.join(', ')}`;
    sendJson(res, 503, {
      code: 'NOT_READY',
      message,
      Code: 'NOT_READY',
      Message: message,
      notReady,
    });
  });

  app.use((req, res) => {
    // A GET that lands here names a known path in an odd form (absolute URI): that is a 404.
    const wrongMethod = KNOWN_PATHS.has(req.path) && req.method !== 'GET' && req.method !== 'HEAD';
    const error = wrongMethod
      ? new CredproxyError('METHOD_NOT_ALLOWED', `${req.path} accepts GET and HEAD only`)
      : new CredproxyError('NOT_FOUND', 'no such path');
    const extra: Record<string, string> = wrongMethod ? { Allow: 'GET, HEAD' } : {};
    send(res, toErrorResponse(error, extra));
  });

  // Express's own errors (a malformed URI, a body it choked on) become a 400, never a stack.
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status = readStatus(error);
    const response =
      status !== undefined && status >= 400 && status < 500
        ? toErrorResponse(new CredproxyError('BAD_REQUEST', 'malformed request'))
        : toErrorResponse(error);
    if (response.status >= 500) deps.logger.error({ err: error }, 'unexpected error in router');
    send(res, response);
  });

  return app;
}

/** Written directly: express's json()/send() append `; charset=utf-8`, and Go accepts only
 * the exact `application/json`. */
function send(res: Response, response: ReturnType<typeof toErrorResponse>): void {
  const body = Buffer.from(response.body);
  res.writeHead(response.status, { ...response.headers, 'Content-Length': body.length });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

function sendJson(res: Response, status: number, value: unknown): void {
  const body = Buffer.from(JSON.stringify(value));
  res.writeHead(status, {
    'Content-Type': JSON_CONTENT_TYPE,
    'Cache-Control': 'no-store',
    'Content-Length': body.length,
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

function readStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const status = (error as { status?: unknown; statusCode?: unknown }).status;
  return typeof status === 'number' ? status : undefined;
}
