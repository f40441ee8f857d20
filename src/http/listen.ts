import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isIP, Server as NetServer } from 'node:net';
import { CredproxyError } from '../errors.js';

/** Open `server` on host:port; a taken port becomes PORT_IN_USE with the config key to change. */
export function listen(
  server: Server,
  host: string,
  port: number,
  configKey: string,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (error.code === 'EADDRINUSE') {
        reject(
          new CredproxyError(
            'PORT_IN_USE',
            `${host}:${port} is already in use by another process (change ${configKey})`,
            { cause: error },
          ),
        );
      } else {
        reject(
          new CredproxyError(
            'LISTEN_FAILED',
            `cannot listen on ${host}:${port} (${error.code ?? 'error'})`,
            {
              cause: error,
            },
          ),
        );
      }
    };
    const onListening = () => {
      server.off('error', onError);
      const address = server.address() as AddressInfo;
      resolve(toBaseUrl(address.address, address.port));
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

function toBaseUrl(address: string, port: number): string {
  return isIP(address) === 6 ? `http://[${address}]:${port}` : `http://${address}:${port}`;
}

/** Loopback addresses reach only processes in the same network namespace. */
export function isLoopbackHost(host: string): boolean {
  return (
    host === 'localhost' ||
    host === '::1' ||
    /^(::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/i.test(host)
  );
}

/** Idle keep-alive connections get this long to deliver a request already on the wire. */
export const IDLE_CLOSE_DELAY_MS = 1_000;

/**
 * Stop accepting, let in-flight requests finish, and cut what is left after `graceMs`.
 * `http.Server.close()` in Node 20 destroys idle keep-alive sockets at once, resetting a
 * request a client has just written on one; `net.Server.close()` only stops accepting. While
 * draining, every response says `Connection: close`, so busy sockets end on their own, and
 * sockets still idle after a second are closed.
 */
export function close(server: Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    const idle = setTimeout(
      () => server.closeIdleConnections(),
      Math.min(IDLE_CLOSE_DELAY_MS, graceMs),
    );
    const force = setTimeout(() => server.closeAllConnections(), graceMs);
    idle.unref();
    force.unref();
    NetServer.prototype.close.call(server, () => {
      clearTimeout(idle);
      clearTimeout(force);
      resolve();
    });
  });
}

/** What a door says about its listener (see `Listener` in src/sidecar/types.ts). */
export interface ListenerSpec {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** The config key (and variable) naming the port, for the port-in-use message. */
  readonly portKey: string;
  readonly exposes: string;
}

/** A door's server as a listener the sidecar opens and drains. */
export function toListener(server: Server, spec: ListenerSpec) {
  return {
    ...spec,
    listen: () => listen(server, spec.host, spec.port, spec.portKey),
    close: (graceMs: number) => close(server, graceMs),
  };
}
