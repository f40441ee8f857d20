import { connect } from 'node:net';

/** What came back on one raw TCP connection. */
export interface RawExchange {
  /** Status code of every response read, in order (pipelined requests give several). */
  readonly statuses: number[];
  /** Everything the server sent, decoded byte for byte (latin1). */
  readonly text: string;
  /** The server closed the connection (FIN), reset it, or we cut it at the deadline. */
  readonly ending: 'closed' | 'reset' | 'timeout';
  readonly ms: number;
}

export interface RawOptions {
  readonly port: number;
  /** Source address in 127/8: each address has its own failed-token bucket. */
  readonly localAddress?: string;
  /** Half-close after writing, so the server closes once it has answered (default true). */
  readonly endAfterWrite?: boolean;
  readonly timeoutMs?: number;
}

/**
 * Writes `payload` as is on a fresh connection to 127.0.0.1 and reads until the server closes.
 * Strings are sent as UTF-8; pass bytes for anything else.
 */
export function sendRaw(payload: string | Uint8Array, options: RawOptions): Promise<RawExchange> {
  const started = performance.now();
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let ending: RawExchange['ending'] = 'closed';
    const socket = connect({
      host: '127.0.0.1',
      port: options.port,
      ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
    });
    const deadline = setTimeout(() => {
      ending = 'timeout';
      socket.destroy();
    }, options.timeoutMs ?? 5_000);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // EPIPE: the server closed while we were still writing (an oversized header block).
      if (ending === 'closed' && (error.code === 'ECONNRESET' || error.code === 'EPIPE')) {
        ending = 'reset';
      }
    });
    socket.on('close', () => {
      clearTimeout(deadline);
      const text = Buffer.concat(chunks).toString('latin1');
      resolve({ statuses: statusesOf(text), text, ending, ms: performance.now() - started });
    });
    socket.write(typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload);
    if (options.endAfterWrite !== false) socket.end();
  });
}

/** Status codes of the responses in a raw byte stream (bodies never contain a status line). */
export function statusesOf(text: string): number[] {
  return [...text.matchAll(/HTTP\/\d\.\d (\d{3}) /g)].map((match) => Number(match[1]));
}

/** A plain HTTP/1.1 GET, as a string of bytes. */
export function rawGet(path: string, headers: Record<string, string> = {}): string {
  const lines = Object.entries({ Host: '127.0.0.1', ...headers }).map(([k, v]) => `${k}: ${v}`);
  return `GET ${path} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`;
}
