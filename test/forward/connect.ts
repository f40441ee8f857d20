import { connect, type Socket } from 'node:net';

/** What a proxy answered to a CONNECT, read off the raw socket. */
export interface ConnectAnswer {
  readonly status: number;
  readonly head: string;
  readonly body: string;
  /** Still open after a 200: the tunnel. */
  readonly socket: Socket;
}

/** Sends one CONNECT by hand, with `headers`, and reads the answer's head (and a refusal's body). */
export function sendConnect(
  proxy: string,
  target: string,
  headers: Record<string, string> = {},
): Promise<ConnectAnswer> {
  const url = new URL(proxy);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: url.hostname, port: Number(url.port) });
    let received = Buffer.alloc(0);
    const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
    socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n${lines.join('')}\r\n`);
    const onData = (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf('\r\n\r\n');
      if (end === -1) return;
      const head = received.subarray(0, end).toString('latin1');
      const status = Number(head.split(' ')[1]);
      if (status === 200) {
        socket.off('data', onData);
        resolve({ status, head, body: '', socket });
      }
    };
    socket.on('data', onData);
    socket.on('end', () => {
      const text = received.toString('utf8');
      const end = text.indexOf('\r\n\r\n');
      resolve({
        status: Number(text.split(' ')[1]),
        head: text.slice(0, end),
        body: text.slice(end + 4),
        socket,
      });
    });
    socket.on('error', reject);
  });
}

export function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}
