import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import { toErrorBody } from '../http/errorResponse.js';

/** GET /metrics on its own listener (never on the credential port); every other path is 404. */
export function createMetricsServer(registry: Registry): Server {
  const server = createServer({ headersTimeout: 5_000, requestTimeout: 10_000 }, (req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'application/json' });
      res.end(toErrorBody('NOT_FOUND', 'no such path'));
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { 'Content-Type': 'application/json', Allow: 'GET, HEAD' });
      res.end(toErrorBody('METHOD_NOT_ALLOWED', '/metrics accepts GET and HEAD only'));
      return;
    }
    registry.metrics().then(
      (text) => {
        res.writeHead(200, { 'Content-Type': registry.contentType, 'Cache-Control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      () => {
        res.writeHead(500, { 'Content-Type': 'application/json' });
        res.end(toErrorBody('INTERNAL', 'metrics could not be collected'));
      },
    );
  });
  server.on('clientError', (_error, socket) => socket.destroy());
  return server;
}
