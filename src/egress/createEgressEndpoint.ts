import { createHttpServer } from '../http/createHttpServer.js';
import { close, listen } from '../http/listen.js';
import type { Adapter } from '../sidecar/types.js';
import { createEgressHandler } from './createEgressHandler.js';
import { createRouteTables } from './createRouteTable.js';
import { toEgressProxyEnv } from './createUpstreamDispatcher.js';

/**
 * The egress proxy (`proxy.host:port`, default 127.0.0.1:1339), opened only when routes are
 * configured: workloads call `http://127.0.0.1:1339/<route>/...` with their credproxy token
 * where the API key would go, and credproxy forwards to the route's upstream with the real key
 * injected. Routes are re-read from the config in force on every request (SIGHUP applies).
 */
export const createEgressEndpoint: Adapter = (context, config) => {
  if (config.proxy.routes.length === 0) return undefined;
  const tables = createRouteTables(toEgressProxyEnv(context.env));
  const handle = createEgressHandler({
    routes: () => tables.forConfig(context.config().proxy),
    services: context.services,
    authenticator: context.authenticator,
    failures: context.failures,
    audit: context.audit,
    metrics: context.metrics,
    logger: context.logger.child({ component: 'egress' }),
  });
  const server = createHttpServer(
    (req, res) => {
      if (context.draining()) res.shouldKeepAlive = false;
      handle(req, res);
    },
    {
      onRefused: (client, code) =>
        context.failures.failed(client, code, { code }, 'malformed egress request refused'),
      // Uploads stream for as long as they take; the upstream's own limits bound them.
      requestTimeoutMs: 0,
    },
  );
  const { host, port } = config.proxy;
  return {
    name: 'egress',
    portKey: 'proxy.port',
    host,
    exposes:
      'egress proxy (anyone who can reach it may try tokens, and call client_auth: none routes)',
    listen: () => listen(server, host, port, 'proxy.port'),
    async close(graceMs) {
      await close(server, graceMs);
      await tables.close();
    },
  };
};
