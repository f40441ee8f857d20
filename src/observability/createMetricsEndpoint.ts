import type { IncomingMessage, ServerResponse } from 'node:http';
import { toPortKeyText } from '../config/ports.js';
import { CredproxyError } from '../errors.js';
import { createHttpServer } from '../http/createHttpServer.js';
import { toListener } from '../http/listen.js';
import { writeError } from '../http/writeJson.js';
import type { Adapter } from '../sidecar/types.js';

/**
 * GET /metrics on its own listener (`metrics.prometheus.host:port`, never the credential
 * port); every other path is a JSON 404. Off with `metrics.prometheus.enabled: false`.
 */
export const createMetricsEndpoint: Adapter = (context, config) => {
  const metrics = context.metrics;
  if (!metrics) return undefined;
  const server = createHttpServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '').split('?', 1)[0];
    if (path !== '/metrics') {
      writeError(
        res,
        new CredproxyError('NOT_FOUND', 'no such path; metrics are served at GET /metrics'),
      );
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      writeError(
        res,
        new CredproxyError('METHOD_NOT_ALLOWED', '/metrics accepts GET and HEAD only'),
        {
          Allow: 'GET, HEAD',
        },
      );
      return;
    }
    metrics.registry.metrics().then(
      (text) => {
        res.writeHead(200, {
          'Content-Type': metrics.registry.contentType,
          'Cache-Control': 'no-store',
        });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      () => writeError(res, new CredproxyError('INTERNAL', 'metrics could not be collected')),
    );
  });
  return toListener(server, {
    name: 'metrics',
    host: config.metrics.host,
    port: config.metrics.port,
    portKey: toPortKeyText('metrics.prometheus.port', config.metrics.portSource),
    exposes: 'metrics (service names and request counts)',
  });
};
