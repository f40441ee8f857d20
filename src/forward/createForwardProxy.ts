import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import type { ForwardProxyConfig, ForwardRuleConfig } from '../config/doorTypes.js';
import { createEgressReporter, UNKNOWN } from '../egress/createEgressReporter.js';
import type { ForwardTarget } from '../egress/forwardRequest.js';
import { createHttpServer } from '../http/createHttpServer.js';
import { close, listen } from '../http/listen.js';
import type { Adapter } from '../sidecar/types.js';
import {
  type ConnectCall,
  createConnectReporter,
  NO_RULE_LABEL,
  ruleLabel,
  TUNNEL_LABEL,
} from './createConnectReporter.js';
import { CONNECT_TIMEOUT_MS, createForwardUpstream } from './createForwardUpstream.js';
import { createInterceptor } from './createInterceptor.js';
import { createLeafCache, type LeafCache } from './createLeafCache.js';
import { createPlainHandler } from './createPlainHandler.js';
import { decideForward } from './decideForward.js';
import { identifyProxyClient, type ProxyClient } from './identifyProxyClient.js';
import { formatAuthority, parseAuthority } from './parseAuthority.js';
import { readCertificateAuthority } from './readCertificateAuthority.js';
import { spliceTunnel } from './spliceTunnel.js';

/** Upstream answer bounds: the egress routes' defaults (a model may think for minutes). */
const HEADERS_TIMEOUT_MS = 600_000;
const IDLE_TIMEOUT_MS = 300_000;

/**
 * The forward proxy (`forward_proxy.host:port`, default 127.0.0.1:3128), opened only when the
 * block is configured: workloads set HTTPS_PROXY=http://<service>:<token>@127.0.0.1:3128 and
 * trust credproxy's CA. CONNECT to a rule's host is intercepted and each request inside gets the
 * rule's header; tunnel_hosts are spliced untouched; anything else is refused (or tunnelled
 * with `otherwise: tunnel`). Every refusal is answered on the CONNECT, before any upstream byte.
 * Rules, tunnel_hosts and otherwise are read from the config in force (SIGHUP applies).
 */
export const createForwardProxy: Adapter = (context, config) => {
  const initial = config.forwardProxy;
  if (initial === undefined) return undefined;
  const current = (): ForwardProxyConfig => context.config().forwardProxy ?? initial;
  const now = () => context.clock.now();
  const { metrics } = context;
  const upstream = createForwardUpstream({
    connectTo: () => current().connectTo,
    ...(initial.upstreamCa === undefined ? {} : { ca: initial.upstreamCa }),
  });
  const reporterDeps = {
    failures: context.failures,
    audit: context.audit,
    metrics,
    logger: context.logger.child({ component: 'forward' }),
  };
  const reporter = createEgressReporter(reporterDeps);
  const connectReporter = createConnectReporter(reporterDeps);
  let leaves: LeafCache | undefined;
  const interceptor = createInterceptor({
    leaves: () => {
      if (leaves === undefined) throw new Error('the forward proxy CA is not loaded');
      return leaves;
    },
    upstream,
    reporter,
    connectReporter,
    failures: context.failures,
    metrics,
    draining: context.draining,
  });
  const identify = (rawHeaders: readonly string[], client: string) =>
    identifyProxyClient(rawHeaders, client, {
      clientAuth: current().clientAuth,
      authenticator: context.authenticator,
      services: context.services,
    });
  const targets = new Map<string, ForwardTarget>();
  const targetFor = (rule: ForwardRuleConfig, origin: string): ForwardTarget => {
    const key = `${rule.name}\u0000${origin}`;
    let target = targets.get(key);
    if (target === undefined) {
      target = {
        name: ruleLabel(rule.name),
        dispatcher: upstream.dispatcher,
        headersTimeoutMs: HEADERS_TIMEOUT_MS,
        idleTimeoutMs: IDLE_TIMEOUT_MS,
        config: {
          upstream: { origin },
          timeouts: {
            connectSeconds: CONNECT_TIMEOUT_MS / 1000,
            headersSeconds: HEADERS_TIMEOUT_MS / 1000,
          },
        },
      };
      // Bounded by rules × hosts clients ask for; cleared past a size no honest setup reaches.
      if (targets.size >= 10_000) targets.clear();
      targets.set(key, target);
    }
    return target;
  };
  const sockets = new Set<Duplex>();

  function onConnect(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const client = (socket as Socket).remoteAddress ?? UNKNOWN;
    const target = parseAuthority(req.url ?? '');
    const call: ConnectCall = {
      client,
      started: performance.now(),
      target: req.url ?? '',
      service: UNKNOWN,
      label: NO_RULE_LABEL,
    };
    if (target === undefined) {
      connectReporter.refuse(socket, call, 'BAD_REQUEST', 'CONNECT needs a host:port target');
      return;
    }
    const connectAs = (who: ProxyClient): void => {
      if (!who.ok) {
        connectReporter.refuse(socket, call, who.code, who.message, {
          ...(who.status === undefined ? {} : { status: who.status }),
          ...(who.headers === undefined ? {} : { headers: who.headers }),
        });
        return;
      }
      const forward = current();
      const decision = decideForward(forward, target.host, target.port, who.allowed);
      const identified = { ...call, service: who.service, target: formatAuthority(target) };
      if (decision.kind === 'refuse') {
        const label = decision.rule === undefined ? NO_RULE_LABEL : ruleLabel(decision.rule);
        connectReporter.refuse(socket, { ...identified, label }, decision.code, decision.message);
        return;
      }
      if (decision.kind === 'tunnel') {
        spliceTunnel(
          socket,
          head,
          target,
          { ...identified, label: TUNNEL_LABEL },
          {
            open: upstream.openTunnel,
            report: connectReporter,
          },
        );
        return;
      }
      const origin = `https://${formatAuthority(target)}`;
      void interceptor.intercept(socket, head, {
        call: { ...identified, label: ruleLabel(decision.rule.name) },
        target,
        rule: decision.rule,
        ...(who.token === undefined ? {} : { token: who.token }),
        route: targetFor(decision.rule, origin),
      });
    };
    // A JWT's first verification is asynchronous; static tokens and cached JWTs are not.
    const who = identify(req.rawHeaders, client);
    if (who instanceof Promise) who.then(connectAs, () => socket.destroy());
    else connectAs(who);
  }

  const handlePlain = createPlainHandler({
    current,
    identify,
    targetFor,
    destinationOf: upstream.destinationOf,
    reporter,
    metrics,
  });
  const server = createHttpServer(
    (req, res) => {
      if (context.draining()) res.shouldKeepAlive = false;
      handlePlain(req, res);
    },
    {
      onRefused: (client, code) =>
        context.failures.failed(client, code, { code }, 'malformed proxy request refused'),
      requestTimeoutMs: 0,
    },
  );
  server.on('connect', onConnect);
  const { host, port } = initial;
  return {
    name: 'forward',
    portKey: 'forward_proxy.port',
    host,
    exposes:
      'forward proxy (anyone who can reach it may try tokens, and use every rule with client_auth: none)',
    async listen() {
      const { ca, created } = await readCertificateAuthority(initial.ca, { create: true, now });
      if (created) {
        reporterDeps.logger.info(
          { certFile: initial.ca.certFile, keyFile: initial.ca.keyFile },
          `forward proxy CA created: workloads must trust ${initial.ca.certFile}`,
        );
      }
      leaves = createLeafCache({
        ca,
        now,
        minVersion: 'TLSv1.2',
        ...(metrics === undefined
          ? {}
          : { onSize: (size) => metrics.setForwardCertificates(size) }),
      });
      return listen(server, host, port, 'forward_proxy.port');
    },
    async close(graceMs) {
      // CONNECT sockets left the HTTP server's bookkeeping: cut those still open after the grace.
      const force = setTimeout(() => {
        for (const socket of sockets) socket.destroy();
      }, graceMs);
      force.unref();
      await close(server, graceMs);
      clearTimeout(force);
      for (const socket of sockets) socket.destroy();
      interceptor.close();
      await upstream.close();
    },
  };
};
