import { toPortKeyText } from '../config/ports.js';
import { createHttpServer } from '../http/createHttpServer.js';
import { toListener } from '../http/listen.js';
import type { Adapter } from '../sidecar/types.js';
import { CREDENTIALS_PATH, createCredentialRoute } from './createCredentialRoute.js';
import { createStatusRoutes } from './createStatusRoutes.js';

const PATH_WITH_QUERY = `${CREDENTIALS_PATH}?`;

/**
 * The ECS container credential endpoint (`server.host:port`): the credential route is
 * dispatched first by an exact path test, then `/health`, `/ready` and JSON 404/405.
 */
export const createCredentialEndpoint: Adapter = (context, config) => {
  const logger = context.logger.child({ component: 'http' });
  const metrics = context.metrics;
  const route = createCredentialRoute({
    authenticator: context.authenticator,
    credentials: context.credentials.table,
    sessionCredentials: context.credentials.session,
    recordRequest: metrics ? metrics.recordRequest : () => undefined,
    served: (name, credentials, client, session) => {
      const service = context.services().get(name);
      if (service) context.audit.served(service, credentials, client, session);
    },
    failures: context.failures,
    logger,
  });
  const status = createStatusRoutes({
    serviceCount: () => context.services().size,
    notReady: context.credentials.notReady,
    logger,
    failures: context.failures,
    logHealthChecks: () => context.config().server.logHealthChecks,
    draining: context.draining,
    version: context.version,
  });
  const server = createHttpServer(
    (req, res) => {
      // While draining, every response closes its connection.
      if (context.draining()) res.shouldKeepAlive = false;
      const url = req.url ?? '';
      if (url === CREDENTIALS_PATH || url.startsWith(PATH_WITH_QUERY)) route(req, res);
      else status(req, res, url.split('?', 1)[0] ?? '');
    },
    {
      onRefused: (client, code) =>
        context.failures.failed(client, code, { code }, 'malformed request refused'),
    },
  );
  return toListener(server, {
    name: 'credentials',
    host: config.server.host,
    port: config.server.port,
    portKey: toPortKeyText('server.port', config.server.portSource),
    exposes: 'credential endpoint (anyone who can reach it may try tokens)',
  });
};
