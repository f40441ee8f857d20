import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import { TLSSocket } from 'node:tls';
import type { ForwardRuleConfig } from '../config/doorTypes.js';
import type { EgressReporter } from '../egress/createEgressReporter.js';
import { type ForwardTarget, forwardRequest } from '../egress/forwardRequest.js';
import { toUpstreamHeaders } from '../egress/toUpstreamHeaders.js';
import { createHttpServer } from '../http/createHttpServer.js';
import type { FailureLog } from '../observability/createFailureLog.js';
import type { Metrics } from '../observability/createMetrics.js';
import type { ConnectCall, ConnectReporter } from './createConnectReporter.js';
import type { ForwardUpstream } from './createForwardUpstream.js';
import type { LeafCache } from './createLeafCache.js';
import type { Authority } from './parseAuthority.js';
import { passUpgrade } from './passUpgrade.js';

/** One intercepted CONNECT: who opened it, to where, under which rule. */
export interface Interception {
  readonly call: ConnectCall;
  readonly target: Authority;
  readonly rule: ForwardRuleConfig;
  /** The proxy token the client presented: removed from anything forwarded. */
  readonly token?: string;
  readonly route: ForwardTarget;
}

export interface Interceptor {
  /** Answers the CONNECT with 200, terminates TLS with the host's leaf, serves what follows. */
  intercept(socket: Duplex, head: Buffer, interception: Interception): Promise<void>;
  /** Stops the inner server (open tunnels are closed by the listener's own drain). */
  close(): void;
}

/**
 * TLS interception: the client's tunnel is answered with a leaf certificate for the CONNECT's
 * host (from the cache; the name the client connected for, whatever SNI says), and the HTTP/1.1
 * requests inside are served by one inner server that never listens. Each request is sent on
 * with the rule's header injected (toUpstreamHeaders: the client's own copy, its Authorization
 * and anything holding its proxy token removed) through the egress door's streaming forwarder.
 */
export function createInterceptor(deps: {
  readonly leaves: () => LeafCache;
  readonly upstream: ForwardUpstream;
  readonly reporter: EgressReporter;
  readonly connectReporter: ConnectReporter;
  readonly failures: FailureLog;
  readonly metrics: Metrics | undefined;
  readonly draining: () => boolean;
}): Interceptor {
  const tunnels = new WeakMap<object, Interception>();

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const interception = tunnels.get(req.socket);
    if (interception === undefined) {
      res.destroy();
      return;
    }
    if (deps.draining()) res.shouldKeepAlive = false;
    const started = performance.now();
    const { route, rule, call } = interception;
    const url = req.url ?? '';
    if (!url.startsWith('/')) {
      deps.reporter.refuse(
        req,
        res,
        started,
        route.name,
        'BAD_REQUEST',
        'requests inside a proxy tunnel must be in origin form (/path)',
      );
      return;
    }
    const cut = url.indexOf('?');
    const forwarded = {
      req,
      res,
      started,
      client: call.client,
      path: cut === -1 ? url : url.slice(0, cut),
      route,
      service: call.service,
    };
    deps.metrics?.proxyStarted(route.name);
    forwardRequest(
      {
        req,
        res,
        route,
        path: url,
        headers: toUpstreamHeaders(
          req.rawHeaders,
          rule.inject,
          rule.inject.value,
          interception.token,
        ),
        secrets: [rule.inject.value],
      },
      (outcome) => deps.reporter.forwarded(forwarded, outcome),
    );
  }

  const inner = createHttpServer(handle, {
    // Uploads stream for as long as they take; the upstream's own limits bound them.
    requestTimeoutMs: 0,
    onRefused: (client, code) =>
      deps.failures.failed(client, code, { code }, 'malformed request in a proxy tunnel refused'),
  });
  inner.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const interception = tunnels.get(req.socket);
    if (interception === undefined) {
      socket.destroy();
      return;
    }
    passUpgrade(req, socket, head, interception, {
      upstream: deps.upstream,
      reporter: deps.connectReporter,
    });
  });

  return {
    async intercept(socket, head, interception) {
      socket.pause();
      let context: Awaited<ReturnType<LeafCache['contextFor']>>;
      try {
        context = await deps.leaves().contextFor(interception.target.host);
      } catch {
        deps.connectReporter.refuse(
          socket,
          interception.call,
          'INTERNAL',
          'no certificate could be issued for this host',
        );
        return;
      }
      if (socket.destroyed) return;
      socket.write('HTTP/1.1 200 Connection established\r\n\r\n');
      if (head.length > 0) socket.unshift(head);
      const tls = new TLSSocket(socket, {
        isServer: true,
        secureContext: context,
        ALPNProtocols: ['http/1.1'],
      });
      let secure = false;
      tls.once('secure', () => {
        secure = true;
        deps.metrics?.recordInterception('ok');
      });
      tls.on('error', () => {
        // A client that does not trust the CA aborts the handshake: counted, never logged per
        // connection (a misconfigured client would flood the log).
        if (!secure) deps.metrics?.recordInterception('failed');
        tls.destroy();
      });
      tunnels.set(tls, interception);
      inner.emit('connection', tls);
      socket.resume();
    },
    close() {
      inner.closeAllConnections();
    },
  };
}
