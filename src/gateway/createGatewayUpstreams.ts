import type { Dispatcher } from 'undici';
import type { RouteConfig } from '../config/doorTypes.js';
import type { CompiledRoute } from '../egress/createRouteTable.js';
import {
  createUpstreamDispatcher,
  type EgressProxyEnv,
} from '../egress/createUpstreamDispatcher.js';

/** Endpoint pools kept at most (the standard endpoints of one service in every region fit). */
const MAX_POOLS = 64;
/** An AWS endpoint's connect limit; the headers and idle limits are the egress routes' defaults. */
const TIMEOUTS = { connectSeconds: 10, headersSeconds: 600, idleSeconds: 300 };

/**
 * One pool per AWS endpoint origin, kept for the life of the listener, and one route-shaped
 * entry per AWS service and origin named `aws:<service>`: what forwardRequest, the audit line
 * and the metrics take from an egress route.
 */
export interface GatewayUpstreams {
  forEndpoint(service: string, origin: string): CompiledRoute;
  /** The label of calls refused for an AWS service not allowed: `aws`, never dispatched to. */
  refusals(): CompiledRoute;
  close(): Promise<void>;
}

export function createGatewayUpstreams(proxyEnv: EgressProxyEnv): GatewayUpstreams {
  const pools = new Map<string, Dispatcher>();
  const routes = new Map<string, CompiledRoute>();
  let refused: CompiledRoute | undefined;

  /** Without a regions list a verified caller may name any region: pools stay bounded. */
  function retireOldest(): void {
    const [origin, pool] = pools.entries().next().value ?? [];
    if (origin === undefined || pool === undefined) return;
    pools.delete(origin);
    for (const [key, route] of routes) if (route.dispatcher === pool) routes.delete(key);
    // In-flight requests finish first.
    void pool.close().catch(() => undefined);
  }

  return {
    refusals() {
      refused ??= toRoute(
        'aws',
        'http://127.0.0.1',
        createUpstreamDispatcher({ connectTimeoutMs: 1 }, proxyEnv),
      );
      return refused;
    },
    forEndpoint(service, origin) {
      const key = `${service} ${origin}`;
      const known = routes.get(key);
      if (known !== undefined) return known;
      let dispatcher = pools.get(origin);
      if (dispatcher === undefined) {
        if (pools.size >= MAX_POOLS) retireOldest();
        dispatcher = createUpstreamDispatcher(
          { connectTimeoutMs: TIMEOUTS.connectSeconds * 1000 },
          proxyEnv,
        );
        pools.set(origin, dispatcher);
      }
      const route = toRoute(`aws:${service}`, origin, dispatcher);
      routes.set(key, route);
      return route;
    },
    async close() {
      const all = [...pools.values(), ...(refused ? [refused.dispatcher] : [])];
      await Promise.all(all.map((pool) => pool.close().catch(() => undefined)));
    },
  };
}

function toRoute(name: string, origin: string, dispatcher: Dispatcher): CompiledRoute {
  const config: RouteConfig = {
    name,
    path: '/',
    upstream: { origin, basePath: '' },
    inject: { header: 'authorization' },
    timeouts: TIMEOUTS,
    clientAuth: 'token',
  };
  return {
    name,
    path: '/',
    config,
    dispatcher,
    headersTimeoutMs: TIMEOUTS.headersSeconds * 1000,
    idleTimeoutMs: TIMEOUTS.idleSeconds * 1000,
  };
}
