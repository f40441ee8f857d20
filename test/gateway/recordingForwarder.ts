import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What reached the upstream for one request: the upload form and a digest of the body. */
export interface Seen {
  readonly method: string;
  readonly url: string;
  readonly contentSha256: string | undefined;
  readonly contentEncoding: string | undefined;
  readonly accessKeyId: string | undefined;
  readonly bodyBytes: number;
  readonly bodySha256: string;
}

/**
 * A loopback hop between the gateway and moto that records what each request carried (moto
 * verifies no payload hash or chunk signature) and passes it on unchanged, streaming.
 */
export async function startRecordingForwarder(target: string): Promise<{
  url: string;
  seen: Seen[];
  close(): Promise<void>;
}> {
  const seen: Seen[] = [];
  const { hostname, port } = new URL(target);
  const server: Server = createServer((req: IncomingMessage, res) => {
    const hash = createHash('sha256');
    let bytes = 0;
    const upstream = request(
      { hostname, port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      bytes += chunk.length;
    });
    req.on('end', () => {
      const header = (name: string) => {
        const v = req.headers[name];
        return Array.isArray(v) ? v[0] : v;
      };
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        contentSha256: header('x-amz-content-sha256'),
        contentEncoding: header('content-encoding'),
        accessKeyId: /Credential=([^/]+)\//.exec(header('authorization') ?? '')?.[1],
        bodyBytes: bytes,
        bodySha256: hash.digest('hex'),
      });
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: own } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${own}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
