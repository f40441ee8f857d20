import type { Dispatcher } from 'undici';
import type { ProxyConfig, RouteConfig } from '../config/doorTypes.js';
import { createUpstreamDispatcher, type EgressProxyEnv } from './createUpstreamDispatcher.js';
import { byPrefixLength, matchRoute } from './matchRoute.js';

/** A route ready to forward: its config, its connection pool and its timeouts in ms. */
export interface CompiledRoute {
  readonly name: string;
  readonly path: string;
  readonly config: RouteConfig;
  readonly dispatcher: Dispatcher;
  readonly headersTimeoutMs: number;
  readonly idleTimeoutMs: number;
}

export interface RouteTable {
  match(path: string): { readonly route: CompiledRoute; readonly rest: string } | undefined;
}

/**
 * The routes of the config in force, compiled once per config. A reload (SIGHUP) gets a new
 * table; a route whose upstream, CA and connect timeout did not change keeps its pool (and its
 * warm connections); a pool no route uses any more is closed once its requests have finished.
 */
export interface RouteTables {
  forConfig(proxy: ProxyConfig): RouteTable;
  /** Closes every pool; in-flight requests finish first. */
  close(): Promise<void>;
}

export function createRouteTables(proxyEnv: EgressProxyEnv): RouteTables {
  let pools = new Map<string, Dispatcher>();
  let last: { proxy: ProxyConfig; table: RouteTable } | undefined;

  function build(proxy: ProxyConfig): RouteTable {
    const next = new Map<string, Dispatcher>();
    const routes = proxy.routes.map((config): CompiledRoute => {
      const connectTimeoutMs = config.timeouts.connectSeconds * 1000;
      const key = JSON.stringify([config.upstream.origin, connectTimeoutMs, config.ca ?? '']);
      let dispatcher = next.get(key) ?? pools.get(key);
      if (dispatcher === undefined) {
        dispatcher = createUpstreamDispatcher(
          { connectTimeoutMs, ...(config.ca === undefined ? {} : { ca: config.ca }) },
          proxyEnv,
        );
      }
      next.set(key, dispatcher);
      return {
        name: config.name,
        path: config.path,
        config,
        dispatcher,
        headersTimeoutMs: config.timeouts.headersSeconds * 1000,
        idleTimeoutMs: config.timeouts.idleSeconds * 1000,
      };
    });
    for (const [key, pool] of pools) if (!next.has(key)) void pool.close().catch(() => undefined);
    pools = next;
    const sorted = [...routes].sort(byPrefixLength);
    return { match: (path) => matchRoute(sorted, path) };
  }

  return {
    forConfig(proxy) {
      if (last?.proxy !== proxy) last = { proxy, table: build(proxy) };
      return last.table;
    },
    async close() {
      await Promise.all([...pools.values()].map((pool) => pool.close().catch(() => undefined)));
    },
  };
}
