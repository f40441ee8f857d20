import type { IncomingMessage } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import { toUpstreamHeaders } from '../egress/toUpstreamHeaders.js';
import type { ConnectReporter } from './createConnectReporter.js';
import type { ForwardUpstream } from './createForwardUpstream.js';
import type { Interception } from './createInterceptor.js';

/**
 * A WebSocket (or other `Upgrade`) request inside an interception: sent on over verified TLS
 * with the rule's header injected like any request, then the two connections are spliced. The
 * upstream's answer (101 and its headers) passes through unparsed; the audit line carries its
 * status and the bytes each way.
 */
export function passUpgrade(
  req: IncomingMessage,
  client: Duplex,
  head: Buffer,
  interception: Interception,
  deps: { readonly upstream: ForwardUpstream; readonly reporter: ConnectReporter },
): void {
  const { target, rule } = interception;
  const started = performance.now();
  const call = {
    ...interception.call,
    started,
    label: interception.route.name,
    target: `${target.host}:${target.port}`,
  };
  const headers = toUpstreamHeaders(
    req.rawHeaders,
    rule.inject,
    rule.inject.value,
    interception.token,
  );
  const host = target.port === 443 ? target.host : `${target.host}:${target.port}`;
  const lines = [`${req.method ?? 'GET'} ${req.url ?? '/'} HTTP/1.1`, `Host: ${host}`];
  lines.push('Connection: Upgrade', `Upgrade: ${req.headers.upgrade ?? 'websocket'}`);
  for (let i = 0; i < headers.length; i += 2) lines.push(`${headers[i]}: ${headers[i + 1]}`);
  const upstream = deps.upstream.openTls(target);
  let status: number | null = null;
  let upstreamMs: number | null = null;
  let bytesUp = head.length;
  let bytesDown = 0;
  let connected = false;
  upstream.once('error', (error: NodeJS.ErrnoException) => {
    if (connected) return;
    const tls = /CERT|SSL|TLS|UNABLE_TO/.test(error.code ?? '');
    deps.reporter.refuse(
      client,
      call,
      tls ? 'UPSTREAM_TLS_FAILED' : 'UPSTREAM_UNREACHABLE',
      tls
        ? `the TLS certificate of ${host} could not be verified (see forward_proxy.ca_file)`
        : `${host} could not be reached`,
    );
  });
  upstream.once('secureConnect', () => {
    connected = true;
    deps.reporter.started(call);
    upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
    if (head.length > 0) upstream.write(head);
    upstream.once('data', (chunk: Buffer) => {
      upstreamMs = performance.now() - started;
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(chunk.subarray(0, 16).toString('latin1'));
      status = match === null ? null : Number(match[1]);
    });
    upstream.on('data', (chunk: Buffer) => {
      bytesDown += chunk.length;
    });
    client.on('data', (chunk: Buffer) => {
      bytesUp += chunk.length;
    });
    client.pipe(upstream);
    upstream.pipe(client);
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      client.destroy();
      upstream.destroy();
      deps.reporter.tunnelled(call, { status, code: null, bytesUp, bytesDown, upstreamMs });
    };
    client.once('close', end);
    upstream.once('close', end);
    upstream.on('error', end);
  });
  client.on('error', () => upstream.destroy());
}
