import { isIP, connect as netConnect, type Socket } from 'node:net';
import {
  checkServerIdentity,
  rootCertificates,
  type TLSSocket,
  connect as tlsConnect,
} from 'node:tls';
import { Agent, type buildConnector, type Dispatcher } from 'undici';
import type { ForwardProxyConfig } from '../config/doorTypes.js';
import { type Authority, formatAuthority } from './parseAuthority.js';

/** Connecting (TCP and TLS) may take this long; the routes' default `timeouts.connect`. */
export const CONNECT_TIMEOUT_MS = 10_000;
/** Idle upstream connections are kept this long for the next request (undici's default). */
const KEEP_ALIVE_MS = 4_000;

/** How the forward proxy reaches upstreams: pooled HTTP, raw tunnels, and one-off TLS. */
export interface ForwardUpstream {
  /** Pools keep-alive connections per origin; TLS verified as `openTls` does. */
  readonly dispatcher: Dispatcher;
  /** A TCP connection for a byte-for-byte tunnel. */
  openTunnel(target: Authority): Socket;
  /** A TLS connection verified for `target.host` (system CAs plus `ca_file`), HTTP/1.1. */
  openTls(target: Authority): TLSSocket;
  /** Where a connection to `target` really goes (`connect_to`, or the target itself). */
  destinationOf(target: Authority): Authority;
  close(): Promise<void>;
}

/**
 * Upstream connections of the forward proxy. `connect_to` (like curl's `--connect-to`) swaps
 * the address connected to, never the name verified: the certificate must still be valid for
 * the host the client asked for. TLS 1.2 at least; only HTTP/1.1 is offered in ALPN.
 */
export function createForwardUpstream(options: {
  readonly connectTo: () => ForwardProxyConfig['connectTo'];
  /** PEM trusted in addition to the system CAs. */
  readonly ca?: string;
}): ForwardUpstream {
  const ca = options.ca === undefined ? undefined : [...rootCertificates, options.ca];

  function destinationOf(target: Authority): Authority {
    return options.connectTo()[formatAuthority(target)] ?? target;
  }

  function openTls(target: Authority): TLSSocket {
    const to = destinationOf(target);
    return tlsConnect({
      host: to.host,
      port: to.port,
      ...(isIP(target.host) === 0 ? { servername: target.host } : {}),
      ...(ca === undefined ? {} : { ca }),
      minVersion: 'TLSv1.2',
      ALPNProtocols: ['http/1.1'],
      checkServerIdentity: (_name, cert) => checkServerIdentity(target.host, cert),
    });
  }

  function openTunnel(target: Authority): Socket {
    const to = destinationOf(target);
    return netConnect({ host: to.host, port: to.port });
  }

  const connect: buildConnector.connector = (opts, callback) => {
    const https = opts.protocol === 'https:';
    const target = { host: opts.hostname, port: Number(opts.port) || (https ? 443 : 80) };
    const socket = https ? openTls(target) : openTunnel(target);
    const ready = https ? 'secureConnect' : 'connect';
    const timer = setTimeout(() => {
      const error = Object.assign(new Error('connect timeout'), {
        code: 'UND_ERR_CONNECT_TIMEOUT',
      });
      socket.destroy(error);
    }, CONNECT_TIMEOUT_MS);
    const onError = (error: Error) => {
      clearTimeout(timer);
      callback(error, null);
    };
    socket.setNoDelay(true);
    socket.once('error', onError);
    socket.once(ready, () => {
      clearTimeout(timer);
      socket.off('error', onError);
      callback(null, socket);
    });
  };

  const dispatcher = new Agent({ connect, keepAliveTimeout: KEEP_ALIVE_MS });
  return {
    dispatcher,
    openTunnel,
    openTls,
    destinationOf,
    close: () => dispatcher.close().catch(() => undefined),
  };
}
