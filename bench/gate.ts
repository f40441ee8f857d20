import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A loopback TCP relay in front of moto that holds every STS request until `open()`: the herd
 * figure uses it to keep a service cold until all of its requests have been sent.
 */
export interface Gate {
  readonly url: string;
  /** Connections that reached the gate (each carries one or more STS calls). */
  connections(): number;
  open(): void;
  close(): Promise<void>;
}

export async function startGate(upstreamPort: number): Promise<Gate> {
  let opened = false;
  let connections = 0;
  const held: Array<() => void> = [];
  const sockets = new Set<Socket>();

  const server: Server = createServer((client) => {
    connections += 1;
    client.pause();
    const upstream = createConnection({ host: '127.0.0.1', port: upstreamPort });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    const relay = () => {
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    };
    if (opened) relay();
    else held.push(relay);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  return {
    url: `http://127.0.0.1:${port}`,
    connections: () => connections,
    open() {
      opened = true;
      for (const relay of held.splice(0)) relay();
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
