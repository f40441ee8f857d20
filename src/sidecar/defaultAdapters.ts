import { createCredentialEndpoint } from '../endpoint/createCredentialEndpoint.js';
import { createImdsEndpoints } from '../imds/createImdsEndpoints.js';
import { createMetricsEndpoint } from '../observability/createMetricsEndpoint.js';
import { lazyAdapter } from './lazyAdapter.js';
import type { Adapter } from './types.js';

/** The doors a sidecar opens unless told otherwise (tests pass their own). */
export const DEFAULT_ADAPTERS: readonly Adapter[] = [
  createCredentialEndpoint,
  createMetricsEndpoint,
  createImdsEndpoints,
  // Loaded only when configured: their dependencies (undici, X.509) are most of the bundle.
  lazyAdapter({
    name: 'egress',
    portKey: 'proxy.port',
    exposes:
      'egress proxy (anyone who can reach it may try tokens, call client_auth: none routes, and try AWS gateway signatures)',
    hostOf: (c) =>
      c.proxy.routes.length === 0 && c.proxy.aws === undefined ? undefined : c.proxy.host,
    load: async () => (await import('../egress/createEgressEndpoint.js')).createEgressEndpoint,
  }),
  lazyAdapter({
    name: 'forward',
    portKey: 'forward_proxy.port',
    exposes:
      'forward proxy (anyone who can reach it may try tokens, and use every rule with client_auth: none)',
    hostOf: (c) => c.forwardProxy?.host,
    load: async () => (await import('../forward/createForwardProxy.js')).createForwardProxy,
  }),
];
