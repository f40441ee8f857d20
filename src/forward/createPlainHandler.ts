import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { ForwardProxyConfig, ForwardRuleConfig } from '../config/doorTypes.js';
import { type EgressReporter, UNKNOWN } from '../egress/createEgressReporter.js';
import { type ForwardTarget, forwardRequest } from '../egress/forwardRequest.js';
import { toUpstreamHeaders } from '../egress/toUpstreamHeaders.js';
import { isLoopbackHost } from '../http/listen.js';
import type { Metrics } from '../observability/createMetrics.js';
import { NO_RULE_LABEL, ruleLabel } from './createConnectReporter.js';
import { decideForward } from './decideForward.js';
import type { ProxyClient } from './identifyProxyClient.js';
import { type Authority, formatAuthority, parseAuthority } from './parseAuthority.js';

/**
 * Absolute-form plain HTTP requests (`GET http://host/path`): the same identification and
 * decision as a CONNECT. A rule's host gets its header injected, but only when the connection
 * stays on loopback (through `connect_to`): otherwise the secret would cross the network in
 * clear text (403 PLAIN_HTTP_REFUSED, the egress routes' rule for http:// upstreams). Hosts
 * without a rule are refused: plain HTTP is never passed through.
 */
export function createPlainHandler(deps: {
  readonly current: () => ForwardProxyConfig;
  readonly identify: (
    rawHeaders: readonly string[],
    client: string,
  ) => ProxyClient | Promise<ProxyClient>;
  readonly targetFor: (rule: ForwardRuleConfig, origin: string) => ForwardTarget;
  readonly destinationOf: (target: Authority) => Authority;
  readonly reporter: EgressReporter;
  readonly metrics: Metrics | undefined;
}) {
  const { reporter } = deps;
  return (req: IncomingMessage, res: ServerResponse): void => {
    const started = performance.now();
    const client = req.socket.remoteAddress ?? UNKNOWN;
    const url = parseHttpUrl(req.url ?? '');
    if (url === undefined) {
      reporter.refuse(
        req,
        res,
        started,
        NO_RULE_LABEL,
        'BAD_REQUEST',
        'this is a forward proxy: send http://host/path requests, and CONNECT for https',
      );
      return;
    }
    const proceed = (who: ProxyClient): void => {
      if (!who.ok) {
        reporter.refuse(req, res, started, NO_RULE_LABEL, who.code, who.message, {
          ...(who.status === undefined ? {} : { status: who.status }),
          ...(who.headers === undefined ? {} : { headers: who.headers }),
        });
        return;
      }
      const decision = decideForward(deps.current(), url.target.host, url.target.port, who.allowed);
      const label =
        decision.kind === 'intercept'
          ? ruleLabel(decision.rule.name)
          : decision.kind === 'refuse' && decision.rule !== undefined
            ? ruleLabel(decision.rule)
            : NO_RULE_LABEL;
      const route = { name: label };
      const call = { req, res, started, client, path: url.path, route, service: who.service };
      if (decision.kind === 'refuse') {
        reporter.deny(call, decision.code, decision.message);
        return;
      }
      if (decision.kind === 'tunnel') {
        reporter.deny(
          call,
          'HOST_NOT_ALLOWED',
          `plain http:// is proxied only to the hosts of forward rules; use https for ${url.target.host}`,
        );
        return;
      }
      if (!isLoopbackHost(deps.destinationOf(url.target).host)) {
        reporter.deny(
          call,
          'PLAIN_HTTP_REFUSED',
          `http://${url.target.host} would carry the injected secret in clear text: use https://`,
        );
        return;
      }
      const { rule } = decision;
      const target = deps.targetFor(rule, `http://${formatAuthority(url.target)}`);
      deps.metrics?.proxyStarted(target.name);
      forwardRequest(
        {
          req,
          res,
          route: target,
          path: url.pathAndQuery,
          headers: toUpstreamHeaders(req.rawHeaders, rule.inject, rule.inject.value, who.token),
          secrets: [rule.inject.value],
        },
        (outcome) => reporter.forwarded({ ...call, route: target }, outcome),
      );
    };
    // A JWT's first verification is asynchronous; static tokens and cached JWTs are not.
    const who = deps.identify(req.rawHeaders, client);
    if (who instanceof Promise) who.then(proceed, () => res.destroy());
    else proceed(who);
  };
}

function parseHttpUrl(
  text: string,
):
  | { readonly target: Authority; readonly path: string; readonly pathAndQuery: string }
  | undefined {
  if (!/^http:\/\//i.test(text)) return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  if (url.username !== '' || url.password !== '') return undefined;
  const target = parseAuthority(url.host, 80);
  if (target === undefined) return undefined;
  return { target, path: url.pathname, pathAndQuery: `${url.pathname}${url.search}` };
}
