import type { Dispatcher } from 'undici';
import type { RouteConfig } from '../config/types.js';
import type { CompiledRoute } from '../egress/createRouteTable.js';
import {
  createUpstreamDispatcher,
  type EgressProxyEnv,
} from '../egress/createUpstreamDispatcher.js';

/** An AWS endpoint's connect limit; the headers and idle limits are the egress routes' defaults. */
const TIMEOUTS = { connectSeconds: 10, headersSeconds: 600, idleSeconds: 300 };

/**
 * One pool per AWS endpoint origin, kept for the life of the listener, and one route-shaped
 * entry per AWS service and origin named `aws:<service>`: what forwardRequest, the audit line
 * and the metrics take from an egress route.
 */
export interface GatewayUpstreams {
  forEndpoint(service: string, origin: string): CompiledRoute;
  close(): Promise<void>;
}

export function createGatewayUpstreams(proxyEnv: EgressProxyEnv): GatewayUpstreams {
  const pools = new Map<string, Dispatcher>();
  const routes = new Map<string, CompiledRoute>();
  return {
    forEndpoint(service, origin) {
      const key = `${service} ${origin}`;
      const known = routes.get(key);
      if (known !== undefined) return known;
      let dispatcher = pools.get(origin);
      if (dispatcher === undefined) {
        dispatcher = createUpstreamDispatcher(
          { connectTimeoutMs: TIMEOUTS.connectSeconds * 1000 },
          proxyEnv,
        );
        pools.set(origin, dispatcher);
      }
      const name = `aws:${service}`;
      const config: RouteConfig = {
        name,
        path: '/',
        upstream: { origin, basePath: '' },
        inject: { header: 'authorization' },
        timeouts: TIMEOUTS,
        clientAuth: 'token',
      };
      const route: CompiledRoute = {
        name,
        path: '/',
        config,
        dispatcher,
        headersTimeoutMs: TIMEOUTS.headersSeconds * 1000,
        idleTimeoutMs: TIMEOUTS.idleSeconds * 1000,
      };
      routes.set(key, route);
      return route;
    },
    async close() {
      await Promise.all([...pools.values()].map((pool) => pool.close().catch(() => undefined)));
    },
  };
}
