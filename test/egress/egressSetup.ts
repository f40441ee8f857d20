import type { RouteConfig } from '../../src/config/doorTypes.js';
import type { ServiceConfig } from '../../src/config/types.js';
import { makeConfig, makeService } from '../helpers/configs.js';
import { type InProcess, startInProcess } from '../helpers/startInProcess.js';

export const AGENT_TOKEN = 'agent-token-7f3c9a1e5b2d4c6f8a0b1c2d3e4f5a6b';
export const OTHER_TOKEN = 'other-token-0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d';
export const ROUTE_KEY = 'sk-route-key-SECRET-5c1f0e2d9b8a7c6d';

/** A normalized route for tests that skip the config pipeline. */
export function makeRoute(
  name: string,
  upstream: string,
  overrides: Partial<RouteConfig> = {},
): RouteConfig {
  const url = new URL(upstream);
  return {
    name,
    path: `/${name}`,
    upstream: { origin: url.origin, basePath: url.pathname.replace(/\/+$/, '') },
    inject: { header: 'x-api-key', value: ROUTE_KEY },
    timeouts: { connectSeconds: 10, headersSeconds: 600, idleSeconds: 300 },
    clientAuth: 'token',
    ...overrides,
  };
}

/** An egress-only service (no role) that may use `routes`. */
export function makeAgent(
  name: string,
  token: string,
  routes: string[],
  overrides: Partial<ServiceConfig> = {},
): ServiceConfig {
  const {
    role: _role,
    source: _source,
    ...rest
  } = makeService(name, { authToken: token, routes, ...overrides });
  return rest;
}

/** A sidecar in this process with these routes and services (egress on a free port). */
export function startEgress(
  routes: RouteConfig[],
  services: ServiceConfig[],
  env: Record<string, string> = {},
): Promise<InProcess & { readonly egress: string }> {
  const config = makeConfig(services, { proxy: { host: '127.0.0.1', port: 0, routes } });
  return startInProcess(config, { env }).then((t) =>
    Object.assign(t, { egress: t.egressUrl ?? '' }),
  );
}
