import { createGatewayHandler } from '../gateway/createGatewayHandler.js';
import { createGatewayUpstreams } from '../gateway/createGatewayUpstreams.js';
import { isAwsSigned } from '../gateway/readSignature.js';
import { createHttpServer } from '../http/createHttpServer.js';
import { close, listen } from '../http/listen.js';
import type { Adapter } from '../sidecar/types.js';
import { createEgressHandler } from './createEgressHandler.js';
import { createEgressReporter } from './createEgressReporter.js';
import { createRouteTables } from './createRouteTable.js';
import { toEgressProxyEnv } from './createUpstreamDispatcher.js';

/**
 * The egress proxy (`proxy.host:port`, default 127.0.0.1:1339), opened when routes are
 * configured or the AWS gateway is on: workloads call `http://127.0.0.1:1339/<route>/...` with
 * their credproxy token where the API key would go, and credproxy forwards to the route's
 * upstream with the real key injected; a SigV4-signed request goes to the AWS gateway
 * (src/gateway) instead. Routes and `proxy.aws` are re-read from the config in force on every
 * request (SIGHUP applies).
 */
export const createEgressEndpoint: Adapter = (context, config) => {
  if (config.proxy.routes.length === 0 && config.proxy.aws === undefined) return undefined;
  const proxyEnv = toEgressProxyEnv(context.env);
  const tables = createRouteTables(proxyEnv);
  const upstreams = createGatewayUpstreams(proxyEnv);
  const logger = context.logger.child({ component: 'egress' });
  const handle = createEgressHandler({
    routes: () => tables.forConfig(context.config().proxy),
    services: context.services,
    authenticator: context.authenticator,
    failures: context.failures,
    audit: context.audit,
    metrics: context.metrics,
    logger,
  });
  const gateway = createGatewayHandler({
    config: () => context.config().proxy.aws,
    services: context.services,
    secrets: context.secrets,
    authenticator: context.authenticator,
    credentials: context.credentials.table,
    now: () => context.clock.now(),
    env: context.env,
    upstreams,
    report: createEgressReporter({ ...context, logger }),
    metrics: context.metrics,
  });
  const server = createHttpServer(
    (req, res) => {
      if (context.draining()) res.shouldKeepAlive = false;
      if (isAwsSigned(req.headers.authorization, req.url ?? '')) gateway(req, res);
      else handle(req, res);
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
      'egress proxy (anyone who can reach it may try tokens, call client_auth: none routes, and try AWS gateway signatures)',
    listen: () => listen(server, host, port, 'proxy.port'),
    async close(graceMs) {
      await close(server, graceMs);
      await Promise.all([tables.close(), upstreams.close()]);
    },
  };
};
