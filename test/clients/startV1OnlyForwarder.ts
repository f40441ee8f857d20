import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the forwarder saw, and the status the client got. */
export interface ForwardedRequest {
  readonly method: string;
  readonly path: string;
  readonly status: number;
}

export interface V1OnlyForwarder {
  readonly url: string;
  readonly seen: ForwardedRequest[];
  stop(): Promise<void>;
}

/**
 * An IMDS that never issues session tokens, like one predating IMDSv2: `PUT /latest/api/token`
 * gets 404 here, and every SDK then falls back to IMDSv1 (reads without a token, botocore and
 * JS alike). Every other request is passed to `target` unchanged, so what credproxy answers a
 * real client's v1 read is what the client gets. Loopback only.
 */
export async function startV1OnlyForwarder(target: string): Promise<V1OnlyForwarder> {
  const upstream = new URL(target);
  const seen: ForwardedRequest[] = [];
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    if (req.method === 'PUT' && path === '/latest/api/token') {
      seen.push({ method: 'PUT', path, status: 404 });
      res.writeHead(404, { 'Content-Length': 0 }).end();
      return;
    }
    const { host: _host, ...headers } = req.headers;
    const forwarded = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path, headers },
      (answer) => {
        seen.push({ method: req.method ?? '', path, status: answer.statusCode ?? 0 });
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forwarded.on('error', () => res.writeHead(502).end());
    req.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
