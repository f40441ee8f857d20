import type { ImdsListenerConfig } from '../config/doorTypes.js';
import { createHttpServer } from '../http/createHttpServer.js';
import { close, listen } from '../http/listen.js';
import type { Adapter, Listener, SidecarContext } from '../sidecar/types.js';
import { createImdsRoutes } from './createImdsRoutes.js';
import { createSessionTokens } from './createSessionTokens.js';

/**
 * One IMDSv2-compatible listener per `imds` entry. IMDS requests carry no identity (a session
 * token proves only that the caller could reach the listener), so the listener is the identity:
 * each serves exactly one service, and its address must be reachable by that workload alone.
 */
export const createImdsEndpoints: Adapter = (context, config) =>
  config.imds.map((entry, index) => createImdsListener(context, entry, index));

function createImdsListener(
  context: SidecarContext,
  entry: ImdsListenerConfig,
  index: number,
): Listener {
  const logger = context.logger.child({ component: 'imds', service: entry.service });
  const route = createImdsRoutes({
    service: entry.service,
    allowV1: entry.allowV1,
    sessions: createSessionTokens({ clock: context.clock }),
    authenticator: context.authenticator,
    services: context.services,
    credentials: context.credentials.table,
    clock: context.clock,
    recordRequest: context.metrics ? context.metrics.recordRequest : () => undefined,
    served: (service, credentials, client) => context.audit.served(service, credentials, client),
    failures: context.failures,
    logger,
  });
  const server = createHttpServer(
    (req, res) => {
      if (context.draining()) res.shouldKeepAlive = false;
      route(req, res);
    },
    {
      onRefused: (client, code) =>
        context.failures.failed(client, code, { code }, 'malformed IMDS request refused'),
    },
  );
  const portKey = `imds[${index}].port`;
  return {
    name: `imds:${entry.service}`,
    portKey,
    host: entry.host,
    exposes: `IMDS listener of service ${entry.service} (anyone who can reach it gets its credentials, no token needed)`,
    async listen() {
      const url = await listen(server, entry.host, entry.port, portKey);
      logger.info(
        { url, allowV1: entry.allowV1, AWS_EC2_METADATA_SERVICE_ENDPOINT: url },
        `IMDS for service ${entry.service} listening on ${url}: workloads set AWS_EC2_METADATA_SERVICE_ENDPOINT=${url}`,
      );
      return url;
    },
    close: (graceMs) => close(server, graceMs),
  };
}
