import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import type { ConnectCall, ConnectReporter } from './createConnectReporter.js';
import type { Authority } from './parseAuthority.js';

/**
 * A CONNECT passed through without interception: the upstream connection is opened first, the
 * 200 goes out only once it is, then bytes flow both ways untouched (the client sees the
 * upstream's own TLS). A connection that cannot be opened is a 502 on the CONNECT itself.
 */
export function spliceTunnel(
  client: Duplex,
  head: Buffer,
  target: Authority,
  call: ConnectCall,
  deps: { readonly open: (target: Authority) => Socket; readonly report: ConnectReporter },
): void {
  const upstream = deps.open(target);
  let upstreamMs: number | null = null;
  let bytesUp = head.length;
  let bytesDown = 0;
  let settled = false;
  const settle = (status: number | null) => {
    if (settled) return;
    settled = true;
    deps.report.tunnelled(call, { status, code: null, bytesUp, bytesDown, upstreamMs });
  };
  upstream.once('error', () => {
    if (upstreamMs !== null) return;
    settled = true;
    deps.report.refuse(client, call, 'UPSTREAM_UNREACHABLE', `${call.target} could not be reached`);
  });
  upstream.once('connect', () => {
    upstreamMs = performance.now() - call.started;
    deps.report.started(call);
    client.write('HTTP/1.1 200 Connection established\r\n\r\n');
    if (head.length > 0) upstream.write(head);
    client.on('data', (chunk: Buffer) => {
      bytesUp += chunk.length;
    });
    upstream.on('data', (chunk: Buffer) => {
      bytesDown += chunk.length;
    });
    client.pipe(upstream);
    upstream.pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
      settle(200);
    };
    client.once('close', end);
    upstream.once('close', end);
    upstream.on('error', end);
  });
  client.on('error', () => upstream.destroy());
}
