import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * What the proxy does with the next STS call. `pass` forwards to the target (moto), optionally
 * rewriting the returned Expiration so a set arrives with only `expiresInSeconds` left; the
 * others are the faults credproxy must survive.
 */
export type FaultMode =
  | { readonly kind: 'pass'; readonly expiresInSeconds?: number }
  /** Forward, but only after `ms`: longer than credentials.request_timeout means a timeout. */
  | { readonly kind: 'delay'; readonly ms: number }
  /** 400 with the STS `Throttling` error document. */
  | { readonly kind: 'throttle' }
  /** 403 with the STS `AccessDenied` error document. */
  | { readonly kind: 'denied' }
  /** 500 with the STS `InternalFailure` error document. */
  | { readonly kind: 'error500' }
  /** Bytes that are not HTTP at all, then the socket is closed. */
  | { readonly kind: 'garbage' }
  /** A well-formed HTTP 200 whose body is not an AssumeRole response. */
  | { readonly kind: 'garbage200' }
  /** The socket is destroyed as soon as the request arrives (a reset). */
  | { readonly kind: 'close' };

export interface FaultProxy {
  /** Base URL to put in AWS_ENDPOINT_URL_STS. */
  readonly url: string;
  setMode(mode: FaultMode): void;
  /** Requests received so far, in any mode. */
  requests(): number;
  /** The body of every request received so far, in order (STS query-protocol forms). */
  bodies(): readonly string[];
  /** Every request with who signed it and, once forwarded, the answer: a recording forwarder. */
  exchanges(): readonly StsExchange[];
  stop(): Promise<void>;
}

/** One STS call seen by the proxy. */
export interface StsExchange {
  /** The decoded query-protocol form (Action, RoleArn, ...). */
  readonly form: Readonly<Record<string, string>>;
  /** The access key id in the SigV4 Authorization header; undefined for an unsigned call. */
  readonly signedBy: string | undefined;
  /** The body forwarded back, once the target answered. */
  response: string | undefined;
}

/** A tiny HTTP proxy on 127.0.0.1:0 in front of `targetUrl`, with switchable faults. */
export async function startFaultProxy(targetUrl: string): Promise<FaultProxy> {
  const target = new URL(targetUrl);
  let mode: FaultMode = { kind: 'pass' };
  let received = 0;
  const bodies: string[] = [];
  const exchanges: StsExchange[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const server = createServer((req, res) => {
    received += 1;
    const current = mode;
    readBody(req).then(
      (body) => {
        const text = body.toString('utf8');
        bodies.push(text);
        const exchange: StsExchange = {
          form: Object.fromEntries(new URLSearchParams(text)),
          signedBy: /Credential=([A-Z0-9]+)\//.exec(req.headers.authorization ?? '')?.[1],
          response: undefined,
        };
        exchanges.push(exchange);
        handle(current, req, body, res, exchange);
      },
      () => res.destroy(),
    );
  });

  function handle(
    current: FaultMode,
    req: IncomingMessage,
    body: Buffer,
    res: ServerResponse,
    exchange: StsExchange,
  ) {
    switch (current.kind) {
      case 'pass':
        forward(req, body, res, current.expiresInSeconds, exchange);
        return;
      case 'delay': {
        const timer = setTimeout(() => {
          timers.delete(timer);
          if (!res.destroyed) forward(req, body, res, undefined);
        }, current.ms);
        timers.add(timer);
        return;
      }
      case 'throttle':
        sendXml(res, 400, stsError('Sender', 'Throttling', 'Rate exceeded'));
        return;
      case 'denied':
        sendXml(
          res,
          403,
          stsError('Sender', 'AccessDenied', 'User is not authorized to perform sts:AssumeRole'),
        );
        return;
      case 'error500':
        sendXml(res, 500, stsError('Receiver', 'InternalFailure', 'internal failure'));
        return;
      case 'garbage':
        req.socket.end(Buffer.from([0x00, 0xff, 0x13, 0x37, 0x7f, 0x80, 0x0a, 0x0d, 0x00, 0x42]));
        return;
      case 'garbage200': {
        const junk = Buffer.from('\u0000\u00ff<<not xml at all>> {]', 'latin1');
        res.writeHead(200, { 'Content-Type': 'text/xml', 'Content-Length': junk.length });
        res.end(junk);
        return;
      }
      case 'close':
        req.socket.destroy();
        return;
    }
  }

  function forward(
    req: IncomingMessage,
    body: Buffer,
    res: ServerResponse,
    expiresInSeconds: number | undefined,
    exchange?: StsExchange,
  ): void {
    const upstream = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, 'content-length': String(body.length) },
      },
      (answer) => {
        readBody(answer).then(
          (raw) => {
            const text =
              expiresInSeconds === undefined
                ? raw
                : Buffer.from(
                    raw
                      .toString('utf8')
                      .replace(
                        /<Expiration>[^<]*<\/Expiration>/,
                        `<Expiration>${isoSeconds(Date.now() + expiresInSeconds * 1000)}</Expiration>`,
                      ),
                  );
            if (exchange) exchange.response = text.toString('utf8');
            if (res.destroyed) return;
            const headers = { ...answer.headers, 'content-length': String(text.length) };
            delete headers['transfer-encoding'];
            res.writeHead(answer.statusCode ?? 502, headers);
            res.end(text);
          },
          () => res.destroy(),
        );
      },
    );
    upstream.on('error', () => res.destroy());
    upstream.end(body);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    setMode(next) {
      mode = next;
    },
    requests: () => received,
    bodies: () => bodies,
    exchanges: () => exchanges,
    async stop() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The error document of the STS query protocol, as the SDK parses it. */
function stsError(type: string, code: string, message: string): string {
  return (
    '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">' +
    `<Error><Type>${type}</Type><Code>${code}</Code><Message>${message}</Message></Error>` +
    '<RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>'
  );
}

function sendXml(res: ServerResponse, status: number, xml: string): void {
  const body = Buffer.from(xml);
  res.writeHead(status, { 'Content-Type': 'text/xml', 'Content-Length': body.length });
  res.end(body);
}

function readBody(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

/** `YYYY-MM-DDTHH:MM:SSZ`, as STS writes Expiration. */
function isoSeconds(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}
