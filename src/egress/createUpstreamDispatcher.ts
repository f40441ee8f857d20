import { rootCertificates } from 'node:tls';
import { Agent, type Dispatcher, EnvHttpProxyAgent } from 'undici';
import type { Env } from '../config/env.js';

/** Idle upstream connections are kept this long for the next request (undici's default, 4 s). */
const KEEP_ALIVE_MS = 4_000;

export interface UpstreamOptions {
  readonly connectTimeoutMs: number;
  /** PEM text trusted in addition to the system CAs. */
  readonly ca?: string;
}

/** credproxy's own egress proxy settings, from its environment (lower case wins, as in curl). */
export interface EgressProxyEnv {
  readonly httpProxy: string;
  readonly httpsProxy: string;
  readonly noProxy: string;
}

export function toEgressProxyEnv(env: Env): EgressProxyEnv {
  return {
    httpProxy: env.http_proxy ?? env.HTTP_PROXY ?? '',
    httpsProxy: env.https_proxy ?? env.HTTPS_PROXY ?? '',
    noProxy: env.no_proxy ?? env.NO_PROXY ?? '',
  };
}

/**
 * The connection pool of one route: keep-alive connections to its upstream, TLS verified
 * against Node's bundled CA list plus the route's `ca_file`, a connect timeout, and no
 * redirect handling (undici's dispatcher never follows one: a 3xx goes back to the client).
 * When credproxy's environment names an HTTP(S) proxy, requests go through it (CONNECT for
 * https), except to hosts NO_PROXY lists.
 */
export function createUpstreamDispatcher(
  options: UpstreamOptions,
  proxy: EgressProxyEnv,
): Dispatcher {
  const tls = {
    timeout: options.connectTimeoutMs,
    ...(options.ca === undefined ? {} : { ca: [...rootCertificates, options.ca] }),
  };
  const agent = { connect: tls, keepAliveTimeout: KEEP_ALIVE_MS };
  if (proxy.httpProxy === '' && proxy.httpsProxy === '') return new Agent(agent);
  // Every value passed explicitly: the agent would otherwise read process.env itself.
  return new EnvHttpProxyAgent({
    ...agent,
    requestTls: tls,
    httpProxy: proxy.httpProxy,
    httpsProxy: proxy.httpsProxy,
    noProxy: proxy.noProxy,
  });
}
